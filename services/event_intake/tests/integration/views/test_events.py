"""The event API in process, on the real FerretDB: report, act, read, list, duplicates, walls."""

from __future__ import annotations

import json
from datetime import date

import pytest

from services.event_intake.bootstrap import BLUEPRINTS
from services.event_intake.documents.events import EventDocument
from services.event_intake.tests.integration.support import seed_registry, square
from shared.access import AccountStates
from shared.access.repository import user_key

pytestmark = pytest.mark.integration

WORKER = {"subject": "worker-1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
OTHER_WORKER = {"subject": "worker-2", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
CENTRE = {"subject": "centre-1", "tenant_id": "tenant-a", "roles": ("center-staff",)}
DEPARTMENT = {"subject": "dep-user", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
TENANT_B = {"subject": "centre-b", "tenant_id": "tenant-b", "roles": ("center-staff",)}
# Inside G01 (120.00..120.01, 31.70..31.71) and inside G02 (120.02..120.03).
IN_G01 = {"lon": 120.005, "lat": 31.705}
IN_G02 = {"lon": 120.025, "lat": 31.705}


@pytest.fixture
def api(api_client):
    seed_registry(
        "tenant-a",
        grids=[
            ("g-1", "div-1", "G01", square(120.00, 31.70), date(2026, 1, 1)),
            ("g-2", "div-1", "G02", square(120.02, 31.70), date(2026, 1, 1)),
        ],
        teams={
            "g-1": [("worker-1", "full_time_worker", date(2026, 1, 1), None)],
            "g-2": [("worker-2", "full_time_worker", date(2026, 1, 1), None)],
        },
    )
    seed_registry(
        "tenant-b", grids=[("g-b", "div-b", "B01", square(120.00, 31.70), date(2026, 1, 1))]
    )
    return api_client(BLUEPRINTS)


def report(api, as_user=WORKER, **overrides):
    body = {
        "source": "grid_app",
        "category": "city_management",
        "title": "井盖缺失",
        "description": "人民路12号井盖缺失\n请尽快处理",
        "address": "人民路12号",
        "position": IN_G01,
        **overrides,
    }
    return api.post("/events", json=body, as_user=as_user)


def act(api, event_id, action, as_user=CENTRE, **body):
    return api.post(f"/events/{event_id}/actions", json={"action": action, **body}, as_user=as_user)


def test_a_report_is_located_in_its_grid_and_a_retry_creates_nothing(api) -> None:
    first = report(api, request_id="phone-42")
    assert first.status_code == 201, first.json
    event = first.json
    assert event["grid_id"] == "g-1"
    assert event["division_id"] == "div-1"
    assert event["state"] == "reported"
    assert event["reporter_role"] == "grid_worker"
    assert event["acceptance_deadline"] > event["reported_at"]
    again = report(api, request_id="phone-42", title="another title")
    assert again.status_code == 200
    assert again.json["event_id"] == event["event_id"]
    assert again.json["title"] == "井盖缺失"
    assert EventDocument.objects(tenant_id="tenant-a").count() == 1
    stored = EventDocument.objects(tenant_id="tenant-a").first()
    assert [json.loads(entry.envelope)["type"] for entry in stored.outbox] == ["event.reported"]
    # No personal data of residents in what is published.
    assert "人民路" not in stored.outbox[0].envelope


def test_reports_outside_every_grid_or_with_bad_fields_are_422_naming_them(api) -> None:
    outside = report(api, position={"lon": 100.0, "lat": 20.0})
    assert outside.status_code == 422
    assert outside.json["errors"][0]["field"] == "position"
    unknown = report(api, category="no_such_category")
    assert unknown.status_code == 422
    assert unknown.json["errors"][0]["field"] == "category"
    bad = report(api, title="", source="fax")
    assert bad.status_code == 422
    assert {error["field"] for error in bad.json["errors"]} >= {"title", "source"}
    # A grid worker cannot report in a grid that is not his.
    foreign = report(api, position=IN_G02)
    assert foreign.status_code == 403


def test_the_workflow_answers_403_for_the_wrong_role_and_409_for_the_wrong_state(api) -> None:
    event_id = report(api).json["event_id"]
    assert act(api, event_id, "accept", as_user=WORKER).status_code == 403
    accepted = act(api, event_id, "accept")
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["accepted_on_time"] is True
    assert accepted.json["closure_deadline"] is not None
    assert act(api, event_id, "accept").status_code == 409
    assert act(api, event_id, "start", as_user=WORKER).status_code == 200
    resolved = act(api, event_id, "resolve", as_user=WORKER, request_id="r-1")
    assert resolved.status_code == 200
    # The same request id again: nothing new.
    repeated = act(api, event_id, "resolve", as_user=WORKER, request_id="r-1")
    assert repeated.status_code == 200
    assert len(repeated.json["history"]) == len(resolved.json["history"])
    closed = act(api, event_id, "close")
    assert closed.json["state"] == "closed"
    assert closed.json["closed_on_time"] is True
    missing_reason = act(api, event_id, "reopen")
    assert missing_reason.status_code == 422
    assert missing_reason.json["errors"][0]["field"] == "reason"
    stored = EventDocument.objects(tenant_id="tenant-a", event_id=event_id).first()
    assert [json.loads(entry.envelope)["type"] for entry in stored.outbox] == [
        "event.reported",
        "event.accepted",
        "event.started",
        "event.resolved",
        "event.closed",
    ]


def test_dispatch_to_a_department_whose_member_handles_it(api) -> None:
    AccountStates("tenant-a").record(
        user_key("dep-user"), revoked=False, changed_at=_epoch(), event_id="test-dep-user"
    )
    created = api.post(
        "/departments",
        json={"code": "CG", "name": "城管中队", "member_ids": ["dep-user"]},
        as_user=CENTRE,
    )
    assert created.status_code == 201, created.json
    department_id = created.json["department_id"]
    assert (
        api.post("/departments", json={"code": "CG", "name": "again"}, as_user=CENTRE).status_code
        == 409
    )
    event_id = report(api).json["event_id"]
    act(api, event_id, "accept")
    dispatched = act(api, event_id, "dispatch", department_id=department_id)
    assert dispatched.json["state"] == "dispatched"
    # The department's member sees it now, and handles it.
    assert api.get(f"/events/{event_id}", as_user=DEPARTMENT).status_code == 200
    listed = api.get("/events", as_user=DEPARTMENT).json
    assert [item["event_id"] for item in listed["items"]] == [event_id]
    assert (
        act(api, event_id, "start", as_user=DEPARTMENT).json["history"][-1]["acting_as"]
        == "department"
    )
    returned = act(api, event_id, "return", as_user=DEPARTMENT, reason="不属于本部门")
    assert returned.json["state"] == "returned"
    shirked = act(api, event_id, "mark_shirked", reason="属网格职责")
    assert shirked.json["shirked"] is True


def test_walls_other_grids_and_other_tenants_see_nothing(api) -> None:
    event_id = report(api).json["event_id"]
    assert api.get(f"/events/{event_id}", as_user=OTHER_WORKER).status_code == 404
    assert api.get(f"/events/{event_id}", as_user=TENANT_B).status_code == 404
    assert act(api, event_id, "accept", as_user=TENANT_B).status_code == 404
    assert api.get("/events", as_user=TENANT_B).json["total"] == 0
    assert api.get("/events", as_user=OTHER_WORKER).json["total"] == 0
    assert api.get("/events", as_user=WORKER).json["total"] == 1
    assert api.get("/events", as_user=CENTRE).json["total"] == 1


def test_lists_filter_by_state_category_grid_and_date(api) -> None:
    one = report(api).json["event_id"]
    report(api, category="dispute", title="邻里纠纷")
    act(api, one, "accept")
    centre = api.get("/events?state=accepted", as_user=CENTRE).json
    assert [item["event_id"] for item in centre["items"]] == [one]
    assert api.get("/events?category=dispute", as_user=CENTRE).json["total"] == 1
    assert api.get("/events?grid_id=g-2", as_user=CENTRE).json["total"] == 0
    assert api.get("/events?overdue=true", as_user=CENTRE).json["total"] == 0
    assert api.get("/events?reported_from=2000-01-01", as_user=CENTRE).json["total"] == 2
    assert api.get("/events?reported_to=2000-01-01", as_user=CENTRE).json["total"] == 0
    assert api.get("/events?state=nonsense", as_user=CENTRE).status_code == 422


def test_a_duplicate_is_suggested_and_merged_into_the_first_report(api) -> None:
    first = report(api).json
    near = {"lon": IN_G01["lon"] + 0.0005, "lat": IN_G01["lat"]}  # about 50 m east
    second = report(api, position=near, request_id="dup")
    assert second.status_code == 201
    suggested = second.json["possible_duplicates"]
    assert [s["event_id"] for s in suggested] == [first["event_id"]]
    assert 30 <= suggested[0]["distance_m"] <= 70
    # Another category or far away: no suggestion.
    assert report(api, category="dispute").json["possible_duplicates"] == []
    # Only the centre merges; the later report merges into the earlier one, never back.
    later = second.json["event_id"]
    assert (
        act(api, later, "merge", as_user=WORKER, merged_into=first["event_id"]).status_code == 403
    )
    backwards = act(api, first["event_id"], "merge", merged_into=later)
    assert backwards.status_code == 422
    merged = act(api, later, "merge", merged_into=first["event_id"])
    assert merged.status_code == 200, merged.json
    assert merged.json["state"] == "merged"
    assert api.get(f"/events/{first['event_id']}/merged", as_user=CENTRE).json["merged"] == [later]
    assert api.get(f"/events/{later}/duplicates", as_user=CENTRE).status_code == 200


def test_settings_are_the_centres_and_shape_deadlines(api) -> None:
    current = api.get("/settings", as_user=WORKER)
    assert current.status_code == 200
    codes = [category["code"] for category in current.json["categories"]]
    assert "public_safety" in codes
    assert len(codes) == 10
    assert (
        api.patch("/settings", json={"duplicate_radius_m": 50}, as_user=WORKER).status_code == 403
    )
    changed = api.patch(
        "/settings",
        json={
            "categories": [
                {
                    "code": "city_management",
                    "name": "城市管理",
                    "acceptance": {"hours": 2},
                    "closure": {"days": 3},
                },
            ],
            "extra_holidays": ["2026-12-31"],
        },
        as_user=CENTRE,
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["categories"][0]["acceptance"] == {"days": 0, "hours": "2"}
    assert report(api, category="dispute").status_code == 422
    bad = api.patch("/settings", json={"extra_workdays": ["2026-12-31"]}, as_user=CENTRE)
    assert bad.status_code == 422
    assert bad.json["errors"][0]["field"] == "extra_workdays"


def _epoch():
    from datetime import UTC, datetime

    return datetime(2020, 1, 1, tzinfo=UTC)
