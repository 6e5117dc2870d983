"""Patrol settings schemas: track cleaning, uploads, rules per grid type, leave and cut-off.

Ranges are the domain's (`domain.settings`), checked there with each field named; these
schemas check types. Kilometres and the online rate are Decimals, sent and shown as strings.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, pre_dump, validate

from services.patrol_tracking.domain.settings import PRESETS, PatrolSettings, settings_payload
from shared.http import BaseSchema


def _decimal(**kwargs: Any) -> fields.Decimal:
    return fields.Decimal(as_string=True, allow_nan=False, **kwargs)


def _whole(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, **kwargs)


class TrackRulesInputSchema(BaseSchema):
    max_accuracy_m = fields.Float(allow_nan=False, metadata={"description": "1-1000 m"})
    max_speed_mps = fields.Float(
        allow_nan=False, metadata={"description": "faster is a jump; > 0, up to 100 m/s"}
    )
    session_gap_s = _whole(metadata={"description": "60-7200 s without a fix ends a session"})
    noon = fields.Time(metadata={"description": "上午/下午 split, 09:00-15:00"})
    visit_radius_m = fields.Float(allow_nan=False, metadata={"description": "5-1000 m"})
    visit_min_dwell_s = _whole(metadata={"description": "0-3600 s"})


class IngestRulesInputSchema(BaseSchema):
    future_skew_s = _whole(metadata={"description": "0-3600 s ahead of the server"})
    upload_window_days = _whole(metadata={"description": "1-30 days"})
    max_batch = _whole(metadata={"description": "1-500 points"})


class PatrolRulesInputSchema(BaseSchema):
    """Fields not sent take the preset's value for the grid type."""

    min_patrol_minutes_day = _whole(metadata={"description": "每天巡查分钟 0-1440"})
    min_patrol_minutes_week = _whole(metadata={"description": "每周巡查分钟 0-10080"})
    min_km_day = _decimal(metadata={"description": "每天轨迹公里 0-100"})
    min_km_week = _decimal(metadata={"description": "每周轨迹公里 0-700"})
    require_morning = fields.Boolean(metadata={"description": "上午必须巡查"})
    require_afternoon = fields.Boolean(metadata={"description": "下午必须巡查"})
    min_online_minutes_day = _whole(metadata={"description": "在线时长 0-1440"})
    min_online_rate = _decimal(
        allow_none=True, metadata={"description": "在线率 0-1 of reference_online_minutes"}
    )
    reference_online_minutes = _whole(metadata={"description": "在线率的基准分钟 1-1440"})
    required_key_person_visits_day = _whole(metadata={"description": "重点人员走访 0-50"})
    required_key_place_visits_day = _whole(metadata={"description": "重点场所走访 0-50"})
    own_grid_only = fields.Boolean(metadata={"description": "只计本人网格内的巡查"})


class PatrolSettingsReplaceSchema(BaseSchema):
    """The new settings: ``preset`` (default: the current one) with the parts sent."""

    preset = fields.String(validate=validate.OneOf(PRESETS))
    track = fields.Nested(TrackRulesInputSchema)
    ingest = fields.Nested(IngestRulesInputSchema)
    rules_by_grid_type = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=32)),
        values=fields.Nested(PatrolRulesInputSchema),
        metadata={"description": "community, village, enterprise, special -> rules"},
    )
    default_rules = fields.Nested(
        PatrolRulesInputSchema, metadata={"description": "for grid types not listed"}
    )
    leave_limit_days = _whole(metadata={"description": "请假备案时限 0-31 days (seed 001: 3)"})
    finalise_after = fields.Time(
        metadata={"description": "a day is finalised the next day at this time, 00:00-12:00"}
    )
    retention_days = _whole(metadata={"description": "raw points kept 7-3650 days"})
    revision = _whole(metadata={"description": "the revision read: 409 if it moved on"})


class TrackRulesSchema(BaseSchema):
    max_accuracy_m = fields.Float(required=True)
    max_speed_mps = fields.Float(required=True)
    session_gap_s = fields.Integer(required=True)
    noon = fields.String(required=True)
    visit_radius_m = fields.Float(required=True)
    visit_min_dwell_s = fields.Integer(required=True)


class IngestRulesSchema(BaseSchema):
    future_skew_s = fields.Integer(required=True)
    upload_window_days = fields.Integer(required=True)
    max_batch = fields.Integer(required=True)


class PatrolRulesSchema(BaseSchema):
    min_patrol_minutes_day = fields.Integer(required=True)
    min_patrol_minutes_week = fields.Integer(required=True)
    min_km_day = fields.String(required=True)
    min_km_week = fields.String(required=True)
    require_morning = fields.Boolean(required=True)
    require_afternoon = fields.Boolean(required=True)
    min_online_minutes_day = fields.Integer(required=True)
    min_online_rate = fields.String(required=True, allow_none=True)
    reference_online_minutes = fields.Integer(required=True)
    required_key_person_visits_day = fields.Integer(required=True)
    required_key_place_visits_day = fields.Integer(required=True)
    own_grid_only = fields.Boolean(required=True)


class PatrolSettingsSchema(BaseSchema):
    preset = fields.String(required=True)
    track = fields.Nested(TrackRulesSchema, required=True)
    ingest = fields.Nested(IngestRulesSchema, required=True)
    rules_by_grid_type = fields.Dict(
        keys=fields.String(), values=fields.Nested(PatrolRulesSchema), required=True
    )
    default_rules = fields.Nested(PatrolRulesSchema, required=True)
    leave_limit_days = fields.Integer(required=True)
    finalise_after = fields.String(required=True)
    retention_days = fields.Integer(required=True)
    revision = fields.Integer(required=True, metadata={"description": "0: never saved"})

    @pre_dump
    def _values(self, settings: PatrolSettings, **_: Any) -> dict[str, Any]:
        values = settings_payload(settings)
        # The API shows the rules keyed by grid type, as PUT takes them.
        values["rules_by_grid_type"] = {
            entry.pop("grid_type"): entry for entry in values["rules_by_grid_type"]
        }
        return {**values, "revision": settings.revision}
