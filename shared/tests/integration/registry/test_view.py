"""`RegistryView` on the real FerretDB: the per-tenant locator cache, the seeding helper other
tests use, and the tenant wall of every read."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shared.mongo.guard import cross_tenant_comment
from shared.registry.testing import seed_registry, square
from shared.registry.view import LocatorCache, RegistryGrids, RegistryStamps, RegistryView

pytestmark = pytest.mark.integration

DAY = date(2026, 3, 2)
NOON = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


@pytest.fixture
def builds(monkeypatch):
    """How many times a locator was built from the grids (each build reads them all)."""
    calls: list[str] = []
    original = RegistryGrids.all

    def counting(self):
        calls.append(self.tenant_id)
        return original(self)

    monkeypatch.setattr(RegistryGrids, "all", counting)
    return calls


def test_the_locator_is_built_once_per_grid_change_and_day(tenants, builds):
    seed_registry(tenants("a"), grids=[("g-1", "div-1", "G01", square(120.0, 31.7), "2026-01-01")])
    view = RegistryView(tenants("a"), locators=LocatorCache())

    for _ in range(5):
        assert view.locate(120.005, 31.705, NOON) == "g-1"
    assert builds == [tenants("a")]

    assert view.locate(120.005, 31.705, datetime(2026, 3, 1, 4, tzinfo=UTC)) == "g-1"
    assert builds == [tenants("a")] * 2  # another day, its own locator
    assert view.locate(120.005, 31.705, NOON) == "g-1"
    assert len(builds) == 2

    seed_registry(tenants("a"), grids=[("g-2", "div-1", "G02", square(120.01, 31.7), "2026-01-01")])
    assert view.locate(120.015, 31.705, NOON) == "g-2"  # the stamp moved: rebuilt
    assert len(builds) == 3


def test_a_grid_is_read_from_the_cached_day_until_the_stamp_moves(tenants, monkeypatch):
    seed_registry(tenants("a"), grids=[("g-1", "div-1", "G01", square(120.0, 31.7), "2026-01-01")])
    view = RegistryView(tenants("a"), locators=LocatorCache())
    reads: list[str] = []
    original = RegistryGrids.find

    def counting(self, grid_id):
        reads.append(grid_id)
        return original(self, grid_id)

    monkeypatch.setattr(RegistryGrids, "find", counting)
    assert view.division_of("g-1") == "div-1"  # nothing cached yet: read
    assert reads == ["g-1"]
    assert view.locate(120.005, 31.705, NOON) == "g-1"
    assert (view.division_of("g-1"), view.grid_exists_at("g-1", NOON)) == ("div-1", True)
    assert view.grid("g-unknown") is None
    assert reads == ["g-1", "g-unknown"]  # the located day's grids answered
    # The grid moves to another division: the stamp moves with it, the cache is not used.
    seed_registry(tenants("a"), grids=[("g-1", "div-2", "G01", square(120.0, 31.7), "2026-01-01")])
    assert view.division_of("g-1") == "div-2"


def test_a_stale_locator_lives_at_most_max_age(tenants, builds):
    seed_registry(tenants("a"), grids=[("g-1", "div-1", "G01", square(120.0, 31.7), "2026-01-01")])
    view = RegistryView(tenants("a"), locators=LocatorCache(max_age_s=0.0))

    view.locate(120.005, 31.705, NOON)
    view.locate(120.005, 31.705, NOON)

    assert len(builds) == 2


def test_each_tenant_has_its_own_cached_locator(tenants, builds):
    cache = LocatorCache()
    seed_registry(tenants("a"), grids=[("g-a", "div-1", "A01", square(120.0, 31.7), "2026-01-01")])
    seed_registry(tenants("b"), grids=[("g-b", "div-9", "B01", square(121.0, 31.7), "2026-01-01")])
    a = RegistryView(tenants("a"), locators=cache)
    b = RegistryView(tenants("b"), locators=cache)

    assert a.locate(120.005, 31.705, NOON) == "g-a"
    assert b.locate(120.005, 31.705, NOON) is None
    assert b.locate(121.005, 31.705, NOON) == "g-b"
    assert a.locate(121.005, 31.705, NOON) is None
    assert sorted(builds) == [tenants("a"), tenants("b")]


def test_a_tenant_without_grids_locates_nothing(tenants):
    assert RegistryView(tenants("empty"), locators=LocatorCache()).locate(120.0, 31.7, NOON) is None


def test_seed_registry_records_grids_and_teams(tenants):
    view = seed_registry(
        tenants("a"),
        grids=[
            ("g-2", "div-1", "G02", square(120.01, 31.7), date(2026, 1, 1)),
            ("g-1", "div-1", "G01", square(120.0, 31.7), "2026-01-01"),
            ("g-9", "div-2", "G09", square(120.05, 31.7), "2026-04-01"),
        ],
        teams={
            "g-1": [("w-1", "grid_worker", "2026-01-01", None), (None, "volunteer", DAY, None)],
            "g-2": [("w-1", "grid_leader", date(2026, 1, 1), date(2026, 2, 28))],
        },
    )

    assert view.locate(120.01, 31.705, NOON) == "g-1"  # the shared border: lowest code
    assert view.locate(120.055, 31.705, NOON) is None  # g-9 is valid from April
    assert view.grid_ids_of_user("w-1", DAY) == {"g-1"}
    assert view.grid_ids_of_user("w-1", date(2026, 2, 28)) == {"g-1", "g-2"}
    assert [m.role for m in view.members_of("g-1", DAY)] == ["grid_worker", "volunteer"]
    assert view.grid_ids_of_division("div-1", NOON) == {"g-1", "g-2"}
    assert view.grid("g-9").valid_from == date(2026, 4, 1)
    assert view.division_of("nope") is None
    assert not view.grid_exists_at("nope", NOON)


def test_seeding_a_team_of_an_unknown_grid_is_refused(tenants):
    with pytest.raises(ValueError, match="g-x"):
        seed_registry(tenants("a"), teams={"g-x": [("w-1", "grid_worker", DAY, None)]})


def test_reads_stay_inside_the_views_tenant(tenants):
    seed_registry(
        tenants("a"),
        grids=[("g-1", "div-1", "G01", square(120.0, 31.7), "2026-01-01")],
        teams={"g-1": [("w-1", "grid_worker", "2026-01-01", None)]},
    )
    b = RegistryView(tenants("b"), locators=LocatorCache())

    assert b.locate(120.005, 31.705, NOON) is None
    assert b.grid("g-1") is None
    assert not b.grid_exists_at("g-1", NOON)
    assert b.division_of("g-1") is None
    assert b.grid_ids_of_division("div-1") == frozenset()
    assert b.grid_ids_of_user("w-1", DAY) == frozenset()
    assert b.members_of("g-1", DAY) == []


def test_a_dry_run_view_records_nothing(tenants):
    dry = RegistryView(tenants("a"), dry_run=True, locators=LocatorCache())
    dry.apply_membership(
        {
            "membership_id": "m-1",
            "grid_id": "g-1",
            "division_id": "div-1",
            "role": "grid_worker",
            "user_id": "w-1",
            "person_name": "张三",
            "starts_on": date(2026, 1, 1),  # contract-loaded: a date
            "ends_on": None,
        },
        occurred_at=NOON,
        event_id="e-1",
    )

    assert RegistryView(tenants("a")).grid_ids_of_user("w-1", DAY) == frozenset()


def test_grids_in_force_and_own_grids_carry_the_boundary_of_the_day(tenants, builds):
    tenant = tenants("a")
    march = datetime(2026, 3, 1, 1, tzinfo=UTC)  # 09:00 on 2026-03-01 in Shanghai
    seed_registry(
        tenant,
        grids=[
            ("g-2", "div-1", "G02", square(120.01, 31.7), "2026-01-01"),
            ("g-1", "div-1", "G01", square(120.0, 31.7), "2026-01-01"),
            ("g-9", "div-2", "G09", square(120.05, 31.7), "2026-04-01"),
        ],
        teams={
            "g-1": [("w-1", "grid_worker", "2026-01-01", None)],
            "g-2": [("w-1", "grid_leader", "2026-01-01", "2026-02-28")],
            "g-9": [("w-1", "grid_worker", "2026-01-01", None)],
        },
        now=datetime(2026, 1, 1, 1, tzinfo=UTC),
    )
    moved = square(120.3, 31.7)
    seed_registry(tenant, grids=[("g-1", "div-1", "G01", moved, "2026-01-01")], now=march)
    view = RegistryView(tenant, locators=LocatorCache())

    feb = view.grids_in_force(date(2026, 2, 28))
    assert [(grid.grid_id, boundary) for grid, boundary in feb] == [
        ("g-1", square(120.0, 31.7)),  # the boundary before the change of 1 March
        ("g-2", square(120.01, 31.7)),
    ]
    assert [grid.grid_id for grid, _ in view.grids_in_force(date(2026, 4, 1))] == [
        "g-1",
        "g-2",
        "g-9",
    ]
    assert view.own_grids("w-1", date(2026, 2, 28)) == feb
    # From March the leadership of g-2 ended and g-1 has its new boundary; g-9 is not in
    # force before April although w-1 is already in its team.
    assert [(g.grid_id, b) for g, b in view.own_grids("w-1", date(2026, 3, 2))] == [("g-1", moved)]
    assert [g.grid_id for g, _ in view.own_grids("w-1", date(2026, 4, 1))] == ["g-1", "g-9"]
    assert view.own_grids("w-2", DAY) == []
    built = len(builds)
    view.grids_in_force(date(2026, 2, 28))
    view.locate(120.005, 31.705, datetime(2026, 2, 28, 4, tzinfo=UTC))
    assert len(builds) == built  # the day's grids and locator come from one cached build


def test_subjects_of_grids_are_the_active_ones_with_position_and_cycle(tenants):
    tenant = tenants("a")
    view = seed_registry(
        tenant,
        grids=[
            ("g-1", "div-1", "G01", square(120.0, 31.7), "2026-01-01"),
            ("g-2", "div-1", "G02", square(120.01, 31.7), "2026-01-01"),
        ],
        subjects=[
            ("s-2", "g-1", "hazard_place", "daily", (120.002, 31.702)),
            ("s-1", "g-1", "key_person", "weekly", None),
            ("s-3", "g-2", "care_recipient", "monthly", (120.012, 31.702)),
        ],
    )
    view.apply_subject(
        {
            "subject_id": "s-1",
            "grid_id": "g-1",
            "division_id": "div-1",
            "category": "key_person",
            "visit_cycle": "weekly",
            "status": "archived",
            "location": None,
        },
        occurred_at=datetime.now(UTC),
        event_id="archive-s-1",
    )

    due = view.subjects_of_grids(["g-1", "g-2", "g-unknown"])
    assert [(s.subject_id, s.grid_id, s.visit_cycle, s.location) for s in due] == [
        ("s-2", "g-1", "daily", (120.002, 31.702)),
        ("s-3", "g-2", "monthly", (120.012, 31.702)),
    ]
    assert view.subject("s-1").status == "archived"  # kept, not due
    assert view.subjects_of_grids([]) == []
    other = RegistryView(tenants("b"))
    assert other.subjects_of_grids(["g-1", "g-2"]) == []
    assert other.subject("s-2") is None


def test_a_stored_subject_has_no_personal_field(tenants):
    tenant = tenants("a")
    seed_registry(
        tenant,
        grids=[("g-1", "div-1", "G01", square(120.0, 31.7), "2026-01-01")],
        subjects=[("s-1", "g-1", "key_person", "weekly", (120.002, 31.702))],
    )
    view = RegistryView(tenant)
    stored = view.subjects._collection().find_one({"_id": f"{tenant}|s-1", "tenant_id": tenant})
    assert set(stored) - {"_id"} == {
        "tenant_id",
        "subject_id",
        "grid_id",
        "division_id",
        "category",
        "visit_cycle",
        "status",
        "lon",
        "lat",
        "applied_at",
        "applied_event_ids",
        "revision",
        "outbox",
        "outbox_pending",
    }


# A membership's state as `team.member_assigned` carries it.
MEMBER = {
    "membership_id": "g-1-m1",
    "grid_id": "g-1",
    "division_id": "div-1",
    "user_id": "w-1",
    "role": "grid_worker",
    "starts_on": DAY,
    "ends_on": None,
}


def test_the_fingerprint_moves_with_every_grid_team_and_subject_change_and_its_redelivery(
    tenants, builds
):
    comment = cross_tenant_comment("registry-test")
    grid = ("g-1", "div-1", "G01", square(120.0, 31.7), "2026-01-01")
    view = seed_registry(tenants("a"), grids=[grid])
    first = RegistryStamps.fingerprints(comment)[tenants("a")]
    view.locate(120.005, 31.705, NOON)

    member = dict(MEMBER)
    assert view.apply_membership(member, occurred_at=NOON, event_id="e-1")
    second = RegistryStamps.fingerprints(comment)[tenants("a")]
    assert second != first
    # A team change leaves the grid token, so the process's locator stays built.
    assert second.split("|")[0] == first.split("|")[0]
    view.locate(120.005, 31.705, NOON)
    assert len(builds) == 1

    # The redelivered event changes nothing in the team, but replaces the fingerprint again:
    # the worker may have died between the membership's write and the stamp.
    assert not view.apply_membership(member, occurred_at=NOON, event_id="e-1")
    third = RegistryStamps.fingerprints(comment)[tenants("a")]
    assert third != second
    seed_registry(
        tenants("a"), subjects=[("s-1", "g-1", "key_person", "weekly", (120.005, 31.705))]
    )
    assert RegistryStamps.fingerprints(comment)[tenants("a")] != third


def test_a_team_before_its_grid_gets_a_stamp_with_a_grid_token(tenants):
    view = RegistryView(tenants("a"), locators=LocatorCache())
    member = dict(MEMBER)
    view.apply_membership(member, occurred_at=NOON, event_id="e-1")
    assert tenants("a") in RegistryStamps.fingerprints(cross_tenant_comment("registry-test"))
    assert view.stamp() is not None
    assert view.locate(120.005, 31.705, NOON) is None
