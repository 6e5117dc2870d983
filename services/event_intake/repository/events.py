"""The event repository: domain `Event` in and out, lists, the overdue scan and duplicates.

Lists are plain equality on top-level fields (see the document) so PostgreSQL behind FerretDB
counts and orders them (`shared.mongo.pg_reads`); the date range and multi-grid filters are
the exceptions FerretDB answers itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from services.event_intake.documents.events import (
    EventDocument,
    OverdueMarkDocument,
    PauseDocument,
    TransitionDocument,
)
from services.event_intake.domain.events import (
    Action,
    Event,
    EventOverdue,
    Level,
    Pause,
    PauseKind,
    Position,
    ReviewOutcome,
    Source,
    State,
    Transition,
    UnqualifiedReason,
)
from services.event_intake.domain.taxonomy import Span
from services.event_intake.domain.workflow import ActingAs
from services.event_intake.repository.mapping import (
    aware,
    entry_fields,
    entry_values,
    epoch_ms,
    inserted,
    narrow,
    required,
    written_back,
)
from services.event_intake.repository.overdue import due_across_tenants
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository
from shared.mongo.pg_reads import Within, equality_reads
from shared.mongo.repository import SaveRefused

# At most this many duplicate candidates are read per report and query (the answer lists
# ten: the nearest, or for reports without a position the latest of the grid).
_CANDIDATES = 30
_CANDIDATE_FIELDS = ("state", "grid_id", "reported_ms", "lon", "lat")
_DEAD = (State.MERGED.value, State.REJECTED.value)


@dataclass(frozen=True)
class Candidate:
    """What a duplicate suggestion needs of an earlier report."""

    event_id: str
    state: str
    grid_id: str
    reported_at: datetime
    position: Position | None


TENANT_ZONE_OFFSET = timedelta(hours=8)  # Asia/Shanghai has no daylight saving time
# States whose next deadline the scheduler watches.
_ACCEPTANCE_PENDING = {State.REPORTED}
_CLOSURE_PENDING = {
    State.ACCEPTED,
    State.DISPATCHED,
    State.ESCALATED,
    State.IN_PROGRESS,
    State.RETURNED,
    State.RESOLVED,
}


@dataclass(frozen=True)
class EventFilter:
    """What a list asks for; `grid_ids` / `department_id` narrow it to what a caller may see
    (None: the whole tenant)."""

    state: State | None = None
    category: str | None = None
    grid_id: str | None = None
    division_id: str | None = None
    source: Source | None = None
    overdue: bool | None = None
    reported_from: date | None = None
    reported_to: date | None = None
    grid_ids: frozenset[str] | None = None
    department_id: str | None = None
    reporter_id: str | None = None


@dataclass(frozen=True)
class DueEvent:
    tenant_id: str
    event_id: str


_NEWEST = ("-reported_at", "-event_id")
_SUMMARY_FIELDS = (
    "grid_id",
    "category",
    "source",
    "title",
    "level",
    "state",
    "reported_at",
    "acceptance_deadline",
    "closure_deadline",
    "accepted_on_time",
    "closed_on_time",
    "overdue",
)


@dataclass(frozen=True)
class EventSummary:
    """An event as lists show it (no description, position, history)."""

    event_id: str
    grid_id: str
    category: str
    source: str
    title: str
    level: str
    state: str
    reported_at: datetime
    acceptance_deadline: datetime
    closure_deadline: datetime | None
    accepted_on_time: bool | None
    closed_on_time: bool | None
    overdue: frozenset[str]


def _summary(row: dict[str, Any]) -> EventSummary:
    return EventSummary(
        event_id=str(row["_id"]),
        grid_id=row["grid_id"],
        category=row["category"],
        source=row["source"],
        title=row["title"],
        level=row["level"],
        state=row["state"],
        reported_at=row["reported_at"],
        acceptance_deadline=row["acceptance_deadline"],
        closure_deadline=row.get("closure_deadline"),
        accepted_on_time=row.get("accepted_on_time"),
        closed_on_time=row.get("closed_on_time"),
        overdue=frozenset(row.get("overdue") or ()),
    )


def _filters(where: EventFilter) -> dict[str, Any] | None:
    """The repository filters of ``where``; None when nothing can match (no allowed grid)."""
    filters: dict[str, Any] = {}
    for name in ("category", "grid_id", "division_id", "department_id", "reporter_id"):
        value = getattr(where, name)
        if value is not None:
            filters[name] = value
    if where.state is not None:
        filters["state"] = where.state.value
    if where.source is not None:
        filters["source"] = where.source.value
    if where.overdue is not None:
        filters["overdue_now"] = where.overdue
    if not narrow(filters, "grid_id", where.grid_id, where.grid_ids):
        return None
    if where.reported_from is not None:
        filters["reported_day__gte"] = where.reported_from.isoformat()
    if where.reported_to is not None:
        filters["reported_day__lte"] = where.reported_to.isoformat()
    return filters


def local_day(moment: datetime) -> date:
    """The Asia/Shanghai day of an instant."""
    return (moment.astimezone(UTC) + TENANT_ZONE_OFFSET).date()


def next_due(event: Event) -> datetime | None:
    """The next deadline the scheduler must check: acceptance while reported, closure while
    open; None once each was recorded overdue, or while suspended (the clocks stand still)."""
    if event.state in _ACCEPTANCE_PENDING and "acceptance" not in event.overdue:
        return event.acceptance_deadline
    if (
        event.state in _CLOSURE_PENDING
        and event.closure_deadline is not None
        and "closure" not in event.overdue
    ):
        return event.closure_deadline
    return None


def overdue_now(event: Event) -> bool:
    """Overdue and still waiting for what it is late for (the centre's 'overdue' list)."""
    if "acceptance" in event.overdue and event.state in _ACCEPTANCE_PENDING:
        return True
    return "closure" in event.overdue and (
        event.state in _CLOSURE_PENDING or event.state is State.SUSPENDED
    )


class EventRepository(TenantRepository[EventDocument]):
    document = EventDocument

    def find_event(self, event_id: str) -> Event | None:
        """The event with this id in this tenant, or None (also for another tenant's id)."""
        doc = self.get(event_id)
        return None if doc is None else to_domain(doc)

    def add_event(self, event: Event, events: Sequence[DomainEvent]) -> Event:
        """Insert a new event with its `event.reported`; `Conflict` when its id exists (a
        retried report with the same client request id: the caller reads the first one)."""
        return inserted(self, event, to_document(event), events)

    def find_events(self, event_ids: Sequence[str]) -> list[Event | None]:
        """`find_event` for each id, in order (a few point reads in flight)."""
        return [None if doc is None else to_domain(doc) for doc in self.get_many(event_ids)]

    def save_events(
        self, changes: Sequence[tuple[Event, Sequence[DomainEvent]]]
    ) -> list[Event | SaveRefused]:
        """`save_event` for a batch (one lease command for all, a few writes in flight): each
        result is the event as written or why it was not (`ConcurrentUpdate` when another
        transition landed first, `NotFound`, `DocumentBusy`), in order."""
        docs = []
        for event, _ in changes:
            doc = to_document(event)
            doc.revision = event.revision
            docs.append(doc)
        saved = self.save_many(
            [(doc, events) for doc, (_, events) in zip(docs, changes, strict=True)]
        )
        return [
            result
            if not isinstance(result, EventDocument)
            else replace(event, revision=event.revision + 1)
            for result, (event, _) in zip(saved, changes, strict=True)
        ]

    def save_event(self, event: Event, events: Sequence[DomainEvent]) -> Event:
        """Write back the event read at ``event.revision`` with its domain events;
        `ConcurrentUpdate` when another transition landed first."""
        return written_back(self, event, to_document(event), events)

    def page(self, where: EventFilter, *, offset: int, limit: int) -> Page[Event]:
        """One page of the events matching ``where``, newest report first."""
        filters = _filters(where)
        if filters is None:
            return Page(items=[], total=0, offset=offset, limit=limit)
        return self.list(offset=offset, limit=limit, order_by=_NEWEST, **filters).map(to_domain)

    def summaries(self, where: EventFilter, *, offset: int, limit: int) -> Page[EventSummary]:
        """`page` as a list shows it: the summary fields only, read in one statement from
        PostgreSQL when it can (no document is decoded), else from FerretDB."""
        filters = _filters(where)
        if filters is None:
            return Page(items=[], total=0, offset=offset, limit=limit)
        found = self.list_values(
            _SUMMARY_FIELDS, offset=offset, limit=limit, order_by=_NEWEST, **filters
        )
        return found.map(_summary)

    def merged_into(self, event_id: str) -> list[str]:
        """The ids of the reports merged into ``event_id``."""
        return [doc.event_id for doc in self._query(merged_into=event_id).only("event_id")]

    def duplicate_candidates(
        self,
        category: str,
        *,
        since: datetime,
        until: datetime,
        grid_id: str,
        near: tuple[float, float, float, float, float, float] | None,
        exclude: str,
    ) -> list[Candidate]:
        """Live events of ``category`` reported between ``since`` and ``until``: the ones
        nearest to a point within a bounding box ``near`` = ``(lon, lat, west, south, east,
        north)``, and the latest ones of ``grid_id`` (the caller measures distances).

        PostgreSQL answers both in one statement with the few values a suggestion needs,
        nearest or latest first, at most `_CANDIDATES` rows each, through the document's
        declared indexes (the grid's latest reports of the category; the category's reports
        of the window in the cells around the point); without it, FerretDB returns the
        category's reports of the window's days, decoded with those values only."""
        reads = equality_reads()
        window = {"reported_ms": (float(epoch_ms(since)), float(epoch_ms(until)))}
        where = {"tenant_id": self.tenant_id, "category": category}
        rows: list[dict[str, Any]] | None = None
        if reads is not None:
            asks = [
                Within(
                    {**where, "grid_id": grid_id}, window, limit=_CANDIDATES, latest="reported_ms"
                )
            ]
            if near is not None:
                lon, lat, west, south, east, north = near
                box = {**window, "lon": (west, east), "lat": (south, north)}
                asks.append(Within(where, box, limit=_CANDIDATES, nearest=("lon", "lat", lon, lat)))
            answers = reads.rows_within_each(
                self.document, self.document._get_db().name, asks, fields=_CANDIDATE_FIELDS
            )
            if answers is not None:
                rows = list({row["_id"]: row for answer in answers for row in answer}.values())
        if rows is None:
            first, last = local_day(since), local_day(until)
            days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
            rows = [
                raw
                for day in days
                for raw in self._query(
                    category=category,
                    reported_day=day.isoformat(),
                    reported_at__gte=since,
                    reported_at__lte=until,
                )
                .only("event_id", *_CANDIDATE_FIELDS)
                .as_pymongo()
            ]
        found: list[Candidate] = []
        for row in rows:
            if row["_id"] == exclude or row.get("state") in _DEAD or row.get("reported_ms") is None:
                continue
            x, y = row.get("lon"), row.get("lat")
            found.append(
                Candidate(
                    event_id=str(row["_id"]),
                    state=str(row["state"]),
                    grid_id=str(row["grid_id"]),
                    reported_at=datetime.fromtimestamp(row["reported_ms"] / 1000, UTC),
                    position=None if x is None or y is None else Position(float(x), float(y)),
                )
            )
        return found

    @staticmethod
    def due(now: datetime, *, limit: int = 5_000) -> list[DueEvent]:
        """Every tenant's events with a deadline passed by ``now`` that was not recorded yet,
        earliest first (the scheduler's scan; it then works through tenant repositories).

        PostgreSQL answers the range from the flagged (`watch`) rows in one statement; without
        it FerretDB does (`repository.overdue.due_across_tenants`)."""
        rows = due_across_tenants(EventDocument, flag="watch", at_most=epoch_ms(now), limit=limit)
        return [DueEvent(tenant_id=tenant, event_id=key) for tenant, key in rows]


class OverdueMarkRepository(TenantRepository[OverdueMarkDocument]):
    """The overdue scan's marks: each fact inserted once, with its `event.overdue`."""

    document = OverdueMarkDocument

    def record(self, facts: Sequence[EventOverdue], at: datetime) -> list[bool]:
        """Insert a mark per fact in one unordered command; for each, whether it was new (a
        fact already marked, by an earlier scan or a racing worker, is refused by its key)."""
        docs = [
            (
                OverdueMarkDocument(
                    key=f"{self.tenant_id}|{fact.event.event_id}|{fact.deadline}",
                    tenant_id=self.tenant_id,
                    event_id=fact.event.event_id,
                    deadline=fact.deadline,
                    recorded_at=at,
                ),
                (fact,),
            )
            for fact in facts
        ]
        return [isinstance(result, OverdueMarkDocument) for result in self.add_many(docs)]

    def marked(self, event_id: str) -> frozenset[str]:
        """The deadlines of the event the scan has marked overdue."""
        return frozenset(doc.deadline for doc in self._query(event_id=event_id).only("deadline"))


# --- mapping ------------------------------------------------------------------------------


def to_document(event: Event) -> EventDocument:
    due = next_due(event)
    return EventDocument(
        event_id=event.event_id,
        tenant_id=event.tenant_id,
        grid_id=event.grid_id,
        division_id=event.division_id,
        reporter_id=event.reporter_id,
        reporter_role=event.reporter_role.value,
        source=event.source.value,
        category=event.category,
        title=event.title,
        description=event.description,
        address=event.address,
        lon=None if event.position is None else event.position.lon,
        lat=None if event.position is None else event.position.lat,
        level=event.level.value,
        state=event.state.value,
        reported_at=event.reported_at,
        reported_day=local_day(event.reported_at).isoformat(),
        reported_ms=epoch_ms(event.reported_at),
        acceptance_days=event.acceptance_span.days,
        acceptance_hours=str(event.acceptance_span.hours),
        closure_days=event.closure_span.days,
        closure_hours=str(event.closure_span.hours),
        acceptance_deadline=event.acceptance_deadline,
        closure_deadline=event.closure_deadline,
        accepted_at=event.accepted_at,
        resolved_at=event.resolved_at,
        closed_at=event.closed_at,
        accepted_on_time=event.accepted_on_time,
        closed_on_time=event.closed_on_time,
        department_id=event.department_id,
        suspended_from=None if event.suspended_from is None else event.suspended_from.value,
        pauses=[
            PauseDocument(kind=pause.kind.value, start=pause.start, end=pause.end)
            for pause in event.pauses
        ],
        extra_days=event.extra_days,
        extra_hours=str(event.extra_hours),
        extended_until=event.extended_until,
        review_outcome=None if event.review_outcome is None else event.review_outcome.value,
        unqualified_reason=None
        if event.unqualified_reason is None
        else event.unqualified_reason.value,
        shirked=event.shirked,
        late_report=event.late_report,
        merged_into=event.merged_into,
        overdue=sorted(event.overdue),
        overdue_now=overdue_now(event),
        history=[
            TransitionDocument(
                **entry_fields(entry),
                level=None if entry.level is None else entry.level.value,
                department_id=entry.department_id,
            )
            for entry in event.history
        ],
        watch=due is not None,
        due_ms=None if due is None else epoch_ms(due),
    )


def to_domain(doc: EventDocument) -> Event:
    position = None if doc.lon is None or doc.lat is None else Position(doc.lon, doc.lat)
    return Event(
        event_id=doc.event_id,
        tenant_id=doc.tenant_id,
        grid_id=doc.grid_id,
        division_id=doc.division_id,
        reporter_id=doc.reporter_id,
        reporter_role=ActingAs(doc.reporter_role),
        source=Source(doc.source),
        category=doc.category,
        title=doc.title,
        description=doc.description or "",
        address=doc.address or "",
        position=position,
        level=Level(doc.level),
        state=State(doc.state),
        reported_at=required(doc.reported_at),
        acceptance_span=Span(doc.acceptance_days, Decimal(doc.acceptance_hours)),
        closure_span=Span(doc.closure_days, Decimal(doc.closure_hours)),
        acceptance_deadline=required(doc.acceptance_deadline),
        closure_deadline=aware(doc.closure_deadline),
        accepted_at=aware(doc.accepted_at),
        resolved_at=aware(doc.resolved_at),
        closed_at=aware(doc.closed_at),
        accepted_on_time=doc.accepted_on_time,
        closed_on_time=doc.closed_on_time,
        department_id=doc.department_id,
        suspended_from=None if doc.suspended_from is None else State(doc.suspended_from),
        pauses=tuple(
            Pause(kind=PauseKind(p.kind), start=required(p.start), end=aware(p.end))
            for p in doc.pauses
        ),
        extra_days=doc.extra_days,
        extra_hours=Decimal(doc.extra_hours),
        extended_until=aware(doc.extended_until),
        review_outcome=None if doc.review_outcome is None else ReviewOutcome(doc.review_outcome),
        unqualified_reason=None
        if doc.unqualified_reason is None
        else UnqualifiedReason(doc.unqualified_reason),
        shirked=doc.shirked,
        late_report=doc.late_report,
        merged_into=doc.merged_into,
        overdue=frozenset(doc.overdue),
        history=tuple(
            Transition(
                **entry_values(entry, Action, State),
                level=None if entry.level is None else Level(entry.level),
                department_id=entry.department_id,
            )
            for entry in doc.history
        ),
        revision=doc.revision,
    )
