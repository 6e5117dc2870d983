"""The rules of a service's read model of the grid registry (网格台账), free of storage.

Services never read grid_registry's database; each keeps a read model fed by the registry's
events (`registry.grids`, `registry.teams`, `registry.subjects`). This module holds that
model's rules; `shared.registry.view` stores it and `shared.registry.handlers` feeds it.

- which grids are in force at an instant: the grid valid on the Asia/Shanghai day of the
  instant (`valid_from` <= day <= `valid_to`, both inclusive), a retired grid never after its
  last valid day, with the boundary that applied on that day;
- which grids a worker serves on a day: the grids whose team (网格队伍) has a membership of
  the user covering that day, any role;
- which key subjects (重点人员/场所) are due visits: the active ones of a grid, each with its
  visit cycle and position (the registry's events carry no name, ID number or address);
- whether an event changes a read-model entry at all (`AppliedMark`): a replayed or older event
  changes nothing.

Imports no framework (checked by tests/ops/test_dependency_rule.py and import-linter).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.clock import require_aware

TENANT_TZ = ZoneInfo("Asia/Shanghai")
ACTIVE = "active"
RETIRED = "retired"


def local_day(at: datetime) -> date:
    """The Asia/Shanghai calendar day of an aware instant."""
    return require_aware(at, "at").astimezone(TENANT_TZ).date()


@dataclass(frozen=True)
class AppliedMark:
    """The newest event applied to one read-model entry: its instant and the ids of the events
    applied at exactly that instant (usually one).

    Events of one grid (or one grid's team, or one key subject) share a Kafka key, so they
    arrive in order; what arrives out of order is a redelivery or a replay from an earlier
    offset. An event older than the mark, or one already applied at the mark's instant, changes
    nothing.
    """

    occurred_at: datetime
    event_ids: tuple[str, ...]

    @classmethod
    def of(cls, occurred_at: datetime, event_id: str) -> AppliedMark:
        return cls(require_aware(occurred_at, "occurred_at").astimezone(UTC), (event_id,))

    def admits(self, occurred_at: datetime, event_id: str) -> bool:
        """True when an event at `occurred_at` with `event_id` is new to this entry."""
        when = require_aware(occurred_at, "occurred_at")
        if when != self.occurred_at:
            return when > self.occurred_at
        return event_id not in self.event_ids

    def after(self, occurred_at: datetime, event_id: str) -> AppliedMark:
        """The mark once an admitted event is applied."""
        when = require_aware(occurred_at, "occurred_at").astimezone(UTC)
        if when == self.occurred_at:
            return AppliedMark(self.occurred_at, (*self.event_ids, event_id))
        return AppliedMark.of(when, event_id)


def admits(mark: AppliedMark | None, occurred_at: datetime, event_id: str) -> bool:
    """Whether an event changes an entry marked `mark` (None: nothing applied yet)."""
    return mark is None or mark.admits(occurred_at, event_id)


def in_force_on(valid_from: date, valid_to: date | None, status: str, day: date) -> bool:
    """A grid valid from `valid_from` to `valid_to` (inclusive) was in force on `day`. A retired
    grid carries its last valid day; one announced retired without it is never in force."""
    if day < valid_from:
        return False
    if valid_to is not None:
        return day <= valid_to
    return status != RETIRED


@dataclass(frozen=True)
class BoundaryVersion:
    """A boundary a grid had before a change, valid from `valid_from` to `valid_to` inclusive."""

    boundary: Mapping[str, Any]
    valid_from: date
    valid_to: date


@dataclass(frozen=True)
class GridRef:
    """One grid as the registry last announced it, plus the boundaries it had before.

    `boundary` is the current GeoJSON (Polygon or MultiPolygon, [lon, lat] WGS84), valid from
    `boundary_valid_from`; `boundary_history` holds the earlier ones this read model saw.
    """

    grid_id: str
    division_id: str
    code: str
    name: str
    type: str
    status: str
    valid_from: date
    valid_to: date | None
    boundary: Mapping[str, Any]
    boundary_valid_from: date
    boundary_history: tuple[BoundaryVersion, ...] = ()

    def in_force_on(self, day: date) -> bool:
        """True when the grid was valid on `day` (Asia/Shanghai): see `in_force_on`."""
        return in_force_on(self.valid_from, self.valid_to, self.status, day)

    def in_force_at(self, at: datetime) -> bool:
        """`in_force_on` the Asia/Shanghai day of the instant `at`."""
        return self.in_force_on(local_day(at))

    def boundary_on(self, day: date) -> Mapping[str, Any]:
        """The boundary that applied on `day` (the current one when no earlier one covers it,
        e.g. a day before the first boundary change this read model saw)."""
        for version in self.boundary_history:
            if version.valid_from <= day <= version.valid_to:
                return version.boundary
        return self.boundary


def grid_from_state(
    state: Mapping[str, Any], *, occurred_at: datetime, previous: GridRef | None
) -> GridRef:
    """The grid after a `grid.*` event carrying its full state (`state`, the contract-loaded
    payload: dates as `date`).

    A new boundary applies from the event's day, as in the registry: the previous one is kept
    in the history up to the day before (a second change on one day replaces that day's).
    """
    day = local_day(occurred_at)
    boundary = dict(state["boundary"])
    base = GridRef(
        grid_id=state["grid_id"],
        division_id=state["division_id"],
        code=state["code"],
        name=state["name"],
        type=state["type"],
        status=state["status"],
        valid_from=state["valid_from"],
        valid_to=state["valid_to"],
        boundary=boundary,
        boundary_valid_from=state["valid_from"],
    )
    if previous is None:
        return base
    if previous.boundary == boundary:
        return replace(
            base,
            boundary_valid_from=previous.boundary_valid_from,
            boundary_history=previous.boundary_history,
        )
    history = previous.boundary_history
    if previous.boundary_valid_from < day:
        history = (
            *history,
            BoundaryVersion(previous.boundary, previous.boundary_valid_from, day - timedelta(1)),
        )
    return replace(
        base,
        boundary_valid_from=max(day, previous.boundary_valid_from),
        boundary_history=history,
    )


def grids_in_force(grids: Iterable[GridRef], day: date) -> list[tuple[GridRef, Mapping[str, Any]]]:
    """The grids in force on `day` with the boundary of that day, in code order: the priority
    order `shared.geometry.GridLocator` expects (a shared border goes to the lowest code)."""
    found = [(grid, grid.boundary_on(day)) for grid in grids if grid.in_force_on(day)]
    return sorted(found, key=lambda pair: (pair[0].code, pair[0].grid_id))


@dataclass(frozen=True)
class Membership:
    """One person's role in one grid's team from `starts_on` to `ends_on` (inclusive; None:
    open-ended). `user_id` is None for members without a login (volunteers)."""

    membership_id: str
    grid_id: str
    division_id: str
    user_id: str | None
    role: str
    starts_on: date
    ends_on: date | None

    def covers(self, day: date) -> bool:
        """True when the membership holds on `day` (Asia/Shanghai)."""
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


def membership_from_state(state: Mapping[str, Any]) -> Membership:
    """The membership a `team.*` event carries (contract-loaded payload)."""
    return Membership(
        membership_id=state["membership_id"],
        grid_id=state["grid_id"],
        division_id=state["division_id"],
        user_id=state["user_id"],
        role=state["role"],
        starts_on=state["starts_on"],
        ends_on=state["ends_on"],
    )


def grid_ids_served(memberships: Iterable[Membership], user_id: str, day: date) -> frozenset[str]:
    """The grids whose team has `user_id` on `day`, any role."""
    return frozenset(
        membership.grid_id
        for membership in memberships
        if membership.user_id == user_id and membership.covers(day)
    )


@dataclass(frozen=True)
class SubjectRef:
    """One key subject (重点人员/场所) as the registry last announced it: where it belongs, how
    often it is to be visited, and where it is (`location`: (lon, lat) WGS84, None when the
    registry has no position). Never a name, ID number or address: the events carry none."""

    subject_id: str
    grid_id: str
    division_id: str
    category: str  # key_person, special_group, care_recipient, hazard_place
    visit_cycle: str  # daily, weekly, monthly
    status: str  # active, archived
    location: tuple[float, float] | None

    @property
    def active(self) -> bool:
        """Visits are due only for active subjects; an archived one is kept, never deleted."""
        return self.status == ACTIVE


def subject_from_state(state: Mapping[str, Any]) -> SubjectRef:
    """The subject a `subject.*` event leaves (contract-loaded payload): its full state after the
    change, so a move is the new grid and an archive the new status."""
    location = state.get("location")
    return SubjectRef(
        subject_id=state["subject_id"],
        grid_id=state["grid_id"],
        division_id=state["division_id"],
        category=state["category"],
        visit_cycle=state["visit_cycle"],
        status=state["status"],
        location=None if location is None else (float(location["lon"]), float(location["lat"])),
    )


def due_subjects(subjects: Iterable[SubjectRef], grid_ids: Iterable[str]) -> list[SubjectRef]:
    """The active subjects of `grid_ids`, by grid then subject id."""
    wanted = set(grid_ids)
    found = [s for s in subjects if s.active and s.grid_id in wanted]
    return sorted(found, key=lambda s: (s.grid_id, s.subject_id))
