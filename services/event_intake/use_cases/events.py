"""Event (事项) use cases: report, act on, read and list events; suggest and merge duplicates;
the scheduler's overdue scan.

Who sees what: the centre (center-staff), tenant admins and inspectors see the tenant's
events; a department sees what was ever dispatched to it; everyone else (grid workers,
leaders, instructors) the events of the grids he is on today and those he reported himself.
An event the caller may not see answers 404, exactly like another tenant's. What he may do
with an event he sees is the domain's rule (403 otherwise, 409 when the state forbids it).
"""

from __future__ import annotations

import contextvars
import math
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from services.event_intake.domain import events as domain
from services.event_intake.domain.events import Action, Event, Position
from services.event_intake.domain.settings import IntakeSettings
from services.event_intake.domain.workflow import Actor
from services.event_intake.repository.events import (
    EventFilter,
    EventRepository,
    EventSummary,
    local_day,
)
from services.event_intake.use_cases.context import IntakeContext
from shared.auth.principal import Role
from shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shared.mongo import ConcurrentUpdate, Page
from shared.mongo.leases import DocumentBusy

# Report ids derived from the reporter's client request id: a retried report lands on the
# same document, so a phone retrying after a timeout creates nothing new.
_REQUEST_NAMESPACE = uuid.UUID("6f1d3c2e-9a4b-4c7e-8d21-5e0f9b7a1c33")
TENANT_WIDE = frozenset({Role.TENANT_ADMIN, Role.CENTER_STAFF, Role.INSPECTOR})
_RETRIES = 3
_EARTH_RADIUS_M = 6_371_008.8
MAX_SUGGESTIONS = 10
# Reads a report's duplicate candidates beside its write (one per request in flight at most).
_SUGGESTING = ThreadPoolExecutor(max_workers=8, thread_name_prefix="intake-duplicates")


@dataclass(frozen=True)
class Suggestion:
    """An earlier live event that may be the same matter (same category, near, recent)."""

    event_id: str
    state: str
    grid_id: str
    reported_at: datetime
    distance_m: int | None


@dataclass(frozen=True)
class Reported:
    event: Event
    created: bool
    possible_duplicates: list[Suggestion]


def actor_of(ctx: IntakeContext, *, department: bool = True) -> Actor:
    """The caller as the domain sees him: roles, today's grids, his department (not looked up
    with ``department=False``: reporting is nothing a department does)."""
    roles = frozenset(ctx.roles)
    grid_ids: frozenset[str] = frozenset()
    if roles - TENANT_WIDE:
        grid_ids = ctx.registry.grid_ids_of_user(ctx.actor, local_day(ctx.now()))
    return Actor(
        user_id=ctx.actor,
        tenant_id=ctx.tenant_id,
        roles=roles,
        grid_ids=grid_ids,
        department_id=ctx.departments.department_of(ctx.actor) if department else None,
    )


def _sees(actor: Actor, event: Event) -> bool:
    if actor.roles & TENANT_WIDE:
        return True
    if event.grid_id in actor.grid_ids or event.reporter_id == actor.user_id:
        return True
    return actor.department_id is not None and any(
        entry.department_id == actor.department_id for entry in event.history
    )


def visible_event(ctx: IntakeContext, event_id: str, actor: Actor | None = None) -> Event:
    """The event if the caller may see it; `NotFound` otherwise (also another tenant's)."""
    event = ctx.events.find_event(event_id)
    if event is None or not _sees(actor or actor_of(ctx), event):
        raise NotFound(f"event {event_id} not found")
    return event


# --- report -------------------------------------------------------------------------------


