"""The metric ledger: facts the scoring service learns from other services' events.

One entry per (message, subject, metric[, key]): ``_id`` is
``<event_id>:<subject_kind>:<subject_id>:<metric>[:<key>]``, so a redelivered message finds
its entries already there and changes nothing. Each entry carries its metric's value (an exact
Decimal), the day and month (Asia/Shanghai) it counts in, the aggregate it was learned from
and that aggregate's position (`sources`).

**Corrections never count twice.** Producers publish an aggregate's whole state after every
change (an event closed, reopened, closed again; a patrol day corrected at version 2; rates
published again as edition 2), so each message yields the complete set of facts its aggregate
stands for now (`sources.Observation`), and the ledger keeps, per aggregate, exactly that set:

1. A message older than what the aggregate already reflects is *stale* and changes nothing:
   its position (the message's instant for intake events, tasks, inspections and records; the
   version of a patrol day or period; the edition of published rates) is below the newest
   position recorded for the aggregate. Messages of one aggregate share a Kafka key and arrive
   in order; what arrives out of order is a redelivery or a replay from an earlier offset.
2. Otherwise its facts are compared with the aggregate's live entries: a fact already there,
   identical in every figure (subject, metric, key, value, day, instant, period, grid,
   division, worker, attributes), stays as it is; a live entry the message no longer yields is
   *retracted*; a new fact is *added* under the message's event id.
3. A retraction is an entry of its own, appended, never an update: ``_id``
   ``<event_id>:retracts:<entry id>``, `retracts` naming the entry, the negated value, and
   the retracted entry's day, month and period, so a reader of any bucket sees both and
   counts neither (an accountant's reversing entry: a plain sum over all entries is right
   too). Nothing in the ledger is ever updated, which FerretDB could not do atomically.
4. A message carrying one part of a larger set (`Observation.partial`: a publication of rates
   in parts) leaves the entries of its own position alone (the other parts of its edition)
   and retracts every entry of an older one, re-adding under its own id what it still holds:
   once all parts of an edition arrived, exactly that edition's facts count.

So an event reported, closed on time, reopened and closed late counts once as reported and
once as closed (late); a patrol day corrected from failed to excused leaves no failing day; a
second edition of a period's rates replaces the first. Replaying every message in order into
an empty ledger (`rebuild`) applies the same rule to the same messages and gives the same
entries, ids included (`AggregateState` holds what it needs in memory there).

Entries store what the message said about grid, division and worker. Who a fact counts for in
a scheme (the grid's division, its full-time worker on the fact's day) is decided when facts
are read (`facts`), from the registry's history: a team change learned late, or corrected
afterwards, re-attributes past facts, and a rebuilt ledger equals the live one whatever order
the topics were replayed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from .sources import Fact, Observation

RETRACTS = "retracts"


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One line of the ledger: ``metric`` of ``subject`` is ``value`` on ``day``, learned from
    message ``event_id`` about ``aggregate``; or, with `retracts` set, the reversal of the
    entry it names."""

    tenant_id: str
    event_id: str
    event_type: str
    aggregate: str
    position: str
    subject_kind: str
    subject_id: str
    metric: str
    value: Decimal
    day: date
    at_ms: int
    key: str | None = None
    period: str | None = None
    grid_id: str | None = None
    division_id: str | None = None
    worker_id: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    retracts: str | None = None
    # The `_id` as read back from the store (it is `entry_id`, derived from the fields):
    # a period's read hands it over instead of formatting it again for each of its rows.
    stored_id: str | None = field(default=None, compare=False, repr=False)

    @property
    def entry_id(self) -> str:
        """The entry's ``_id`` (derived from its fields: the same facts give the same id)."""
        if self.stored_id is not None:
            return self.stored_id
        if self.retracts is not None:
            return f"{self.event_id}:{RETRACTS}:{self.retracts}"
        base = f"{self.event_id}:{self.subject_kind}:{self.subject_id}:{self.metric}"
        return base if self.key is None else f"{base}:{self.key}"

    @property
    def month(self) -> str:
        """The month bucket (``2026-11``) the entry counts in."""
        return self.day.isoformat()[:7]

    @property
    def occurred_at(self) -> datetime:
        """The fact's instant (aware UTC, millisecond precision)."""
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=self.at_ms)

    def identity(self) -> tuple[object, ...]:
        """The same tuple as `Fact.identity`: what decides that a fact is already there."""
        return (
            self.subject_kind,
            self.subject_id,
            self.metric,
            self.key,
            self.value,
            self.day,
            self.at_ms,
            self.period,
            self.grid_id,
            self.division_id,
            self.worker_id,
            tuple(sorted(self.attributes.items())),
        )


