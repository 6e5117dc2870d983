"""The tenant's patrol settings; a tenant that never saved any reads seed 001's preset."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from services.patrol_tracking.documents.settings import (
    IngestRulesDocument,
    PatrolRulesDocument,
    PatrolSettingsDocument,
    TrackRulesDocument,
)
from services.patrol_tracking.domain.compliance import PatrolRules
from services.patrol_tracking.domain.settings import IngestRules, PatrolSettings, TrackRules
from shared.mongo.settings import SettingsRepository


class PatrolSettingsRepository(SettingsRepository[PatrolSettingsDocument, PatrolSettings]):
    """The tenant's patrol settings (seed 001's preset until the centre saves its own).
    The hot paths read `recent()` (a 2 s process cache, `shared.mongo.settings`)."""

    document = PatrolSettingsDocument

    def defaults(self) -> PatrolSettings:
        return PatrolSettings(tenant_id=self.tenant_id)

    def to_settings(self, doc: PatrolSettingsDocument) -> PatrolSettings:
        return _to_domain(doc)

    def to_document(self, settings: PatrolSettings) -> PatrolSettingsDocument:
        return _to_document(settings)


def _rules_document(rules: PatrolRules, grid_type: str | None = None) -> PatrolRulesDocument:
    return PatrolRulesDocument(
        grid_type=grid_type,
        min_patrol_minutes_day=rules.min_patrol_minutes_day,
        min_patrol_minutes_week=rules.min_patrol_minutes_week,
        min_km_day=str(rules.min_km_day),
        min_km_week=str(rules.min_km_week),
        require_morning=rules.require_morning,
        require_afternoon=rules.require_afternoon,
        min_online_minutes_day=rules.min_online_minutes_day,
        min_online_rate=None if rules.min_online_rate is None else str(rules.min_online_rate),
        reference_online_minutes=rules.reference_online_minutes,
        required_key_person_visits_day=rules.required_key_person_visits_day,
        required_key_place_visits_day=rules.required_key_place_visits_day,
        own_grid_only=rules.own_grid_only,
    )


def _rules(doc: PatrolRulesDocument) -> PatrolRules:
    return PatrolRules(
        min_patrol_minutes_day=doc.min_patrol_minutes_day,
        min_patrol_minutes_week=doc.min_patrol_minutes_week,
        min_km_day=Decimal(doc.min_km_day),
        min_km_week=Decimal(doc.min_km_week),
        require_morning=doc.require_morning,
        require_afternoon=doc.require_afternoon,
        min_online_minutes_day=doc.min_online_minutes_day,
        min_online_rate=None if doc.min_online_rate is None else Decimal(doc.min_online_rate),
        reference_online_minutes=doc.reference_online_minutes,
        required_key_person_visits_day=doc.required_key_person_visits_day,
        required_key_place_visits_day=doc.required_key_place_visits_day,
        own_grid_only=doc.own_grid_only,
    )


def _to_document(settings: PatrolSettings) -> PatrolSettingsDocument:
    track, ingest = settings.track, settings.ingest
    return PatrolSettingsDocument(
        settings_id=settings.tenant_id,
        tenant_id=settings.tenant_id,
        preset=settings.preset,
        track=TrackRulesDocument(
            max_accuracy_m=track.max_accuracy_m,
            max_speed_mps=track.max_speed_mps,
            session_gap_s=track.session_gap_s,
            noon=track.noon.isoformat("minutes"),
            visit_radius_m=track.visit_radius_m,
            visit_min_dwell_s=track.visit_min_dwell_s,
        ),
        ingest=IngestRulesDocument(
            future_skew_s=ingest.future_skew_s,
            upload_window_days=ingest.upload_window_days,
            max_batch=ingest.max_batch,
        ),
        rules_by_grid_type=[
            _rules_document(rules, grid_type)
            for grid_type, rules in sorted(settings.rules_by_grid_type.items())
        ],
        default_rules=_rules_document(settings.default_rules),
        leave_limit_days=settings.leave_limit_days,
        finalise_after=settings.finalise_after.isoformat("minutes"),
        retention_days=settings.retention_days,
    )


def _to_domain(doc: PatrolSettingsDocument) -> PatrolSettings:
    track, ingest = doc.track, doc.ingest
    return PatrolSettings(
        tenant_id=doc.tenant_id,
        preset=doc.preset,
        track=TrackRules(
            max_accuracy_m=track.max_accuracy_m,
            max_speed_mps=track.max_speed_mps,
            session_gap_s=track.session_gap_s,
            noon=time.fromisoformat(track.noon),
            visit_radius_m=track.visit_radius_m,
            visit_min_dwell_s=track.visit_min_dwell_s,
        ),
        ingest=IngestRules(
            future_skew_s=ingest.future_skew_s,
            upload_window_days=ingest.upload_window_days,
            max_batch=ingest.max_batch,
        ),
        rules_by_grid_type={rules.grid_type: _rules(rules) for rules in doc.rules_by_grid_type},
        default_rules=_rules(doc.default_rules),
        leave_limit_days=doc.leave_limit_days,
        finalise_after=time.fromisoformat(doc.finalise_after),
        retention_days=doc.retention_days,
        revision=doc.revision,
    )
