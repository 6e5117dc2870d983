"""Grid teams (网格队伍): who holds which role in a grid on which day, and the staffing rate.

A team is one aggregate per grid with its whole membership history embedded: a membership is
ended or corrected, never removed, because the assessment asks "who held the role on 30
November" long after the fact (seed 000 measures 专职网格员配备率 at the end of November).

Models used by the seeds:
- "1+1+1+N" (seed 004): 网格长, one 专职网格员, 网格指导员, N 兼职网格员 (the default);
- "1+4+X" (seed 002): one 网格员, four 网格协管员 (督导员, 警员, 消防员, 监督员), X 网格公益员.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, ClassVar, Final, Protocol, TypeVar
from zoneinfo import ZoneInfo

from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput, StateConflict

TENANT_ZONE = ZoneInfo("Asia/Shanghai")
NAME_MAX = 64
USER_ID_MAX = 64
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9-]{4,19}$")
RATE_PLACES = Decimal("0.0001")


class TeamModel(StrEnum):
    """How a grid's team is composed (配置模式)."""

    ONE_ONE_ONE_N = "1+1+1+N"
    ONE_FOUR_X = "1+4+X"


DEFAULT_MODEL = TeamModel.ONE_ONE_ONE_N


class TeamRole(StrEnum):
    """Every role of both models; which ones a team may use depends on its model."""

    GRID_LEADER = "grid_leader"
    FULL_TIME_WORKER = "full_time_worker"
    INSTRUCTOR = "instructor"
    PART_TIME_WORKER = "part_time_worker"
    GRID_WORKER = "grid_worker"
    SUPERVISOR = "supervisor"
    POLICE = "police"
    FIREFIGHTER = "firefighter"
    MONITOR = "monitor"
    VOLUNTEER = "volunteer"


ROLE_LABELS: Mapping[TeamRole, str] = {
    TeamRole.GRID_LEADER: "网格长 / grid leader",
    TeamRole.FULL_TIME_WORKER: "专职网格员 / full-time grid worker",
    TeamRole.INSTRUCTOR: "网格指导员 / grid instructor",
    TeamRole.PART_TIME_WORKER: "兼职网格员 / part-time grid worker",
    TeamRole.GRID_WORKER: "网格员 / grid worker",
    TeamRole.SUPERVISOR: "网格督导员 / grid supervisor",
    TeamRole.POLICE: "网格警员 / grid police officer",
    TeamRole.FIREFIGHTER: "网格消防员 / grid firefighter",
    TeamRole.MONITOR: "网格监督员 / grid monitor",
    TeamRole.VOLUNTEER: "网格公益员 / public-welfare volunteer",
}

MODEL_ROLES: Mapping[TeamModel, tuple[TeamRole, ...]] = {
    TeamModel.ONE_ONE_ONE_N: (
        TeamRole.GRID_LEADER,
        TeamRole.FULL_TIME_WORKER,
        TeamRole.INSTRUCTOR,
        TeamRole.PART_TIME_WORKER,
    ),
    TeamModel.ONE_FOUR_X: (
        TeamRole.GRID_WORKER,
        TeamRole.SUPERVISOR,
        TeamRole.POLICE,
        TeamRole.FIREFIGHTER,
        TeamRole.MONITOR,
        TeamRole.VOLUNTEER,
    ),
}

# The "N" and "X" roles take any number of people; every other role is one seat at a time.
MULTI_SEAT_ROLES: Final = frozenset({TeamRole.PART_TIME_WORKER, TeamRole.VOLUNTEER})

# Seed 002's single 网格员 is that model's full-time worker, so it counts for 专职网格员配备率.
FULL_TIME_ROLES: Final = frozenset({TeamRole.FULL_TIME_WORKER, TeamRole.GRID_WORKER})

ROLE_VALUES = tuple(role.value for role in TeamRole)
MODEL_VALUES = tuple(model.value for model in TeamModel)


def today_in_tenant(now: datetime) -> date:
    """The calendar day in Asia/Shanghai at instant ``now`` (tenants live there)."""
    require_aware(now)
    return now.astimezone(TENANT_ZONE).date()


def parse_model(value: str | None) -> TeamModel:
    """The team model named by ``value`` (default "1+1+1+N"); ``InvalidInput`` on ``model``."""
    if value is None:
        return DEFAULT_MODEL
    try:
        return TeamModel(value.strip())
    except ValueError:
        raise InvalidInput.of("model", f"must be one of: {', '.join(MODEL_VALUES)}") from None


