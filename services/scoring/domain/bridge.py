"""The bridge from the ledger to the engine: one period's entries become a scheme's facts.

`build` takes what the store holds (the period's ledger entries of the metrics the scheme
reads, the registry's grids and team memberships with their history, the manual inputs of the
period) and gives `FactsWithTrace`: the engine's `Facts` and, per subject and input, the trace
behind each value (ledger entry and event ids, the grids a registry figure counted, the manual
input and its evidence), for score sheets.

Pure: no store, no clock. The rules:

- **Subjects** are the scheme's kind in the period: the grids in force on any of its days,
  the divisions of those grids (and every division registered by its end), or the people
  serving in a grid team as a worker (`metrics.WORKER_ROLES`) on any of its days.
- **Which entries**: those that count (neither retractions nor retracted) of the days of the
  period; a gauge (a published rate) only when published for exactly this period.
- **Attribution as of the fact's day** (`Registry`): a grid's fact counts for the grid, for its
  division, and for the grid's worker on the fact's day (the earliest-starting worker
  membership covering that day, when the fact names no worker itself); a gauge only for a
  subject of its own kind. A shared input (``scope: shared``) reads the whole tenant.
- **Aggregation** (`mapping`): count, sum, rate (percent; no value when the denominator is
  0), last, mean (no value without entries), dates, any, by_key. Registry (state) metrics
  are counted over the grids in force on the ``as_of`` day.
- **Manual inputs** feed the inputs declared ``source: manual``; a platform input without
  ``from`` gets nothing (listed in `unmapped`, so the engine's default or "not assessable"
  shows).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from shared.periods import Period
from shared.registry.model import GridRef, Membership

from .facts import Facts, SubjectFacts
from .ledger import LedgerEntry, counted
from .mapping import InputMapping, MetricRef, day_of_year
from .metrics import (
    ANY,
    BY_KEY,
    COUNT,
    DATES,
    LAST,
    MEAN,
    RATE,
    STATE,
    SUM,
    WORKER_ROLES,
    metric,
)
from .numbers import CONTEXT, HUNDRED, ZERO
from .results import shown
from .scheme import InputDef, Scheme

SHARED = "*"  # the subject key of a shared input's trace


@dataclass(frozen=True, slots=True)
class TraceItem:
    """One thing behind a fact: a ledger entry (`source` ``ledger``: `ref` the entry id, with
    the event and aggregate it was learned from), a grid a registry figure counted
    (``registry``: `ref` the grid id) or a manual input (``manual``: `ref` its id, `note` its
    evidence)."""

    source: str
    ref: str
    value: str
    metric: str | None = None
    day: str | None = None
    event_id: str | None = None
    aggregate: str | None = None
    key: str | None = None
    role: str | None = None  # a rate's part: numerator or denominator
    note: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FactsWithTrace:
    """A scheme's facts for one period, and what each value was made of.

    `trace[(subject_id, input_id)]` lists the items behind a subject's value (`SHARED` as
    the subject of a shared input); `unmapped` names the platform inputs the scheme does not
    say how to fill."""

    facts: Facts
    trace: Mapping[tuple[str, str], tuple[TraceItem, ...]]
    unmapped: tuple[str, ...] = ()


@dataclass(frozen=True)
class ManualValue:
    """The current value of a manual input for one subject (None: shared) and period."""

    input_id: str
    subject_id: str | None
    value: object
    record_id: str
    version: int
    evidence: str
    refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Subject:
    id: str
    name: str


class Registry:
    """The registry's history as scoring's read model holds it: which grid was in force on a
    day, in which division, and who served it as its worker."""

    def __init__(self, grids: Iterable[GridRef], memberships: Iterable[Membership]) -> None:
        self.grids = {grid.grid_id: grid for grid in grids}
        self._workers: dict[str, list[Membership]] = defaultdict(list)
        for membership in memberships:
            if membership.role in WORKER_ROLES:
                self._workers[membership.grid_id].append(membership)
        for found in self._workers.values():
            found.sort(key=lambda m: (m.starts_on, m.membership_id))
        self._worker_on: dict[tuple[str, date], str | None] = {}

    def division_of(self, grid_id: str) -> str | None:
        grid = self.grids.get(grid_id)
        return None if grid is None else grid.division_id

    def worker_of(self, grid_id: str, day: date) -> str | None:
        """The grid's worker on `day`: the earliest-starting worker membership covering it."""
        key = (grid_id, day)
        if key not in self._worker_on:
            self._worker_on[key] = next(
                (
                    m.user_id
                    for m in self._workers.get(grid_id, ())
                    if m.user_id is not None and m.covers(day)
                ),
                None,
            )
        return self._worker_on[key]

    def staffed(self, grid_id: str, day: date) -> bool:
        """Whether the grid had a worker membership covering `day` (with a login or not)."""
        return any(m.covers(day) for m in self._workers.get(grid_id, ()))

    def in_force(self, day: date) -> list[GridRef]:
        return sorted(
            (grid for grid in self.grids.values() if grid.in_force_on(day)),
            key=lambda grid: grid.grid_id,
        )

    def grids_during(self, period: Period) -> list[GridRef]:
        """The grids in force on at least one day of the period."""
        return sorted(
            (grid for grid in self.grids.values() if _in_force_during(grid, period)),
            key=lambda grid: (grid.code, grid.grid_id),
        )

    def workers_during(self, period: Period) -> list[str]:
        """Everyone with a worker membership covering at least one day of the period."""
        found = {
            m.user_id
            for memberships in self._workers.values()
            for m in memberships
            if m.user_id is not None
            and m.starts_on <= period.end
            and (m.ends_on is None or m.ends_on >= period.start)
        }
        return sorted(found)