def _locate(
    ctx: IntakeContext, actor: Actor, grid_id: str | None, position: Position | None
) -> tuple[str, str | None]:
    """The report's grid and that grid's division."""
    now = ctx.now()
    if grid_id is not None:
        if not ctx.registry.grid_exists_at(grid_id, now):
            raise InvalidInput.of("grid_id", "is not a grid of this tenant in force today")
        return grid_id, ctx.registry.division_of(grid_id)
    if position is not None:
        # The grid and its division from the same cached day of grids: one stamp read.
        found = ctx.registry.locate_grid(position.lon, position.lat, now)
        if found is None:
            raise InvalidInput.of("position", "lies in no grid of this tenant")
        return found.grid_id, found.division_id
    if len(actor.grid_ids) == 1:  # a grid worker reporting from his one grid
        only = next(iter(actor.grid_ids))
        return only, ctx.registry.division_of(only)
    raise InvalidInput.of("grid_id", "give the grid or the position of the event")


def report_event(
    ctx: IntakeContext,
    *,
    source: str,
    category: str,
    title: str,
    description: str = "",
    address: str = "",
    position: Mapping[str, float] | None = None,
    grid_id: str | None = None,
    level: str = domain.Level.GRID.value,
    request_id: str | None = None,
) -> Reported:
    """A new event in state ``reported`` (`event.reported`), located in its grid, with its
    acceptance deadline; the same ``request_id`` again answers the first report unchanged."""
    actor = actor_of(ctx, department=False)
    event_id = str(
        uuid.uuid4()
        if request_id is None
        else uuid.uuid5(_REQUEST_NAMESPACE, f"{ctx.tenant_id}\x1f{ctx.actor}\x1f{request_id}")
    )
    point = None if position is None else Position(lon=position["lon"], lat=position["lat"])
    settings = ctx.settings.recent()
    try:
        where, division = _locate(ctx, actor, grid_id, point)
        event, recorded = domain.report(
            event_id=event_id,
            tenant_id=ctx.tenant_id,
            grid_id=where,
            division_id=division,
            actor=actor,
            source=source,
            category=category,
            title=title,
            description=description,
            address=address,
            position=point,
            taxonomy=settings.taxonomy,
            clock=settings.work_clock(),
            now=ctx.now(),
            level=level,
            request_id=request_id,
        )
        # The duplicate candidates are read (PostgreSQL) while the report is written
        # (FerretDB): they depend on the report's category, place and time only.
        events = ctx.events
        looked_up = _SUGGESTING.submit(
            contextvars.copy_context().run, suggestions, ctx, event, settings
        )
        saved = events.add_event(event, [recorded])
    except (Conflict, InvalidInput, PermissionDenied):
        # A retry lands on the first report's id (an insert conflict, or a check that no
        # longer passes since: the worker left the grid, the category was renamed): the first
        # report stands. Looked up only then, so a new report costs no read for it.
        first = None if request_id is None else ctx.events.find_event(event_id)
        if first is None:
            raise
        return Reported(event=first, created=False, possible_duplicates=[])
    return Reported(event=saved, created=True, possible_duplicates=looked_up.result())


# --- duplicates ---------------------------------------------------------------------------


