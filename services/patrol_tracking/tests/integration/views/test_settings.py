"""The patrol settings API in process, on the real FerretDB: defaults, presets, a round trip,
validation naming each field, the revision check, roles, tenant walls and the outbox."""

from __future__ import annotations

from typing import Any

import pytest

from services.patrol_tracking.documents.settings import PatrolSettingsDocument
from services.patrol_tracking.domain.compliance import SEED_004
from services.patrol_tracking.repository.settings import PatrolSettingsRepository
from services.patrol_tracking.views.settings import blp
from shared.events.contracts import validate_envelope
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
ADMIN = {"subject": "u-admin", "tenant_id": "tenant-a", "roles": ("tenant-admin",)}
WORKER = {"subject": "u-w1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
INSPECTOR = {"subject": "u-insp", "tenant_id": "tenant-a", "roles": ("inspector",)}
TENANT_B = {"subject": "u-centre-b", "tenant_id": "tenant-b", "roles": ("tenant-admin",)}


@pytest.fixture
def api(api_client):
    return api_client([blp])


def put(api, body: dict[str, Any], as_user: dict[str, Any] = CENTRE):
    return api.put("/settings", json=body, as_user=as_user)


def error_fields(response) -> list[str]:
    return sorted(error["field"] for error in response.get_json()["errors"])


def outbox(tenant_id: str = "tenant-a") -> list[Envelope]:
    doc = PatrolSettingsDocument.objects(tenant_id=tenant_id, pk=tenant_id).get()
    return [Envelope.parse(entry.envelope) for entry in doc.outbox]


def test_a_tenant_that_never_saved_reads_seed_001(api):
    found = api.get("/settings", as_user=WORKER)
    assert found.status_code == 200, found.get_json()
    body = found.get_json()
    assert (body["preset"], body["revision"], body["leave_limit_days"]) == ("seed_001", 0, 3)
    assert (body["finalise_after"], body["retention_days"]) == ("02:00", 90)
    community, village = (
        body["rules_by_grid_type"]["community"],
        body["rules_by_grid_type"]["village"],
    )
    assert (community["min_patrol_minutes_day"], community["min_patrol_minutes_week"]) == (
        180,
        1080,
    )
    assert (village["min_patrol_minutes_day"], village["min_patrol_minutes_week"]) == (120, 720)
    assert (community["min_km_day"], community["min_km_week"]) == ("1", "8")
    assert community["require_morning"]
    assert community["require_afternoon"]
    assert body["default_rules"] == community
    assert body["track"]["noon"] == "12:00"
    assert body["ingest"] == {"future_skew_s": 600, "upload_window_days": 3, "max_batch": 500}
    assert api.get("/settings", as_user=INSPECTOR).status_code == 200


def test_only_the_centre_changes_them(api):
    assert put(api, {"leave_limit_days": 5}, as_user=WORKER).status_code == 403
    assert put(api, {"leave_limit_days": 5}, as_user=INSPECTOR).status_code == 403
    assert api.get("/settings", as_user=CENTRE).get_json()["revision"] == 0
    assert put(api, {"leave_limit_days": 5}, as_user=ADMIN).status_code == 200


def test_the_seed_004_preset_and_the_event(api):
    changed = put(api, {"preset": "seed_004"})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["preset"], body["revision"], body["rules_by_grid_type"]) == ("seed_004", 1, {})
    rules = body["default_rules"]
    assert (rules["min_patrol_minutes_day"], rules["min_km_day"], rules["own_grid_only"]) == (
        240,
        "3",
        True,
    )
    assert (rules["min_online_minutes_day"], rules["min_online_rate"]) == (240, "0.5")
    assert (
        rules["required_key_person_visits_day"],
        rules["required_key_place_visits_day"],
    ) == (1, 1)
    assert PatrolSettingsRepository("tenant-a").current().rules_for("village") == SEED_004

    [event] = outbox()
    assert (event.type, event.version, event.tenant_id) == (
        "patrol_settings.changed",
        1,
        "tenant-a",
    )
    payload = validate_envelope(event)
    assert (payload["preset"], payload["actor"]) == ("seed_004", "u-centre")
    assert payload["default_rules"]["min_km_day"] == "3"
    # Tenant B still reads its own defaults.
    assert api.get("/settings", as_user=TENANT_B).get_json()["preset"] == "seed_001"