@dataclass(frozen=True, slots=True)
class Change:
    """What one observation does to the ledger: the entries to append (new facts and
    retractions), or nothing when the message was stale."""

    added: tuple[LedgerEntry, ...] = ()
    stale: bool = False

    @property
    def recorded(self) -> tuple[LedgerEntry, ...]:
        return tuple(e for e in self.added if e.retracts is None)

    @property
    def retractions(self) -> tuple[LedgerEntry, ...]:
        return tuple(e for e in self.added if e.retracts is not None)


def _entry(
    fact: Fact, observation: Observation, *, tenant_id: str, event_id: str, event_type: str
) -> LedgerEntry:
    return LedgerEntry(
        tenant_id=tenant_id,
        event_id=event_id,
        event_type=event_type,
        aggregate=observation.aggregate,
        position=observation.position,
        subject_kind=fact.subject_kind,
        subject_id=fact.subject_id,
        metric=fact.metric,
        value=fact.value,
        day=fact.day,
        at_ms=fact.at_ms,
        key=fact.key,
        period=fact.period,
        grid_id=fact.grid_id,
        division_id=fact.division_id,
        worker_id=fact.worker_id,
        attributes=dict(fact.attributes),
    )


def _reversal(
    entry: LedgerEntry, observation: Observation, *, event_id: str, event_type: str
) -> LedgerEntry:
    return LedgerEntry(
        tenant_id=entry.tenant_id,
        event_id=event_id,
        event_type=event_type,
        aggregate=entry.aggregate,
        position=observation.position,
        subject_kind=entry.subject_kind,
        subject_id=entry.subject_id,
        metric=entry.metric,
        value=-entry.value,
        day=entry.day,
        at_ms=entry.at_ms,
        key=entry.key,
        period=entry.period,
        grid_id=entry.grid_id,
        division_id=entry.division_id,
        worker_id=entry.worker_id,
        retracts=entry.entry_id,
    )


@dataclass(frozen=True, slots=True)
class AggregateState:
    """What the ledger holds for one aggregate: the newest position recorded and the live
    entries (neither retractions nor retracted)."""

    newest: str | None = None
    live: tuple[LedgerEntry, ...] = ()

    @classmethod
    def of(cls, entries: Iterable[LedgerEntry]) -> AggregateState:
        """The state of an aggregate from all its stored entries, retractions included."""
        stored = list(entries)
        retracted = {e.retracts for e in stored if e.retracts is not None}
        live = tuple(
            sorted(
                (e for e in stored if e.retracts is None and e.entry_id not in retracted),
                key=lambda e: e.entry_id,
            )
        )
        newest = max((e.position for e in stored), default=None)
        return cls(newest, live)

    def apply(
        self, observation: Observation, *, tenant_id: str, event_id: str, event_type: str
    ) -> Change:
        """The entries to append for one observation of this aggregate (see the module)."""
        if self.newest is not None and observation.position < self.newest:
            return Change(stale=True)
        wanted: dict[tuple[object, ...], Fact] = {}
        for fact in observation.facts:
            wanted.setdefault(fact.identity(), fact)
        kept: set[tuple[object, ...]] = set()
        added: list[LedgerEntry] = []
        for entry in self.live:
            older = entry.position < observation.position
            if observation.partial and not older:
                # Its own edition: this part's facts already stored (a redelivery) or another
                # part's, which this part does not speak for.
                kept.add(entry.identity())
                continue
            identity = entry.identity()
            if identity in wanted and identity not in kept and not observation.partial:
                kept.add(identity)
                continue
            added.append(_reversal(entry, observation, event_id=event_id, event_type=event_type))
        new = [
            _entry(fact, observation, tenant_id=tenant_id, event_id=event_id, event_type=event_type)
            for identity, fact in wanted.items()
            if identity not in kept
        ]
        ids = [entry.entry_id for entry in new]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{observation.aggregate}: two facts of one message share an id")
        return Change((*added, *new))

    def after(self, change: Change) -> AggregateState:
        """The state once `change` is stored (what a replay keeps in memory)."""
        if change.stale or not change.added:
            return self
        gone = {e.retracts for e in change.added if e.retracts is not None}
        live = tuple(
            sorted(
                (*(e for e in self.live if e.entry_id not in gone), *change.recorded),
                key=lambda e: e.entry_id,
            )
        )
        positions = [e.position for e in change.added]
        if self.newest is not None:
            positions.append(self.newest)
        newest = max(positions)
        return AggregateState(newest, live)


def counted(entries: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """The entries that count: neither retractions nor retracted (within the given entries:
    a retraction sits in the same month as the entry it retracts)."""
    stored = list(entries)
    retracted = {e.retracts for e in stored if e.retracts is not None}
    return [e for e in stored if e.retracts is None and e.entry_id not in retracted]


__all__ = ["AggregateState", "Change", "LedgerEntry", "counted"]