def _in_force_during(grid: GridRef, period: Period) -> bool:
    if grid.valid_from > period.end:
        return False
    if grid.valid_to is not None:
        return grid.valid_to >= period.start
    return grid.status != "retired"


def subjects(
    kind: str, period: Period, registry: Registry, divisions: Iterable[LedgerEntry]
) -> list[Subject]:
    """The scheme's subjects in the period (see the module), named where the ledger knows."""
    if kind == "grid":
        return [Subject(g.grid_id, g.name) for g in registry.grids_during(period)]
    if kind == "worker":
        return [Subject(user, user) for user in registry.workers_during(period)]
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    # Registrations and renames (`registry.division_names`) in the order they happened: the
    # name a division had at the period's end.
    for entry in sorted(counted(divisions), key=lambda e: (e.day, e.at_ms)):
        if entry.day <= period.end:
            names[entry.subject_id] = entry.attributes.get("name", entry.subject_id)
            codes[entry.subject_id] = entry.attributes.get("code", entry.subject_id)
    found = {g.division_id for g in registry.grids_during(period)} | set(names)
    # In the registry's code order (A-V01, A-V02...), as the town lists its villages.
    ordered = sorted(found, key=lambda d: (codes.get(d, d), d))
    return [Subject(d, names.get(d, d)) for d in ordered]


def metrics_read(scheme: Scheme) -> tuple[list[str], list[str]]:
    """(flow metrics, state metrics) the scheme's mappings read."""
    flows: set[str] = set()
    states: set[str] = set()
    for item in scheme.inputs:
        if item.mapping is None or item.source != "platform":
            continue
        for ref in item.mapping.refs:
            found = metric(ref.metric)
            if found is not None:
                (states if found.origin == STATE else flows).add(ref.metric)
    return sorted(flows), sorted(states)


def months_of(period: Period) -> list[str]:
    """The month buckets (``2026-11``) a period's days fall in."""
    months: list[str] = []
    year, month = period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# -- the build -----------------------------------------------------------------------------------

_TracedEntries = list[tuple[LedgerEntry, TraceItem]]


def build(
    scheme: Scheme,
    period: Period,
    *,
    entries: Iterable[LedgerEntry],
    registry: Registry,
    divisions: Sequence[LedgerEntry] = (),
    manual: Iterable[ManualValue] = (),
) -> FactsWithTrace:
    """The scheme's facts of `period` from the ledger, the registry and manual inputs."""
    people = subjects(scheme.subject, period, registry, divisions)
    ids = {s.id for s in people}
    reader = _Reader(scheme.subject, period, registry, ids, entries)
    values: dict[str, dict[str, object]] = {s.id: {} for s in people}
    shared: dict[str, object] = {}
    trace: dict[tuple[str, str], tuple[TraceItem, ...]] = {}
    unmapped: list[str] = []
    by_input = _manual_by_input(manual)
    for item in scheme.inputs:
        if item.source == "manual":
            _fill_manual(
                item, by_input.get(item.id, {}), ids=ids, values=values, shared=shared, trace=trace
            )
            continue
        if item.mapping is None:
            unmapped.append(item.id)
            continue
        if item.scope == "shared":
            value, items = reader.value(item.mapping, None)
            if value is not None:
                shared[item.id] = value
            trace[(SHARED, item.id)] = items
            continue
        for subject_id in sorted(ids):
            value, items = reader.value(item.mapping, subject_id)
            if value is not None:
                values[subject_id][item.id] = value
            trace[(subject_id, item.id)] = items
    facts = Facts(
        period=_period_value(period),
        shared=shared,
        subjects=tuple(SubjectFacts(s.id, s.name, values[s.id]) for s in people),
    )
    return FactsWithTrace(facts, trace, tuple(unmapped))


