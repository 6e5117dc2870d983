"""`RegistryView` on the real FerretDB: the per-tenant locator cache, the seeding helper other
tests use, and the tenant wall of every read."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.event_intake.repository.registry import LocatorCache, RegistryGrids, RegistryView
from services.event_intake.tests.integration.support import seed_registry, square

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


def test_the_locator_is_built_once_per_grid_change_and_day(fresh_db, builds):
    seed_registry("tenant-a", grids=[("g-1", "div-1", "G01", square(120.0, 31.7), "2026-01-01")])
    view = RegistryView("tenant-a", locators=LocatorCache())

    for _ in range(5):
        assert view.locate(120.005, 31.705, NOON) == "g-1"
    assert builds == ["tenant-a"]

    assert view.locate(120.005, 31.705, datetime(2026, 3, 1, 4, tzinfo=UTC)) == "g-1"
    assert builds == ["tenant-a"] * 2  # another day, its own locator
    assert view.locate(120.005, 31.705, NOON) == "g-1"
    assert len(builds) == 2

    seed_registry("tenant-a", grids=[("g-2", "div-1", "G02", square(120.01, 31.7), "2026-01-01")])
    assert view.locate(120.015, 31.705, NOON) == "g-2"  # the stamp moved: rebuilt
    assert len(builds) == 3


def test_a_stale_locator_lives_at_most_max_age(fresh_db, builds):
    seed_registry("tenant-a", grids=[("g-1", "div-1", "G01", square(120.0, 31.7), "2026-01-01")])
    view = RegistryView("tenant-a", locators=LocatorCache(max_age_s=0.0))

    view.locate(120.005, 31.705, NOON)
    view.locate(120.005, 31.705, NOON)

    assert len(builds) == 2


def test_each_tenant_has_its_own_cached_locator(fresh_db, builds):
    cache = LocatorCache()
    seed_registry("tenant-a", grids=[("g-a", "div-1", "A01", square(120.0, 31.7), "2026-01-01")])
    seed_registry("tenant-b", grids=[("g-b", "div-9", "B01", square(121.0, 31.7), "2026-01-01")])
    a = RegistryView("tenant-a", locators=cache)
    b = RegistryView("tenant-b", locators=cache)

    assert a.locate(120.005, 31.705, NOON) == "g-a"
    assert b.locate(120.005, 31.705, NOON) is None
    assert b.locate(121.005, 31.705, NOON) == "g-b"
    assert a.locate(121.005, 31.705, NOON) is None
    assert sorted(builds) == ["tenant-a", "tenant-b"]


def test_a_tenant_without_grids_locates_nothing(fresh_db):
    assert RegistryView("tenant-empty", locators=LocatorCache()).locate(120.0, 31.7, NOON) is None


def test_seed_registry_records_grids_and_teams(fresh_db):
    view = seed_registry(
        "tenant-a",
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


def test_seeding_a_team_of_an_unknown_grid_is_refused(fresh_db):
    with pytest.raises(ValueError, match="g-x"):
        seed_registry("tenant-a", teams={"g-x": [("w-1", "grid_worker", DAY, None)]})


def test_reads_stay_inside_the_views_tenant(fresh_db):
    seed_registry(
        "tenant-a",
        grids=[("g-1", "div-1", "G01", square(120.0, 31.7), "2026-01-01")],
        teams={"g-1": [("w-1", "grid_worker", "2026-01-01", None)]},
    )
    b = RegistryView("tenant-b", locators=LocatorCache())

    assert b.locate(120.005, 31.705, NOON) is None
    assert b.grid("g-1") is None
    assert not b.grid_exists_at("g-1", NOON)
    assert b.division_of("g-1") is None
    assert b.grid_ids_of_division("div-1") == frozenset()
    assert b.grid_ids_of_user("w-1", DAY) == frozenset()
    assert b.members_of("g-1", DAY) == []


def test_a_dry_run_view_records_nothing(fresh_db):
    dry = RegistryView("tenant-a", dry_run=True, locators=LocatorCache())
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

    assert RegistryView("tenant-a").grid_ids_of_user("w-1", DAY) == frozenset()
