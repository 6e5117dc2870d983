"""A tenant's patrol settings (巡查规则) published by patrol_tracking on `Topic.PATROL_DAILY`.

``patrol_settings.changed``: the whole settings after a change by the centre, so scoring can
show which rules a day was judged by: the preset started from, track cleaning and upload
limits, the rules per grid type and for any other type (minimum minutes a day and a week,
kilometres as decimal strings, morning and afternoon, online time and rate, key visits,
own-grid-only), the leave limit, the finalisation cut-off and the raw-point retention.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

PATROL_SETTINGS_CHANGED = "patrol_settings.changed"

PRESETS = ("seed_001", "seed_004")
GRID_TYPES = ("community", "village", "enterprise", "special")

_DECIMAL = validate.Regexp(r"^\d+(\.\d+)?$")
_HH_MM = validate.Regexp(r"^\d{2}:\d{2}$")


def _count(low: int = 0) -> fields.Integer:
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=low))


def _flag() -> fields.Boolean:
    return fields.Boolean(required=True, truthy={True}, falsy={False})


def _positive() -> fields.Float:
    return fields.Float(required=True, allow_nan=False, validate=validate.Range(min=0))


class TrackRulesV1(Schema):
    max_accuracy_m = _positive()
    max_speed_mps = _positive()
    session_gap_s = _count(1)
    noon = fields.String(required=True, validate=_HH_MM)
    visit_radius_m = _positive()
    visit_min_dwell_s = _count()


class IngestRulesV1(Schema):
    future_skew_s = _count()
    upload_window_days = _count(1)
    max_batch = _count(1)


class PatrolRulesV1(Schema):
    min_patrol_minutes_day = _count()
    min_patrol_minutes_week = _count()
    min_km_day = fields.String(required=True, validate=_DECIMAL)
    min_km_week = fields.String(required=True, validate=_DECIMAL)
    require_morning = _flag()
    require_afternoon = _flag()
    min_online_minutes_day = _count()
    min_online_rate = fields.String(required=True, allow_none=True, validate=_DECIMAL)
    reference_online_minutes = _count(1)
    required_key_person_visits_day = _count()
    required_key_place_visits_day = _count()
    own_grid_only = _flag()


class GridTypeRulesV1(PatrolRulesV1):
    grid_type = fields.String(required=True, validate=validate.OneOf(GRID_TYPES))


@register(PATROL_SETTINGS_CHANGED, 1, Topic.PATROL_DAILY)
class PatrolSettingsChangedV1(Schema):
    """The tenant's patrol settings after a change."""

    preset = fields.String(required=True, validate=validate.OneOf(PRESETS))
    track = fields.Nested(TrackRulesV1, required=True)
    ingest = fields.Nested(IngestRulesV1, required=True)
    rules_by_grid_type = fields.List(fields.Nested(GridTypeRulesV1), required=True)
    default_rules = fields.Nested(PatrolRulesV1, required=True)
    leave_limit_days = _count()
    finalise_after = fields.String(required=True, validate=_HH_MM)
    retention_days = _count(1)
    actor = fields.String(required=True, validate=validate.Length(min=1, max=64))