class GridFacts(Protocol):
    """What teams need to know about a grid (the grids module's `Grid` satisfies it)."""

    @property
    def grid_id(self) -> str: ...
    @property
    def division_id(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class Membership:
    """One person in one role of one grid from ``starts_on`` to ``ends_on`` (inclusive)."""

    membership_id: str
    role: TeamRole
    user_id: str | None
    person_name: str
    phone: str | None
    starts_on: date
    ends_on: date | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str

    def active_on(self, day: date) -> bool:
        """True when the membership covers ``day``."""
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def overlaps(self, starts_on: date, ends_on: date | None) -> bool:
        """True when [starts_on, ends_on] shares at least one day with this membership."""
        starts_before_other_ends = ends_on is None or self.starts_on <= ends_on
        other_starts_before_this_ends = self.ends_on is None or starts_on <= self.ends_on
        return starts_before_other_ends and other_starts_before_this_ends


@dataclass(frozen=True)
class GridTeam:
    """A grid's team and its full membership history; ``revision`` 0 means not stored yet."""

    grid_id: str
    tenant_id: str
    division_id: str
    model: TeamModel
    memberships: tuple[Membership, ...] = ()
    revision: int = 0

    def membership(self, membership_id: str) -> Membership | None:
        """The membership with this id, or None."""
        return next((m for m in self.memberships if m.membership_id == membership_id), None)

    def members_on(self, day: date) -> list[Membership]:
        """Memberships active on ``day``, in the model's role order, then by start date."""
        order = {role: index for index, role in enumerate(TeamRole)}
        active = [m for m in self.memberships if m.active_on(day)]
        return sorted(active, key=lambda m: (order[m.role], m.starts_on, m.membership_id))

    def holders_on(self, role: TeamRole, day: date) -> list[Membership]:
        """Who held ``role`` on ``day`` (at most one for a single-seat role)."""
        return [m for m in self.members_on(day) if m.role is role]

    def has_full_time_worker_on(self, day: date) -> bool:
        """True when a full-time worker (专职网格员, or 1+4+X's 网格员) served on ``day``."""
        return any(m.role in FULL_TIME_ROLES and m.active_on(day) for m in self.memberships)

    def user_active_on(self, user_id: str, day: date) -> bool:
        """True when ``user_id`` holds any role of this team on ``day``."""
        return any(m.user_id == user_id and m.active_on(day) for m in self.memberships)


def new_team(*, grid: GridFacts, tenant_id: str, model: str | None = None) -> GridTeam:
    """An empty team for ``grid`` (not stored yet)."""
    return GridTeam(
        grid_id=grid.grid_id,
        tenant_id=tenant_id,
        division_id=grid.division_id,
        model=parse_model(model),
    )


@dataclass(frozen=True)
class _MemberEvent:
    membership_id: str
    grid_id: str
    division_id: str
    role: TeamRole
    user_id: str | None
    starts_on: date
    ends_on: date | None
    model: TeamModel
    actor: str
    occurred_at: datetime

    type: ClassVar[str] = ""
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        # The team is the aggregate: one grid's membership events stay in order.
        return self.grid_id

    def payload(self) -> dict[str, Any]:
        """The `team.*` v1 payload: ids, role, dates and model, never names or phones."""
        return {
            "membership_id": self.membership_id,
            "grid_id": self.grid_id,
            "division_id": self.division_id,
            "role": self.role.value,
            "user_id": self.user_id,
            "starts_on": self.starts_on.isoformat(),
            "ends_on": None if self.ends_on is None else self.ends_on.isoformat(),
            "model": self.model.value,
            "actor": self.actor,
        }


E = TypeVar("E", bound=_MemberEvent)


@dataclass(frozen=True)
class MemberAssigned(_MemberEvent):
    """Someone was given a role in a grid's team (ids and dates only, never names or phones)."""

    type: ClassVar[str] = "team.member_assigned"


@dataclass(frozen=True)
class MemberChanged(_MemberEvent):
    """A membership's dates or person details were corrected; carries the new dates."""

    type: ClassVar[str] = "team.member_changed"


@dataclass(frozen=True)
class MemberEnded(_MemberEvent):
    """A membership got its last day."""

    type: ClassVar[str] = "team.member_ended"


def _event(kind: type[E], team: GridTeam, member: Membership, actor: str, now: datetime) -> E:
    return kind(
        membership_id=member.membership_id,
        grid_id=team.grid_id,
        division_id=team.division_id,
        role=member.role,
        user_id=member.user_id,
        starts_on=member.starts_on,
        ends_on=member.ends_on,
        model=team.model,
        actor=actor,
        occurred_at=now,
    )


def _check_grid_open(grid: GridFacts) -> None:
    if grid.status != "active":
        raise StateConflict(f"grid {grid.grid_id} is {grid.status}; its team cannot change")


def _person_problems(
    person_name: str | None, phone: str | None, user_id: str | None
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    if person_name is not None and (not person_name or len(person_name) > NAME_MAX):
        problems.append(FieldProblem("person_name", f"must be 1-{NAME_MAX} characters"))
    if phone is not None and not PHONE_PATTERN.match(phone):
        problems.append(FieldProblem("phone", "must be 5-20 digits, '-' or a leading '+'"))
    if user_id is not None and (not user_id or len(user_id) > USER_ID_MAX):
        problems.append(FieldProblem("user_id", f"must be 1-{USER_ID_MAX} characters"))
    return problems


def _check_dates(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput.of("ends_on", "must be on or after starts_on")


def _check_seat(
    team: GridTeam,
    *,
    role: TeamRole,
    user_id: str | None,
    starts_on: date,
    ends_on: date | None,
    ignore: str | None = None,
) -> None:
    for other in team.memberships:
        if other.membership_id == ignore or other.role is not role:
            continue
        if not other.overlaps(starts_on, ends_on):
            continue
        if role not in MULTI_SEAT_ROLES:
            raise StateConflict(
                f"role {role.value} of grid {team.grid_id} is held by membership "
                f"{other.membership_id} from {other.starts_on.isoformat()}"
                f" to {other.ends_on.isoformat() if other.ends_on else 'open'}"
            )
        if user_id is not None and other.user_id == user_id:
            raise StateConflict(
                f"user {user_id} already holds role {role.value} of grid {team.grid_id} "
                f"in membership {other.membership_id} for overlapping dates"
            )


def assign_member(
    team: GridTeam,
    *,
    grid: GridFacts,
    membership_id: str,
    role: str,
    user_id: str | None,
    person_name: str,
    phone: str | None,
    starts_on: date,
    ends_on: date | None,
    actor: str,
    now: datetime,
) -> tuple[GridTeam, MemberAssigned]:
    """Add a membership; 422 names bad fields, 409 (naming the holder) when a seat is taken."""
    require_aware(now)
    _check_grid_open(grid)
    person_name = person_name.strip()
    phone = phone.strip() if phone is not None else None
    problems = _person_problems(person_name, phone, user_id)
    allowed = MODEL_ROLES[team.model]
    try:
        parsed_role = TeamRole(role)
    except ValueError:
        parsed_role = None
    if parsed_role not in allowed:
        options = ", ".join(r.value for r in allowed)
        problems.insert(0, FieldProblem("role", f"model {team.model.value} has roles: {options}"))
    if ends_on is not None and ends_on < starts_on:
        problems.append(FieldProblem("ends_on", "must be on or after starts_on"))
    if problems:
        raise InvalidInput(problems)
    assert parsed_role is not None  # narrowed by the problems check above
    _check_seat(team, role=parsed_role, user_id=user_id, starts_on=starts_on, ends_on=ends_on)
    member = Membership(
        membership_id=membership_id,
        role=parsed_role,
        user_id=user_id,
        person_name=person_name,
        phone=phone or None,
        starts_on=starts_on,
        ends_on=ends_on,
        created_at=now,
        created_by=actor,
        updated_at=now,
        updated_by=actor,
    )
    updated = replace(team, memberships=(*team.memberships, member))
    return updated, _event(MemberAssigned, updated, member, actor, now)


class _Keep:
    """Marker for "leave this field as it is" where None is a meaningful new value."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = _Keep()


def _require(team: GridTeam, membership_id: str) -> Membership:
    member = team.membership(membership_id)
    if member is None:
        # Use cases look the membership up first; reaching this is a programming error.
        raise LookupError(f"membership {membership_id} is not in grid {team.grid_id}")
    return member


def _replace_member(team: GridTeam, member: Membership) -> GridTeam:
    memberships = tuple(
        member if m.membership_id == member.membership_id else m for m in team.memberships
    )
    return replace(team, memberships=memberships)


def change_member(
    team: GridTeam,
    *,
    grid: GridFacts,
    membership_id: str,
    starts_on: date | _Keep = KEEP,
    ends_on: date | _Keep | None = KEEP,
    person_name: str | _Keep = KEEP,
    phone: str | _Keep | None = KEEP,
    user_id: str | _Keep | None = KEEP,
    actor: str,
    now: datetime,
) -> tuple[GridTeam, MemberChanged]:
    """Correct a membership's dates or person; seats are re-checked against the others."""
    require_aware(now)
    _check_grid_open(grid)
    member = _require(team, membership_id)
    new_name = member.person_name if isinstance(person_name, _Keep) else person_name.strip()
    new_phone = member.phone if isinstance(phone, _Keep) else (phone.strip() if phone else None)
    new_user = member.user_id if isinstance(user_id, _Keep) else user_id
    new_start = member.starts_on if isinstance(starts_on, _Keep) else starts_on
    new_end = member.ends_on if isinstance(ends_on, _Keep) else ends_on
    problems = _person_problems(new_name, new_phone, new_user)
    if problems:
        raise InvalidInput(problems)
    _check_dates(new_start, new_end)
    _check_seat(
        team,
        role=member.role,
        user_id=new_user,
        starts_on=new_start,
        ends_on=new_end,
        ignore=membership_id,
    )
    changed = replace(
        member,
        person_name=new_name,
        phone=new_phone,
        user_id=new_user,
        starts_on=new_start,
        ends_on=new_end,
        updated_at=now,
        updated_by=actor,
    )
    updated = _replace_member(team, changed)
    return updated, _event(MemberChanged, updated, changed, actor, now)


def end_member(
    team: GridTeam,
    *,
    grid: GridFacts,
    membership_id: str,
    ends_on: date,
    actor: str,
    now: datetime,
) -> tuple[GridTeam, MemberEnded]:
    """Give an open membership its last day (inclusive); 409 if it already has one."""
    require_aware(now)
    _check_grid_open(grid)
    member = _require(team, membership_id)
    if member.ends_on is not None:
        raise StateConflict(
            f"membership {membership_id} already ended on {member.ends_on.isoformat()}; "
            "correct its dates instead"
        )
    _check_dates(member.starts_on, ends_on)
    ended = replace(member, ends_on=ends_on, updated_at=now, updated_by=actor)
    updated = _replace_member(team, ended)
    return updated, _event(MemberEnded, updated, ended, actor, now)


def change_model(team: GridTeam, *, grid: GridFacts, model: str, today: date) -> GridTeam:
    """Switch the team's model; 409 while a member holds a role the new model lacks."""
    _check_grid_open(grid)
    parsed = parse_model(model)
    allowed = MODEL_ROLES[parsed]
    blocking = [
        m
        for m in team.memberships
        if m.role not in allowed and (m.ends_on is None or m.ends_on >= today)
    ]
    if blocking:
        ids = ", ".join(m.membership_id for m in blocking)
        raise StateConflict(
            f"memberships {ids} hold roles model {parsed.value} lacks; end them first"
        )
    return replace(team, model=parsed)


@dataclass(frozen=True)
class Staffing:
    """专职网格员配备率 of one division on one day: staffed grids / grids valid that day."""

    division_id: str
    day: date
    grids: int
    staffed: int
    unstaffed_codes: tuple[str, ...] = field(default=())

    @property
    def rate(self) -> Decimal | None:
        """staffed / grids to 4 places (half up); None when the division has no grid that day."""
        if self.grids == 0:
            return None
        return (Decimal(self.staffed) / Decimal(self.grids)).quantize(
            RATE_PLACES, rounding=ROUND_HALF_UP
        )


def staffing_on(
    *,
    division_id: str,
    day: date,
    grids: Iterable[GridFacts],
    teams: Mapping[str, GridTeam],
) -> Staffing:
    """The staffing of ``division_id`` on ``day`` from its grids valid that day and their teams."""
    total = 0
    staffed = 0
    unstaffed: list[str] = []
    for grid in grids:
        total += 1
        team = teams.get(grid.grid_id)
        if team is not None and team.has_full_time_worker_on(day):
            staffed += 1
        else:
            unstaffed.append(grid.code)
    return Staffing(
        division_id=division_id,
        day=day,
        grids=total,
        staffed=staffed,
        unstaffed_codes=tuple(sorted(unstaffed)),
    )


def grids_of_user(user_id: str, day: date, teams: Sequence[GridTeam]) -> list[str]:
    """Ids of the grids whose team ``user_id`` belongs to on ``day``, sorted."""
    return sorted(team.grid_id for team in teams if team.user_active_on(user_id, day))
