"""Grid team use cases: assign, correct and end memberships; who served when; staffing."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.grid_registry.domain import teams as domain
from services.grid_registry.domain.grids import Grid
from services.grid_registry.domain.subjects import CENTRE_ROLES
from services.grid_registry.repository.grids import GridRepository
from services.grid_registry.repository.teams import TeamRepository
from services.grid_registry.use_cases.context import RegistryContext
from services.grid_registry.use_cases.references import require_user
from shared.errors import NotFound, PermissionDenied
from shared.mongo import Page


@dataclass(frozen=True)
class TeamOnDay:
    """A grid's team as it stood on one day."""

    grid_id: str
    grid_code: str
    division_id: str
    model: domain.TeamModel
    date: date
    members: list[domain.Membership]


def today(ctx: RegistryContext) -> date:
    """The context's today in Asia/Shanghai."""
    return domain.today_in_tenant(ctx.now())


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


def team_on(ctx: RegistryContext, *, grid_id: str, day: date | None = None) -> TeamOnDay:
    """Who held which role of the grid on ``day`` (default today); `NotFound` for an unknown
    grid."""
    grid = _grid(ctx.grids, grid_id)
    team = _team(ctx.teams, grid)
    on = day or today(ctx)
    return TeamOnDay(
        grid_id=grid.grid_id,
        grid_code=grid.code,
        division_id=grid.division_id,
        model=team.model,
        date=on,
        members=team.members_on(on),
    )


def membership_history(ctx: RegistryContext, *, grid_id: str) -> list[domain.Membership]:
    """Every membership the grid ever had, oldest start first."""
    team = _team(ctx.teams, _grid(ctx.grids, grid_id))
    return sorted(team.memberships, key=lambda m: (m.starts_on, m.membership_id))


def assign_member(
    ctx: RegistryContext,
    *,
    grid_id: str,
    role: str,
    person_name: str,
    starts_on: date,
    user_id: str | None = None,
    phone: str | None = None,
    ends_on: date | None = None,
) -> domain.Membership:
    """Give someone a role in the grid's team; publishes `team.member_assigned`. ``user_id``,
    when given, must be one of the tenant's accounts (422 otherwise)."""
    grid = _grid(ctx.grids, grid_id)
    require_user(ctx, user_id)
    team, event = domain.assign_member(
        _team(ctx.teams, grid),
        grid=grid,
        membership_id=str(uuid.uuid4()),
        role=role,
        user_id=user_id,
        person_name=person_name,
        phone=phone,
        starts_on=starts_on,
        ends_on=ends_on,
        actor=ctx.actor,
        now=ctx.now(),
    )
    saved = ctx.teams.save_team(team, [event])
    return _member(saved, event.membership_id)


def change_member(
    ctx: RegistryContext, *, grid_id: str, membership_id: str, changes: Mapping[str, Any]
) -> domain.Membership:
    """Correct a membership (keys present in ``changes`` only); `team.member_changed`. A new
    ``user_id`` must be one of the tenant's accounts (422 otherwise)."""
    grid = _grid(ctx.grids, grid_id)
    team = _team(ctx.teams, grid)
    current = _member(team, membership_id)
    if "user_id" in changes and changes["user_id"] != current.user_id:
        require_user(ctx, changes["user_id"])
    allowed = {"starts_on", "ends_on", "person_name", "phone", "user_id"}
    team, event = domain.change_member(
        team,
        grid=grid,
        membership_id=membership_id,
        actor=ctx.actor,
        now=ctx.now(),
        **{name: value for name, value in changes.items() if name in allowed},
    )
    saved = ctx.teams.save_team(team, [event])
    return _member(saved, membership_id)


def end_member(
    ctx: RegistryContext, *, grid_id: str, membership_id: str, ends_on: date
) -> domain.Membership:
    """Give a membership its last day (inclusive); publishes `team.member_ended`."""
    grid = _grid(ctx.grids, grid_id)
    team = _team(ctx.teams, grid)
    _member(team, membership_id)
    team, event = domain.end_member(
        team,
        grid=grid,
        membership_id=membership_id,
        ends_on=ends_on,
        actor=ctx.actor,
        now=ctx.now(),
    )
    saved = ctx.teams.save_team(team, [event])
    return _member(saved, membership_id)


def set_model(ctx: RegistryContext, *, grid_id: str, model: str) -> TeamOnDay:
    """Choose the grid's team model; 409 while someone holds a role the new model lacks."""
    grid = _grid(ctx.grids, grid_id)
    day = today(ctx)
    team = domain.change_model(_team(ctx.teams, grid), grid=grid, model=model, today=day)
    # Every membership event carries the model, so the switch itself needs no event of its own.
    ctx.teams.save_team(team, [])
    return team_on(ctx, grid_id=grid_id, day=day)


def division_staffing(
    ctx: RegistryContext, *, division_id: str, day: date | None = None
) -> domain.Staffing:
    """专职网格员配备率 of one village/community on ``day`` (default today); `NotFound` for
    another tenant's."""
    if ctx.divisions.find_division(division_id) is None:
        raise NotFound(f"division {division_id} not found")
    on = day or today(ctx)
    valid = ctx.grids.grids_valid_on(on, division_id)
    return domain.staffing_on(
        division_id=division_id,
        day=on,
        grids=valid,
        teams=ctx.teams.teams_of(grid.grid_id for grid in valid),
    )


def tenant_staffing(
    ctx: RegistryContext, *, offset: int, limit: int, day: date | None = None
) -> Page[domain.Staffing]:
    """One page of the tenant's divisions (by code), each with its staffing on ``day``
    (default today)."""
    on = day or today(ctx)
    page = ctx.divisions.list_divisions(offset=offset, limit=limit)
    wanted = {division.division_id for division in page.items}
    valid = [grid for grid in ctx.grids.grids_valid_on(on) if grid.division_id in wanted]
    stored = ctx.teams.teams_of(grid.grid_id for grid in valid)
    return page.map(
        lambda division: domain.staffing_on(
            division_id=division.division_id,
            day=on,
            grids=[grid for grid in valid if grid.division_id == division.division_id],
            teams=stored,
        )
    )


def grids_of_user(ctx: RegistryContext, *, user_id: str, day: date | None = None) -> list[str]:
    """Ids of the grids whose team ``user_id`` is on, on ``day`` (default today). Only the
    tenant centre may ask about someone else, and only about one of the tenant's accounts
    (`NotFound` for another tenant's or an unknown one)."""
    if user_id != ctx.actor:
        if ctx.roles.isdisjoint(CENTRE_ROLES):
            raise PermissionDenied("only the tenant centre may ask about another user")
        if not ctx.accounts.has_user(user_id):
            raise NotFound(f"user {user_id} not found")
    return domain.grids_of_user(user_id, day or today(ctx), ctx.teams.teams_with_user(user_id))
