"""Grid teams (网格队伍) in a workbook: 网格编码, 角色, 姓名, 用户ID, 手机号, 起始日期, 终止日期.

A row names one membership by (grid, role, user id or else name, start date). Blank 手机号 and
终止日期 are part of the statement (no phone, open-ended), as the export writes them; a blank
用户ID only means "match by name" and never clears a stored one. Like grids, rows apply in sheet
order, each against the team as the rows before it left it, in dry runs too (a dry run reads
back the teams it pretended to write): of two rows claiming one single seat for overlapping
dates, the first lands and the second is rejected.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import date
from typing import Any

from services.grid_registry.domain import grids as grids_domain
from services.grid_registry.domain import teams as domain
from services.grid_registry.use_cases import teams as use_cases
from services.grid_registry.use_cases.context import RegistryContext
from services.grid_registry.use_cases.workbooks import common
from shared.errors import Conflict, InvalidInput, NotFound, StateConflict
from shared.workbooks import (
    Column,
    ImportReport,
    Row,
    RowOutcome,
    RowProblem,
    RowReport,
    choice,
    day,
    read_sheet,
    text,
    write_sheet,
)

ROLE_CHOICES = {label.split(" / ")[0]: role.value for role, label in domain.ROLE_LABELS.items()}
ROLE_NAMES = {value: label for label, value in ROLE_CHOICES.items()}
COLUMNS = (
    Column("grid_code", "网格编码", text(32)),
    Column("role", "角色", choice(ROLE_CHOICES)),
    Column("person_name", "姓名", text(domain.NAME_MAX)),
    Column("user_id", "用户ID", text(domain.USER_ID_MAX), required=False),
    Column("phone", "手机号", text(20), required=False, aliases=("电话",)),
    Column("starts_on", "起始日期", day()),
    Column("ends_on", "终止日期", day(), required=False),
)
_HEADERS = common.headers(COLUMNS)
_ROLE_ORDER = {role: index for index, role in enumerate(domain.TeamRole)}


def _membership_key(grid_id: str, values: Mapping[str, Any]) -> Hashable:
    who = ("user", values["user_id"]) if values.get("user_id") else ("name", values["person_name"])
    return (grid_id, values["role"], who, values["starts_on"])


def _matching(team: domain.GridTeam | None, values: Mapping[str, Any]) -> domain.Membership | None:
    user_id = values.get("user_id")
    for member in team.memberships if team is not None else ():
        if member.role.value != values["role"] or member.starts_on != values["starts_on"]:
            continue
        if (
            (member.user_id == user_id)
            if user_id
            else (member.person_name == values["person_name"])
        ):
            return member
    return None


def import_teams(ctx: RegistryContext, *, data: bytes) -> ImportReport:
    """Assign new memberships, correct end dates/phones/names of known ones, leave the rest."""
    rows = read_sheet(data, COLUMNS)
    by_code = {grid.code: grid for grid in common.every(ctx.grids.list_grids)}
    reports: dict[int, RowReport] = {}
    resolved = common.with_grids(rows, by_code, reports)
    duplicated = common.duplicates(
        {row.number: _membership_key(grid.grid_id, row.values) for row, grid in resolved}
    )
    roster = _Roster(ctx, [grid.grid_id for _, grid in resolved])
    for row, grid in resolved:
        if row.number in duplicated:
            problem = common.duplicate_problem("姓名")
            reports[row.number] = common.rejected(row, [problem], grid.code)
        else:
            reports[row.number] = _membership_row(ctx, row, grid, roster)
    return common.report(ctx, "teams", (reports[row.number] for row in rows))


class _Roster:
    """The teams as the rows so far left them, and which row assigned each new membership."""

    def __init__(self, ctx: RegistryContext, grid_ids: list[str]) -> None:
        self._ctx = ctx
        self._teams: dict[str, domain.GridTeam | None] = {**ctx.teams.teams_of(grid_ids)}
        self._assigned_by: dict[str, int] = {}

    def team(self, grid_id: str) -> domain.GridTeam | None:
        return self._teams.get(grid_id)

    def changed(self, grid_id: str, assigned: domain.Membership | None, row: Row) -> None:
        """A row wrote the grid's team: read it back (a dry run reads what it pretended)."""
        self._teams[grid_id] = self._ctx.teams.find_team(grid_id)
        if assigned is not None:
            self._assigned_by[assigned.membership_id] = row.number

    def seat_taken(self, exc: StateConflict) -> RowProblem:
        """The domain's reason, naming a membership an earlier row assigned by that row: its
        id is new in every run, the row the same in a dry run and the real one."""
        reason = str(exc)
        for membership_id, number in self._assigned_by.items():
            reason = reason.replace(membership_id, f"(row {number})")
        return RowProblem("起始日期", f"岗位已有人 / {reason}")