def _distance_m(a: Position, b: Position) -> float:
    """Great-circle distance (haversine): plenty for a radius of a few hundred metres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _box(center: Position, radius_m: int) -> tuple[float, float, float, float]:
    """A (west, south, east, north) box holding every point within ``radius_m``, a little
    wider than the circle (distances are then measured exactly)."""
    margin = 1.01
    dlat = math.degrees(radius_m * margin / _EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(center.lat)), 1e-6)
    return (center.lon - dlon, center.lat - dlat, center.lon + dlon, center.lat + dlat)


def suggestions(
    ctx: IntakeContext, event: Event, settings: IntakeSettings | None = None
) -> list[Suggestion]:
    """Earlier live events of the same category reported within the tenant's window before
    this one and within its radius (same grid when either has no position), nearest first."""
    rule = (settings or ctx.settings.recent()).duplicates
    since = event.reported_at - timedelta(hours=rule.window_hours)
    near = None
    if event.position is not None:
        near = (event.position.lon, event.position.lat, *_box(event.position, rule.radius_m))
    found: list[tuple[float, Suggestion]] = []
    candidates = ctx.events.duplicate_candidates(
        event.category,
        since=since,
        until=event.reported_at,
        grid_id=event.grid_id,
        near=near,
        exclude=event.event_id,
    )
    for other in candidates:
        if not since <= other.reported_at <= event.reported_at:
            continue
        if (other.reported_at, other.event_id) > (event.reported_at, event.event_id):
            continue
        distance: float | None = None
        if event.position is not None and other.position is not None:
            distance = _distance_m(event.position, other.position)
            if distance > rule.radius_m:
                continue
        elif other.grid_id != event.grid_id:
            continue
        found.append(
            (
                distance if distance is not None else float(rule.radius_m),
                Suggestion(
                    event_id=other.event_id,
                    state=other.state,
                    grid_id=other.grid_id,
                    reported_at=other.reported_at,
                    distance_m=None if distance is None else round(distance),
                ),
            )
        )
    found.sort(key=lambda pair: (pair[0], pair[1].reported_at))
    return [suggestion for _, suggestion in found[:MAX_SUGGESTIONS]]


def duplicate_suggestions(ctx: IntakeContext, *, event_id: str) -> list[Suggestion]:
    return suggestions(ctx, visible_event(ctx, event_id))


# --- act -----------------------------------------------------------------------------------


def act(
    ctx: IntakeContext,
    *,
    event_id: str,
    action: str,
    reason: str | None = None,
    request_id: str | None = None,
    **details: Any,
) -> Event:
    """Apply ``action`` as the caller; the domain decides 403/409/422. A transition that lost
    a race to another one is re-read and re-decided (it may then be a 409), never written
    over it."""
    actor = actor_of(ctx)
    settings = ctx.settings.recent()
    for attempt in range(_RETRIES):
        event = visible_event(ctx, event_id, actor)
        given = dict(details)
        if action == Action.MERGE.value and given.get("merged_into") is not None:
            target_id = given["merged_into"]
            target = ctx.events.find_event(target_id)
            if target is None or not _sees(actor, target):
                raise InvalidInput.of("merged_into", "is not an event of this tenant")
            given["merged_into"] = target
        updated, recorded = domain.transition(
            event,
            action,
            actor,
            ctx.now(),
            reason=reason,
            request_id=request_id,
            clock=settings.work_clock(),
            **given,
        )
        if not recorded:
            return event  # a retried request: already applied
        try:
            return ctx.events.save_event(updated, recorded)
        except ConcurrentUpdate:
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def get_event(ctx: IntakeContext, *, event_id: str) -> Event:
    return visible_event(ctx, event_id)


def merged_reports(ctx: IntakeContext, *, event_id: str) -> list[str]:
    """The reports merged into ``event_id`` (it keeps their credit)."""
    visible_event(ctx, event_id)
    return ctx.events.merged_into(event_id)


def list_events(
    ctx: IntakeContext, *, where: EventFilter, offset: int, limit: int
) -> Page[EventSummary]:
    """A page of the events the caller may see matching ``where``, newest report first."""
    if not frozenset(ctx.roles) & TENANT_WIDE:  # the centre's lists need no look-up of him
        actor = actor_of(ctx)
        if actor.grid_ids:
            where = replace(where, grid_ids=actor.grid_ids)
        elif actor.department_id is not None:
            where = replace(where, department_id=actor.department_id)
        else:
            where = replace(where, reporter_id=actor.user_id)
    return ctx.events.summaries(where, offset=offset, limit=limit)


# --- the scheduler's overdue scan ---------------------------------------------------------

SCAN_ACTOR = "system:overdue-scan"


@dataclass(frozen=True)
class ScanResult:
    examined: int
    recorded: int


# Due events are read this many at a time, their marks inserted in one command per batch.
OVERDUE_BATCH = 200
# How often the scan tries to bring an event's document up to date with its marks when a
# transition lands in between (each try reads the event again).
FOLD_ATTEMPTS = 3


@dataclass(frozen=True)
class OverdueMarks:
    """What the first half of a scan did: the facts it recorded (marked and, through their
    outbox, on their way to Kafka), and each batch's events whose documents are still to take
    their marks (`fold_overdue`)."""

    examined: int
    recorded: int
    to_fold: tuple[tuple[IntakeContext, tuple[Event, ...], Mapping[str, frozenset[str]]], ...]


def record_overdue_marks(now: datetime, *, limit: int = 5_000) -> OverdueMarks:
    """The overdue facts of every deadline passed by ``now`` (all tenants), recorded once each.

    A fact is a mark whose key names the event and the deadline, inserted with its
    `event.overdue` in one unordered command per batch of `OVERDUE_BATCH` events: a second
    scan, or a worker scanning at the same time, has its marks refused as known. Recording
    968 due events of 100,000 as revision-checked updates of the events took 13-15 s
    (bench/event_intake.py), at about 8 ms of FerretDB per update; the events' documents now
    take the facts after them (`fold_overdue`)."""
    due = EventRepository.due(now, limit=limit)
    by_tenant: dict[str, list[str]] = {}
    for item in due:
        by_tenant.setdefault(item.tenant_id, []).append(item.event_id)
    recorded = 0
    to_fold = []
    for tenant, event_ids in by_tenant.items():
        ctx = IntakeContext(tenant_id=tenant, actor=SCAN_ACTOR, clock=lambda: now)
        for start in range(0, len(event_ids), OVERDUE_BATCH):
            batch = ctx.events.find_events(event_ids[start : start + OVERDUE_BATCH])
            found = [event for event in batch if event is not None]
            facts = [fact for event in found for fact in domain.record_overdue(event, now)[1]]
            if not facts:
                continue
            recorded += sum(ctx.overdue_marks.record(facts, now))
            marked: dict[str, frozenset[str]] = {}
            for fact in facts:
                kinds = marked.get(fact.event.event_id, frozenset())
                marked[fact.event.event_id] = kinds | {fact.deadline}
            events = tuple(event for event in found if event.event_id in marked)
            to_fold.append((ctx, events, marked))
    return OverdueMarks(examined=len(due), recorded=recorded, to_fold=tuple(to_fold))


def fold_overdue(marks: OverdueMarks) -> int:
    """Bring the marked events' documents up to date (their `overdue`, `overdue_now` and next
    watched deadline), publishing nothing: the marks did. A crash before this is made good by
    the next scan, which finds the same events still due, has their marks refused as known
    and folds them. How many documents were written."""
    return sum(_fold_overdue(ctx, events, marked) for ctx, events, marked in marks.to_fold)


def mark_overdue(now: datetime, *, limit: int = 5_000) -> ScanResult:
    """Record `event.overdue` for every deadline passed by ``now`` (all tenants), once each,
    then bring the events' documents up to date: the scheduler's scan."""
    marks = record_overdue_marks(now, limit=limit)
    fold_overdue(marks)
    return ScanResult(examined=marks.examined, recorded=marks.recorded)


def _fold_overdue(
    ctx: IntakeContext, events: Sequence[Event], marked: Mapping[str, frozenset[str]]
) -> int:
    """Add the marked deadlines to each event's document. A transition that lands first is
    read back and the marks folded into it, whatever its state now (an event accepted late
    keeps its acceptance overdue, as Kafka has it)."""
    todo, written = list(events), 0
    for _ in range(FOLD_ATTEMPTS):
        changes: list[tuple[Event, Sequence[domain.IntakeEvent]]] = [
            (replace(event, overdue=event.overdue | marked[event.event_id]), ())
            for event in todo
            if not marked[event.event_id] <= event.overdue
        ]
        if not changes:
            break
        saved = ctx.events.save_events(changes)
        written += sum(1 for result in saved if isinstance(result, Event))
        again = [
            event.event_id
            for (event, _), result in zip(changes, saved, strict=True)
            if isinstance(result, ConcurrentUpdate | DocumentBusy)
        ]
        todo = [event for event in ctx.events.find_events(again) if event is not None]
    return written