def _period_value(period: Period) -> object:
    if period.kind == "custom":
        return {"start": period.start.isoformat(), "end": period.end.isoformat()}
    return period.label


def _manual_by_input(
    manual: Iterable[ManualValue],
) -> dict[str, dict[str | None, ManualValue]]:
    found: dict[str, dict[str | None, ManualValue]] = defaultdict(dict)
    for value in manual:
        found[value.input_id][value.subject_id] = value
    return found


def _fill_manual(
    item: InputDef,
    by_subject: Mapping[str | None, ManualValue],
    *,
    ids: set[str],
    values: dict[str, dict[str, object]],
    shared: dict[str, object],
    trace: dict[tuple[str, str], tuple[TraceItem, ...]],
) -> None:
    if item.scope == "shared":
        found = by_subject.get(None)
        if found is not None:
            shared[item.id] = found.value
            trace[(SHARED, item.id)] = manual_trace(found)
        return
    for subject_id, found in by_subject.items():
        if subject_id is not None and subject_id in ids:
            values[subject_id][item.id] = found.value
            trace[(subject_id, item.id)] = manual_trace(found)


def manual_trace(found: ManualValue) -> tuple[TraceItem, ...]:
    """What a value entered by hand rests on: its manual input, revision and evidence."""
    return (
        TraceItem(
            "manual",
            found.record_id,
            shown(found.value),  # as the sheet shows the fact itself
            note=found.evidence,
            attributes={"version": str(found.version), "refs": ", ".join(found.refs)},
        ),
    )


class _Reader:
    """The period's entries grouped by metric and attributed to the scheme's subjects."""

    def __init__(
        self,
        kind: str,
        period: Period,
        registry: Registry,
        ids: set[str],
        entries: Iterable[LedgerEntry],
    ) -> None:
        self.kind = kind
        self.period = period
        self.registry = registry
        self.ids = ids
        # metric -> subject id -> entries; SHARED collects the tenant's whole (shared inputs).
        self.rows: dict[str, dict[str, list[LedgerEntry]]] = defaultdict(lambda: defaultdict(list))
        self._items: dict[int, TraceItem] = {}
        for entry in counted(entries):
            found = metric(entry.metric)
            if found is None:
                continue
            if found.period_scoped:
                if entry.period != period.label:
                    continue
            elif not period.start <= entry.day <= period.end:
                continue
            by_subject = self.rows[entry.metric]
            if found.rollup or entry.subject_kind == "tenant":
                by_subject[SHARED].append(entry)
            subject = self._subject_of(entry, rollup=found.rollup)
            if subject is not None:
                by_subject[subject].append(entry)

    def _item(self, entry: LedgerEntry) -> TraceItem:
        """An entry's trace item, made once however many inputs it feeds (an event counts
        towards the total and towards its category)."""
        key = id(entry)
        found = self._items.get(key)
        if found is None:
            found = self._items[key] = _ledger_item(entry)
        return found

    def _subject_of(self, entry: LedgerEntry, *, rollup: bool) -> str | None:
        """The scheme subject an entry counts for on its day (None: none of them)."""
        if entry.subject_kind == self.kind:
            return entry.subject_id
        if not rollup:
            return None
        grid = entry.grid_id
        if self.kind == "grid":
            return grid
        if self.kind == "division":
            found = None if grid is None else self.registry.division_of(grid)
            return found or entry.division_id
        if self.kind == "worker" and entry.worker_id is None and grid is not None:
            return self.registry.worker_of(grid, entry.day)
        return entry.worker_id if self.kind == "worker" else None

    # -- one value ----------------------------------------------------------------------------

    def value(
        self, mapping: InputMapping, subject_id: str | None
    ) -> tuple[object | None, tuple[TraceItem, ...]]:
        """The value of one input for one subject (None: the tenant's whole) and its trace."""
        if mapping.aggregate == RATE:
            assert mapping.numerator is not None
            assert mapping.denominator is not None
            top = self._rows(mapping.numerator, subject_id, mapping.as_of)
            bottom = self._rows(mapping.denominator, subject_id, mapping.as_of)
            items = (
                *(_as(item, "numerator") for _, item in top),
                *(_as(item, "denominator") for _, item in bottom),
            )
            den = _sum(bottom)
            if den == ZERO:
                return None, items
            return CONTEXT.divide(_sum(top) * HUNDRED, den), items
        assert mapping.source is not None
        rows = self._rows(mapping.source, subject_id, mapping.as_of)
        items = tuple(item for _, item in rows)
        return _aggregate(mapping.aggregate, rows), items

    def _rows(self, ref: MetricRef, subject_id: str | None, as_of: str) -> _TracedEntries:
        found = metric(ref.metric)
        if found is not None and found.origin == STATE:
            rows = self._state_rows(ref, subject_id, as_of)
        else:
            entries = self.rows.get(ref.metric, {}).get(subject_id or SHARED, [])
            if ref.keys:
                entries = [entry for entry in entries if entry.key in ref.keys]
            rows = [(entry, self._item(entry)) for entry in entries]
        return sorted(rows, key=lambda row: (row[0].day, row[0].at_ms, row[1].ref))

    def _state_rows(self, ref: MetricRef, subject_id: str | None, as_of: str) -> _TracedEntries:
        """One row per grid in force on the `as_of` day that counts for the subject (and, for
        ``registry.grids_staffed``, had a worker that day)."""
        day = self._as_of(as_of)
        rows: _TracedEntries = []
        for grid in self.registry.in_force(day):
            if ref.metric == "registry.grids_staffed" and not self.registry.staffed(
                grid.grid_id, day
            ):
                continue
            if ref.keys and grid.type not in ref.keys:
                continue
            if subject_id is not None and subject_id not in self._grid_subjects(grid, day):
                continue
            entry = LedgerEntry(
                tenant_id="",
                event_id="",
                event_type="",
                aggregate=f"grid:{grid.grid_id}",
                position="",
                subject_kind="grid",
                subject_id=grid.grid_id,
                metric=ref.metric,
                value=Decimal(1),
                day=day,
                at_ms=0,
                key=grid.type,
                grid_id=grid.grid_id,
                division_id=grid.division_id,
            )
            item = TraceItem(
                "registry",
                grid.grid_id,
                "1",
                metric=ref.metric,
                day=day.isoformat(),
                key=grid.type,
                attributes={"code": grid.code, "name": grid.name},
            )
            rows.append((entry, item))
        return rows

    def _grid_subjects(self, grid: GridRef, day: date) -> set[str]:
        if self.kind == "grid":
            return {grid.grid_id}
        if self.kind == "division":
            return {grid.division_id}
        worker = self.registry.worker_of(grid.grid_id, day)
        return set() if worker is None else {worker}

    def _as_of(self, as_of: str) -> date:
        if as_of == "start":
            return self.period.start
        if as_of == "end":
            return self.period.end
        day = day_of_year(as_of, self.period.end.year)
        if day is None or not self.period.start <= day <= self.period.end:
            return self.period.end
        return day


