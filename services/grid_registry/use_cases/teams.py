"""Grid team use cases: assign, correct and end memberships; who served when; staffing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from services.grid_registry.domain import teams as domain
from services.grid_registry.domain.grids import Grid
from services.grid_registry.repository.divisions import DivisionRepository
from services.grid_registry.repository.grids import GridRepository
from services.grid_registry.repository.teams import TeamRepository
from services.grid_registry.use_cases import PRODUCER
from shared.mongo import NotFound, Page, PendingEvent

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TeamOnDay:
    """A grid's team as it stood on one day."""

    grid_id: str
    grid_code: str
    division_id: str
    model: domain.TeamModel
    date: date
    members: list[domain.Membership]


def today(clock: Clock = _utc_now) -> date:
    """Today in Asia/Shanghai."""
    return domain.today_in_tenant(clock())


def _grid(grids: GridRepository, grid_id: str) -> Grid:
    grid = grids.find_grid(grid_id)
    if grid is None:
        raise NotFound(f"grid {grid_id} not found")
    return grid


def _team(teams: TeamRepository, grid: Grid) -> domain.GridTeam:
    found = teams.find_team(grid.grid_id)
    return found or domain.new_team(grid=grid, tenant_id=teams.tenant_id)


def _member(team: domain.GridTeam, membership_id: str) -> domain.Membership:
    member = team.membership(membership_id)
    if member is None:
        raise NotFound(f"membership {membership_id} not found in grid {team.grid_id}")
    return member


def _pending(
    teams: TeamRepository,
    event: domain.MemberAssigned | domain.MemberChanged | domain.MemberEnded,
    correlation_id: str | None,
) -> PendingEvent:
    return PendingEvent.record(
        type=event.type,
        version=event.version,
        tenant_id=teams.tenant_id,
        aggregate_id=event.grid_id,
        payload={
            "membership_id": event.membership_id,
            "grid_id": event.grid_id,
            "division_id": event.division_id,
            "role": event.role.value,
            "user_id": event.user_id,
            "starts_on": event.starts_on.isoformat(),
            "ends_on": None if event.ends_on is None else event.ends_on.isoformat(),
            "model": event.model.value,
            "actor": event.actor,
        },
        producer=PRODUCER,
        correlation_id=correlation_id,
        occurred_at=event.occurred_at,
    )


def team_on(*, teams: TeamRepository, grids: GridRepository, grid_id: str, day: date) -> TeamOnDay:
    """Who held which role of the grid on ``day``; `NotFound` for an unknown grid."""
    grid = _grid(grids, grid_id)
    team = _team(teams, grid)
    return TeamOnDay(
        grid_id=grid.grid_id,
        grid_code=grid.code,
        division_id=grid.division_id,
        model=team.model,
        date=day,
        members=team.members_on(day),
    )


def membership_history(
    *, teams: TeamRepository, grids: GridRepository, grid_id: str
) -> list[domain.Membership]:
    """Every membership the grid ever had, oldest start first."""
    team = _team(teams, _grid(grids, grid_id))
    return sorted(team.memberships, key=lambda m: (m.starts_on, m.membership_id))


def assign_member(
    *,
    teams: TeamRepository,
    grids: GridRepository,
    grid_id: str,
    actor: str,
    role: str,
    person_name: str,
    starts_on: date,
    user_id: str | None = None,
    phone: str | None = None,
    ends_on: date | None = None,
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> domain.Membership:
    """Give someone a role in the grid's team; publishes `team.member_assigned`."""
    grid = _grid(grids, grid_id)
    team, event = domain.assign_member(
        _team(teams, grid),
        grid=grid,
        membership_id=str(uuid.uuid4()),
        role=role,
        user_id=user_id,
        person_name=person_name,
        phone=phone,
        starts_on=starts_on,
        ends_on=ends_on,
        actor=actor,
        now=clock(),
    )
    saved = teams.save_team(team, [_pending(teams, event, correlation_id)])
    return _member(saved, event.membership_id)


def change_member(
    *,
    teams: TeamRepository,
    grids: GridRepository,
    grid_id: str,
    membership_id: str,
    actor: str,
    changes: Mapping[str, Any],
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> domain.Membership:
    """Correct a membership (keys present in ``changes`` only); `team.member_changed`."""
    grid = _grid(grids, grid_id)
    team = _team(teams, grid)
    _member(team, membership_id)
    allowed = {"starts_on", "ends_on", "person_name", "phone", "user_id"}
    team, event = domain.change_member(
        team,
        grid=grid,
        membership_id=membership_id,
        actor=actor,
        now=clock(),
        **{name: value for name, value in changes.items() if name in allowed},
    )
    saved = teams.save_team(team, [_pending(teams, event, correlation_id)])
    return _member(saved, membership_id)


def end_member(
    *,
    teams: TeamRepository,
    grids: GridRepository,
    grid_id: str,
    membership_id: str,
    ends_on: date,
    actor: str,
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> domain.Membership:
    """Give a membership its last day (inclusive); publishes `team.member_ended`."""
    grid = _grid(grids, grid_id)
    team = _team(teams, grid)
    _member(team, membership_id)
    team, event = domain.end_member(
        team, grid=grid, membership_id=membership_id, ends_on=ends_on, actor=actor, now=clock()
    )
    saved = teams.save_team(team, [_pending(teams, event, correlation_id)])
    return _member(saved, membership_id)


def set_model(
    *,
    teams: TeamRepository,
    grids: GridRepository,
    grid_id: str,
    model: str,
    clock: Clock = _utc_now,
) -> TeamOnDay:
    """Choose the grid's team model; 409 while someone holds a role the new model lacks."""
    grid = _grid(grids, grid_id)
    day = today(clock)
    team = domain.change_model(_team(teams, grid), grid=grid, model=model, today=day)
    # Every membership event carries the model, so the switch itself needs no event of its own.
    teams.save_team(team, [])
    return team_on(teams=teams, grids=grids, grid_id=grid_id, day=day)


def division_staffing(
    *,
    teams: TeamRepository,
    grids: GridRepository,
    divisions: DivisionRepository,
    division_id: str,
    day: date,
) -> domain.Staffing:
    """专职网格员配备率 of one village/community on ``day``; `NotFound` for another tenant's."""
    if divisions.find_division(division_id) is None:
        raise NotFound(f"division {division_id} not found")
    valid = grids.grids_valid_on(day, division_id)
    return domain.staffing_on(
        division_id=division_id,
        day=day,
        grids=valid,
        teams=teams.teams_of(grid.grid_id for grid in valid),
    )


def tenant_staffing(
    *,
    teams: TeamRepository,
    grids: GridRepository,
    divisions: DivisionRepository,
    day: date,
    offset: int,
    limit: int,
) -> Page[domain.Staffing]:
    """One page of the tenant's divisions (by code), each with its staffing on ``day``."""
    page = divisions.list_divisions(offset=offset, limit=limit)
    wanted = {division.division_id for division in page.items}
    valid = [grid for grid in grids.grids_valid_on(day) if grid.division_id in wanted]
    stored = teams.teams_of(grid.grid_id for grid in valid)
    return page.map(
        lambda division: domain.staffing_on(
            division_id=division.division_id,
            day=day,
            grids=[grid for grid in valid if grid.division_id == division.division_id],
            teams=stored,
        )
    )


def grids_of_user(*, teams: TeamRepository, user_id: str, day: date) -> list[str]:
    """Ids of the grids whose team ``user_id`` is on, on ``day``."""
    return domain.grids_of_user(user_id, day, teams.teams_with_user(user_id))