def _membership_row(
    ctx: RegistryContext, row: Row, grid: grids_domain.Grid, roster: _Roster
) -> RowReport:
    values = row.values
    match = _matching(roster.team(grid.grid_id), values)
    changes: dict[str, Any] = {}
    if match is not None:
        if match.ends_on != values.get("ends_on"):
            changes["ends_on"] = values.get("ends_on")
        if match.phone != values.get("phone"):
            changes["phone"] = values.get("phone")
        if values.get("user_id") and match.person_name != values["person_name"]:
            changes["person_name"] = values["person_name"]
        if not changes:
            return common.outcome(row, RowOutcome.UNCHANGED, grid.code)
    if not grid.is_active:
        problem = RowProblem("网格编码", f"网格已撤销 / grid {grid.code} is retired")
        return common.rejected(row, [problem], grid.code)
    try:
        assigned = None
        if match is None:
            assigned = _assign(ctx, row, grid)
        else:
            _correct(ctx, grid, match, changes)
    except InvalidInput as exc:
        return common.rejected(row, common.problems(exc, _HEADERS), grid.code)
    except StateConflict as exc:
        # The seat is taken for those dates (the grid's own state was checked above).
        return common.rejected(row, [roster.seat_taken(exc)], grid.code)
    except (Conflict, NotFound) as exc:
        return common.rejected(row, [common.changed_meanwhile("网格编码", exc)], grid.code)
    roster.changed(grid.grid_id, assigned, row)
    return common.outcome(
        row, RowOutcome.CREATED if match is None else RowOutcome.UPDATED, grid.code
    )


def _assign(ctx: RegistryContext, row: Row, grid: grids_domain.Grid) -> domain.Membership:
    values = row.values
    return use_cases.assign_member(
        ctx,
        grid_id=grid.grid_id,
        role=values["role"],
        person_name=values["person_name"],
        starts_on=values["starts_on"],
        user_id=values.get("user_id"),
        phone=values.get("phone"),
        ends_on=values.get("ends_on"),
    )


def _correct(
    ctx: RegistryContext,
    grid: grids_domain.Grid,
    match: domain.Membership,
    changes: dict[str, Any],
) -> None:
    ends_on = changes.get("ends_on")
    if set(changes) == {"ends_on"} and match.ends_on is None and ends_on is not None:
        # Someone left: consumers get `team.member_ended`, not a correction.
        use_cases.end_member(
            ctx, grid_id=grid.grid_id, membership_id=match.membership_id, ends_on=ends_on
        )
    else:
        use_cases.change_member(
            ctx, grid_id=grid.grid_id, membership_id=match.membership_id, changes=changes
        )


def export_teams(ctx: RegistryContext, *, on: date | None = None) -> common.Export:
    """Memberships active on ``on`` (default: every membership, history included) in the
    import layout, by grid code, role and start date: re-importing it changes nothing."""
    by_id = {grid.grid_id: grid for grid in common.every(ctx.grids.list_grids)}
    stored = ctx.teams.teams_of(by_id)
    rows: list[dict[str, Any]] = []
    for grid in sorted(by_id.values(), key=lambda g: g.code):
        team = stored.get(grid.grid_id)
        if team is None:
            continue
        members = [m for m in team.memberships if on is None or m.active_on(on)]
        for member in sorted(
            members, key=lambda m: (_ROLE_ORDER[m.role], m.starts_on, m.membership_id)
        ):
            rows.append(
                {
                    "grid_code": grid.code,
                    "role": ROLE_NAMES[member.role.value],
                    "person_name": member.person_name,
                    "user_id": member.user_id,
                    "phone": member.phone,
                    "starts_on": member.starts_on,
                    "ends_on": member.ends_on,
                }
            )
    return common.Export(name="teams", data=write_sheet(COLUMNS, rows, title="网格队伍"))