def _ledger_item(entry: LedgerEntry) -> TraceItem:
    # Positional: a year's read makes hundreds of thousands of these.
    return TraceItem(
        "ledger",
        entry.entry_id,
        str(entry.value),
        entry.metric,
        entry.day.isoformat(),
        entry.event_id,
        entry.aggregate,
        entry.key,
        None,
        None,
        entry.attributes,
    )


def _as(item: TraceItem, role: str) -> TraceItem:
    return TraceItem(
        item.source,
        item.ref,
        item.value,
        metric=item.metric,
        day=item.day,
        event_id=item.event_id,
        aggregate=item.aggregate,
        key=item.key,
        role=role,
        note=item.note,
        attributes=item.attributes,
    )


def _sum(rows: _TracedEntries) -> Decimal:
    return sum((entry.value for entry, _ in rows), ZERO)


def _by_key(rows: _TracedEntries) -> dict[str, Decimal]:
    counts: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry, _ in rows:
        if entry.key is not None:
            counts[entry.key] += entry.value
    return dict(sorted(counts.items()))


def _last(rows: _TracedEntries) -> Decimal | None:
    if not rows:
        return None
    return max(rows, key=lambda row: (row[0].at_ms, row[1].ref))[0].value


def _mean(rows: _TracedEntries) -> Decimal | None:
    return CONTEXT.divide(_sum(rows), Decimal(len(rows))) if rows else None


# How the rows of one subject become a value (rate is computed apart: two metrics). Without
# rows a count is 0, a list of days empty, a presence false; a last or mean has no value.
_AGGREGATIONS: Mapping[str, Callable[[_TracedEntries], object | None]] = {
    COUNT: lambda rows: Decimal(len(rows)),
    SUM: _sum,
    DATES: lambda rows: sorted({entry.day.isoformat() for entry, _ in rows}),
    ANY: lambda rows: any(entry.value != ZERO for entry, _ in rows),
    BY_KEY: _by_key,
    LAST: _last,
    MEAN: _mean,
}


def _aggregate(aggregate: str, rows: _TracedEntries) -> object | None:
    return _AGGREGATIONS[aggregate](rows)


__all__ = [
    "SHARED",
    "FactsWithTrace",
    "ManualValue",
    "Registry",
    "Subject",
    "TraceItem",
    "build",
    "metrics_read",
    "months_of",
    "subjects",
]
