"""The grid team API in process, on the real FerretDB: seats, dates, staffing, tenant walls."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.grid_registry.bootstrap import BLUEPRINTS
from services.grid_registry.documents.teams import GridTeamDocument
from services.grid_registry.tests.integration.support import known_users
from services.grid_registry.use_cases import divisions as division_cases
from services.grid_registry.use_cases import grids as grid_cases
from services.grid_registry.use_cases.context import RegistryContext
from shared.access import AccountStates
from shared.access.repository import user_key
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

TENANT_B = {"subject": "admin-b", "tenant_id": "tenant-b"}
JAN_1 = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)


def box(west: float) -> dict:
    east = west + 0.01
    ring = [[west, 31.70], [east, 31.70], [east, 31.71], [west, 31.71], [west, 31.70]]
    return {"type": "Polygon", "coordinates": [ring]}


def make_division(code: str = "HP", tenant: str = "tenant-a") -> str:
    return division_cases.create_division(
        RegistryContext(tenant_id=tenant, actor="u-1"), code=code, name="和平村", kind="village"
    ).division_id


def make_grid(division_id: str, code: str, west: float, tenant: str = "tenant-a") -> str:
    """A grid valid since 1 January 2026, so past dates have grids to count."""
    return grid_cases.create_grid(
        RegistryContext(tenant_id=tenant, actor="u-1", clock=lambda: JAN_1),
        division_id=division_id,
        code=code,
        name=code,
        type="village",
        boundary=box(west),
    ).grid_id


def member(role: str, starts_on: str, **extra) -> dict:
    return {"role": role, "person_name": "张三", "starts_on": starts_on, **extra}


def add(api, grid: str, body: dict, **kwargs):
    return api.post(f"/grids/{grid}/team/members", json=body, **kwargs)


def outbox_types(grid_id: str) -> list[str]:
    doc = GridTeamDocument.objects(tenant_id="tenant-a", pk=grid_id).get()
    return [Envelope.parse(entry.envelope).type for entry in doc.outbox]


def test_assign_then_read_the_team_on_a_date_behind_the_tenant_wall(api_client):
    api = api_client(BLUEPRINTS)
    grid = make_grid(make_division(), "G1", 120.00)
    known_users("tenant-a", "u-lead")

    leader = api.post(
        f"/grids/{grid}/team/members",
        json=member("grid_leader", "2026-01-01", ends_on="2026-06-30", user_id="u-lead"),
    )
    assert leader.status_code == 201, leader.get_json()
    volunteer = api.post(
        f"/grids/{grid}/team/members", json=member("part_time_worker", "2026-03-01")
    )
    assert volunteer.status_code == 201, volunteer.get_json()
    assert volunteer.get_json()["user_id"] is None

    march = api.get(f"/grids/{grid}/team?date=2026-03-15").get_json()
    july = api.get(f"/grids/{grid}/team?date=2026-07-01").get_json()

    assert march["model"] == "1+1+1+N"
    assert [(m["role"], m["role_label"]) for m in march["members"]] == [
        ("grid_leader", "网格长 / grid leader"),
        ("part_time_worker", "兼职网格员 / part-time grid worker"),
    ]
    assert [m["role"] for m in july["members"]] == ["part_time_worker"]
    assert api.get(f"/grids/{grid}/team/members").get_json()["total"] == 2
    assert api.get(f"/grids/{grid}/team", as_user=TENANT_B).status_code == 404
    assert api.get(f"/grids/{grid}/team/members", as_user=TENANT_B).status_code == 404
    assert (
        api.post(
            f"/grids/{grid}/team/members",
            json=member("grid_leader", "2027-01-01"),
            as_user=TENANT_B,
        ).status_code
        == 404
    )
    assert api.get("/staffing", as_user=TENANT_B).get_json() == {
        "items": [],
        "page": 1,
        "page_size": 50,
        "total": 0,
    }
    assert outbox_types(grid) == ["team.member_assigned", "team.member_assigned"]


def test_an_overlapping_single_seat_is_409_naming_the_holder_and_bad_fields_are_422(api_client):
    api = api_client(BLUEPRINTS)
    grid = make_grid(make_division(), "G1", 120.00)
    holder = api.post(f"/grids/{grid}/team/members", json=member("instructor", "2026-01-01"))
    holder_id = holder.get_json()["membership_id"]

    clash = api.post(f"/grids/{grid}/team/members", json=member("instructor", "2026-05-01"))
    assert clash.status_code == 409
    assert holder_id in clash.get_json()["detail"]

    bad = api.post(f"/grids/{grid}/team/members", json={"role": "mayor", "starts_on": "soon"})
    assert bad.status_code == 422
    assert sorted(e["field"] for e in bad.get_json()["errors"]) == [
        "person_name",
        "role",
        "starts_on",
    ]
    wrong_model = api.post(f"/grids/{grid}/team/members", json=member("police", "2026-01-01"))
    assert wrong_model.status_code == 422
    assert [e["field"] for e in wrong_model.get_json()["errors"]] == ["role"]
    early_end = api.post(
        f"/grids/{grid}/team/members/{holder_id}/end", json={"ends_on": "2025-12-31"}
    )
    assert early_end.status_code == 422
    assert [e["field"] for e in early_end.get_json()["errors"]] == ["ends_on"]
    assert (
        api.post(f"/grids/{grid}/team/members/nope/end", json={"ends_on": "2026-02-01"}).status_code
        == 404
    )
    worker = {"subject": "w-1", "roles": ("grid-worker",)}
    assert (
        api.post(
            f"/grids/{grid}/team/members", json=member("grid_leader", "2026-01-01"), as_user=worker
        ).status_code
        == 403
    )
    assert outbox_types(grid) == ["team.member_assigned"]


def test_the_staffing_rate_on_a_past_date_is_right_after_team_changes(api_client):
    api = api_client(BLUEPRINTS)
    division = make_division()
    g1, g2, g3 = (
        make_grid(division, code, west)
        for code, west in (("G1", 120.00), ("G2", 120.02), ("G3", 120.04))
    )
    m1 = api.post(f"/grids/{g1}/team/members", json=member("full_time_worker", "2026-01-01"))
    m2 = api.post(f"/grids/{g2}/team/members", json=member("full_time_worker", "2026-01-01"))
    api.post(f"/grids/{g3}/team/members", json=member("grid_leader", "2026-01-01"))

    def staffing(day: str) -> dict:
        response = api.get(f"/divisions/{division}/staffing?date={day}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    assert staffing("2026-11-30") == {
        "division_id": division,
        "date": "2026-11-30",
        "grids": 3,
        "staffed": 2,
        "rate": "0.6667",
        "unstaffed_grid_codes": ["G3"],
    }

    ended = api.post(
        f"/grids/{g2}/team/members/{m2.get_json()['membership_id']}/end",
        json={"ends_on": "2026-12-10"},
    )
    assert ended.status_code == 200, ended.get_json()
    assert (
        api.post(
            f"/grids/{g3}/team/members", json=member("full_time_worker", "2026-12-01")
        ).status_code
        == 201
    )

    assert staffing("2026-11-30")["rate"] == "0.6667"
    assert staffing("2026-12-05")["rate"] == "1.0000"
    assert staffing("2026-12-15")["unstaffed_grid_codes"] == ["G2"]

    corrected = api.patch(
        f"/grids/{g1}/team/members/{m1.get_json()['membership_id']}",
        json={"starts_on": "2026-12-01"},
    )
    assert corrected.status_code == 200, corrected.get_json()
    after = staffing("2026-11-30")
    assert (after["staffed"], after["rate"], after["unstaffed_grid_codes"]) == (
        1,
        "0.3333",
        ["G1", "G3"],
    )
    before_grids = staffing("2025-12-31")
    assert (before_grids["grids"], before_grids["rate"]) == (0, None)

    tenant_wide = api.get("/staffing?date=2026-12-05").get_json()
    assert tenant_wide["total"] == 1
    assert tenant_wide["items"][0]["rate"] == "1.0000"
    assert api.get(f"/divisions/{division}/staffing", as_user=TENANT_B).status_code == 404

    assert outbox_types(g1) == ["team.member_assigned", "team.member_changed"]
    assert outbox_types(g2) == ["team.member_assigned", "team.member_ended"]
    assert outbox_types(g3) == ["team.member_assigned", "team.member_assigned"]
    envelope = Envelope.parse(
        GridTeamDocument.objects(tenant_id="tenant-a", pk=g2).get().outbox[1].envelope
    )
    assert envelope.payload["ends_on"] == "2026-12-10"
    assert (
        "张三" not in GridTeamDocument.objects(tenant_id="tenant-a", pk=g2).get().outbox[1].envelope
    )


def test_a_retired_grid_takes_no_members_and_the_model_is_per_grid(api_client):
    api = api_client(BLUEPRINTS)
    division = make_division()
    grid = make_grid(division, "G1", 120.00)
    other = make_grid(division, "G2", 120.02)

    switched = api.patch(f"/grids/{other}/team", json={"model": "1+4+X"})
    assert switched.status_code == 200, switched.get_json()
    assert (
        api.post(f"/grids/{other}/team/members", json=member("police", "2026-01-01")).status_code
        == 201
    )
    assert api.get(f"/grids/{grid}/team").get_json()["model"] == "1+1+1+N"

    grid_cases.retire_grid(
        RegistryContext(tenant_id="tenant-a", actor="u-1"), grid_id=grid, reason="合并"
    )
    assert (
        api.post(
            f"/grids/{grid}/team/members", json=member("grid_leader", "2026-01-01")
        ).status_code
        == 409
    )


def test_which_grids_a_user_is_on(api_client):
    api = api_client(BLUEPRINTS)
    division = make_division()
    g1 = make_grid(division, "G1", 120.00)
    g2 = make_grid(division, "G2", 120.02)
    known_users("tenant-a", "w-1", "w-2")
    known_users("tenant-b", "b-1")
    api.post(
        f"/grids/{g1}/team/members", json=member("full_time_worker", "2020-01-01", user_id="w-1")
    )
    api.post(
        f"/grids/{g2}/team/members",
        json=member("part_time_worker", "2020-01-01", ends_on="2020-12-31", user_id="w-1"),
    )
    worker = {"subject": "w-1", "roles": ("grid-worker",)}

    mine = api.get("/users/w-1/grids", as_user=worker).get_json()
    back_then = api.get("/users/w-1/grids?date=2020-06-01").get_json()

    assert mine["grid_ids"] == [g1]
    assert back_then["grid_ids"] == sorted([g1, g2])
    assert api.get("/users/someone-else/grids", as_user=worker).status_code == 403
    # The centre asks about its own accounts only: one on no team has no grids, another
    # tenant's account (or a made-up one) is not found.
    assert api.get("/users/w-2/grids").get_json()["grid_ids"] == []
    assert api.get("/users/b-1/grids").status_code == 404
    assert api.get("/users/w-1/grids", as_user=TENANT_B).status_code == 404
    assert api.get("/users/nobody/grids").status_code == 404
    # Anyone may ask about himself, known here yet or not (his token vouches for him).
    newcomer = {"subject": "w-new", "roles": ("grid-worker",)}
    assert api.get("/users/w-new/grids", as_user=newcomer).get_json()["grid_ids"] == []


def test_a_membership_names_only_the_tenants_own_accounts(api_client):
    api = api_client(BLUEPRINTS)
    grid = make_grid(make_division(), "G1", 120.00)
    known_users("tenant-a", "w-a", "w-a2")
    known_users("tenant-b", "w-b")  # tenant B's worker, a real account of another tenant

    for foreign in ("w-b", "made-up"):
        refused = add(api, grid, member("full_time_worker", "2026-01-01", user_id=foreign))
        assert refused.status_code == 422, refused.get_json()
        (error,) = refused.get_json()["errors"]
        assert error["field"] == "user_id"
        assert foreign in error["reason"]
        assert "within seconds" in error["reason"]
    own = add(api, grid, member("full_time_worker", "2026-01-01", user_id="w-a"))
    assert own.status_code == 201, own.get_json()
    membership = f"/grids/{grid}/team/members/{own.get_json()['membership_id']}"

    moved_abroad = api.patch(membership, json={"user_id": "w-b"})
    assert moved_abroad.status_code == 422
    assert [e["field"] for e in moved_abroad.get_json()["errors"]] == ["user_id"]
    # The same user again, another of the tenant's, or none are fine.
    assert api.patch(membership, json={"user_id": "w-a", "phone": "13900000000"}).status_code == 200
    assert api.patch(membership, json={"user_id": "w-a2"}).status_code == 200
    assert api.patch(membership, json={"user_id": None}).status_code == 200

    members = api.get(f"/grids/{grid}/team/members").get_json()["items"]
    assert [m["user_id"] for m in members] == [None]
    assert outbox_types(grid) == ["team.member_assigned"] + ["team.member_changed"] * 3
    assert api.get("/users/w-b/grids", as_user=TENANT_B).get_json()["grid_ids"] == []


def test_an_account_identity_disabled_is_still_the_tenants_own(api_client):
    """Identity disabled the account: it is still the tenant's, so its memberships (past ones
    recorded late included) can still be recorded and corrected."""
    api = api_client(BLUEPRINTS)
    grid = make_grid(make_division(), "G1", 120.00)
    known_users("tenant-a", "w-a")
    AccountStates("tenant-a").record(
        user_key("w-a"), revoked=True, changed_at=JAN_1, event_id="user-disabled-1"
    )

    assigned = add(api, grid, member("full_time_worker", "2026-01-01", user_id="w-a"))

    assert assigned.status_code == 201, assigned.get_json()
