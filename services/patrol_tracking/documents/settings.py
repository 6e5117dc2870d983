"""The tenant's patrol settings: one document per tenant (`_id` = tenant id)."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.patrol_tracking.domain.compliance import GRID_TYPES
from services.patrol_tracking.domain.settings import PRESETS
from shared.mongo import TenantDocument


class TrackRulesDocument(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    max_accuracy_m = me.FloatField(required=True)
    max_speed_mps = me.FloatField(required=True)
    session_gap_s = me.IntField(required=True)
    noon = me.StringField(required=True, max_length=5)  # HH:MM, Asia/Shanghai
    visit_radius_m = me.FloatField(required=True)
    visit_min_dwell_s = me.IntField(required=True)


class IngestRulesDocument(me.EmbeddedDocument):  # type: ignore[misc]
    future_skew_s = me.IntField(required=True)
    upload_window_days = me.IntField(required=True)
    max_batch = me.IntField(required=True)


class PatrolRulesDocument(me.EmbeddedDocument):  # type: ignore[misc]
    """One rule set; ``grid_type`` is empty for the default rules. Decimals as text."""

    grid_type = me.StringField(choices=GRID_TYPES)
    min_patrol_minutes_day = me.IntField(required=True)
    min_patrol_minutes_week = me.IntField(required=True)
    min_km_day = me.StringField(required=True, max_length=16)
    min_km_week = me.StringField(required=True, max_length=16)
    require_morning = me.BooleanField(required=True)
    require_afternoon = me.BooleanField(required=True)
    min_online_minutes_day = me.IntField(required=True)
    min_online_rate = me.StringField(max_length=16)
    reference_online_minutes = me.IntField(required=True)
    required_key_person_visits_day = me.IntField(required=True)
    required_key_place_visits_day = me.IntField(required=True)
    own_grid_only = me.BooleanField(required=True)


class PatrolSettingsDocument(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {"collection": "patrol_settings", "indexes": []}

    settings_id = me.StringField(primary_key=True)  # the tenant id: one per tenant
    preset = me.StringField(required=True, choices=PRESETS)
    track = me.EmbeddedDocumentField(TrackRulesDocument, required=True)
    ingest = me.EmbeddedDocumentField(IngestRulesDocument, required=True)
    # A list of embedded documents, one per grid type (never a list of lists).
    rules_by_grid_type = me.EmbeddedDocumentListField(PatrolRulesDocument, default=list)
    default_rules = me.EmbeddedDocumentField(PatrolRulesDocument, required=True)
    leave_limit_days = me.IntField(required=True, min_value=0)
    finalise_after = me.StringField(required=True, max_length=5)  # HH:MM
    retention_days = me.IntField(required=True, min_value=1)