def test_what_get_answers_put_takes_back(api):
    first = put(
        api,
        {
            "track": {"max_speed_mps": 8.5, "noon": "12:30"},
            "ingest": {"upload_window_days": 7},
            "rules_by_grid_type": {
                "village": {"min_patrol_minutes_day": 150, "min_km_day": "1.5"},
                "enterprise": {"require_afternoon": False},
            },
            "default_rules": {"min_online_rate": "0.25"},
            "leave_limit_days": 2,
            "finalise_after": "03:30",
            "retention_days": 180,
        },
    )
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert (body["track"]["max_speed_mps"], body["track"]["noon"]) == (8.5, "12:30")
    assert body["ingest"]["upload_window_days"] == 7
    # Only the grid types sent are listed; each starts from the preset's rules for it.
    assert sorted(body["rules_by_grid_type"]) == ["enterprise", "village"]
    village = body["rules_by_grid_type"]["village"]
    assert (village["min_patrol_minutes_day"], village["min_km_day"]) == (150, "1.5")
    assert village["min_patrol_minutes_week"] == 720
    enterprise = body["rules_by_grid_type"]["enterprise"]
    assert (enterprise["min_patrol_minutes_day"], enterprise["require_afternoon"]) == (180, False)
    assert body["default_rules"]["min_online_rate"] == "0.25"
    assert (body["leave_limit_days"], body["finalise_after"], body["retention_days"]) == (
        2,
        "03:30",
        180,
    )
    read = api.get("/settings", as_user=CENTRE).get_json()
    assert read == body
    again = put(api, read)
    assert again.status_code == 200, again.get_json()
    assert again.get_json() == {**body, "revision": 2}
    assert [event.type for event in outbox()] == ["patrol_settings.changed"] * 2


def test_a_stale_revision_is_409(api):
    assert put(api, {"leave_limit_days": 4, "revision": 0}).status_code == 200
    assert put(api, {"leave_limit_days": 5, "revision": 0}).status_code == 409
    assert api.get("/settings", as_user=CENTRE).get_json()["leave_limit_days"] == 4


def test_bad_settings_are_422_naming_every_field(api):
    bad = put(
        api,
        {
            "track": {"max_speed_mps": 0, "noon": "08:00"},
            "ingest": {"upload_window_days": 31},
            "rules_by_grid_type": {"forest": {}, "village": {"min_km_day": "-1"}},
            "default_rules": {"min_online_rate": "1.5", "min_patrol_minutes_day": 2000},
            "leave_limit_days": 32,
            "retention_days": 5,
            "finalise_after": "13:00",
        },
    )
    assert bad.status_code == 422
    assert error_fields(bad) == [
        "default_rules.min_online_rate",
        "default_rules.min_patrol_minutes_day",
        "finalise_after",
        "ingest.upload_window_days",
        "leave_limit_days",
        "retention_days",
        "rules_by_grid_type.forest",
        "rules_by_grid_type.village.min_km_day",
        "track.max_speed_mps",
        "track.noon",
    ]
    assert error_fields(put(api, {"preset": "seed_009"})) == ["preset"]
    assert error_fields(put(api, {"leave_limit_days": "three"})) == ["leave_limit_days"]
    assert error_fields(put(api, {"track": {"speed": 3}})) == ["track.speed"]
    # The points must outlive the upload window.
    short = put(api, {"ingest": {"upload_window_days": 30}, "retention_days": 20})
    assert error_fields(short) == ["retention_days"]
    assert api.get("/settings", as_user=CENTRE).get_json()["revision"] == 0
