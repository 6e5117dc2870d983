"""TeamRepository against the real FerretDB: one document per grid, revision-checked writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from services.grid_registry.documents.teams import GridTeamDocument
from services.grid_registry.domain import teams as domain
from services.grid_registry.repository.teams import TeamRepository
from shared.mongo import ConcurrentUpdate

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class StandInGrid:
    grid_id: str
    division_id: str = "div-1"
    code: str = "G1"
    status: str = "active"


def assigned(team, grid, mid, role, user):
    team, _ = domain.assign_member(
        team,
        grid=grid,
        membership_id=mid,
        role=role,
        user_id=user,
        person_name="张三",
        phone="0571-88888888",
        starts_on=date(2026, 1, 1),
        ends_on=None,
        actor="a",
        now=NOW,
    )
    return team


def test_a_team_round_trips_and_a_stale_write_is_refused(fresh_db):
    repo = TeamRepository("tenant-a")
    grid = StandInGrid("g-1")
    team = assigned(
        domain.new_team(grid=grid, tenant_id="tenant-a"), grid, "m-1", "grid_leader", "u-1"
    )
    stored = repo.save_team(team, [])

    loaded = repo.find_team("g-1")
    assert loaded == stored
    assert loaded.memberships[0].phone == "0571-88888888"

    first = repo.save_team(assigned(loaded, grid, "m-2", "part_time_worker", "u-2"), [])
    with pytest.raises(ConcurrentUpdate):
        repo.save_team(assigned(loaded, grid, "m-3", "part_time_worker", "u-3"), [])
    assert [m.membership_id for m in repo.find_team("g-1").memberships] == ["m-1", "m-2"]
    assert first.revision == 2
    assert GridTeamDocument.objects(tenant_id="tenant-a").count() == 1
    assert TeamRepository("tenant-b").find_team("g-1") is None


def test_teams_with_a_user_are_found_by_the_user_id_list(fresh_db):
    repo = TeamRepository("tenant-a")
    for grid_id, user in (("g-1", "u-1"), ("g-2", "u-2"), ("g-3", "u-1")):
        grid = StandInGrid(grid_id)
        team = domain.new_team(grid=grid, tenant_id="tenant-a")
        repo.save_team(assigned(team, grid, f"m-{grid_id}", "full_time_worker", user), [])

    assert sorted(t.grid_id for t in repo.teams_with_user("u-1")) == ["g-1", "g-3"]
    assert TeamRepository("tenant-b").teams_with_user("u-1") == []
    assert sorted(repo.teams_of(["g-2", "g-3", "g-9"])) == ["g-2", "g-3"]
