"""Where a platform input's value comes from: an input's ``from`` in the scheme language.

A scheme declares, per input, which metric of the catalogue (`.metrics`) feeds it and how
its entries of one subject and period become one value, so a tenant's scheme gets its facts
from the ledger without code::

    - {id: events_total, type: integer, source: platform,
       from: {metric: intake.events_reported, aggregate: count}}
    - {id: events_public_order, type: integer, source: platform,
       from: {metric: intake.events_reported, aggregate: count, key: social_security}}
    - {id: staffing_rate, type: percent, source: platform,
       from: {aggregate: rate, as_of: "11-30",
              numerator: {metric: registry.grids_staffed, key: [community, village]},
              denominator: {metric: registry.grids, key: [community, village]}}}
    - {id: patrol_failing_days, type: dates, source: platform,
       from: {metric: patrol.failing_days, aggregate: dates}}

Aggregations: ``count`` (entries), ``sum`` (their values), ``rate`` (sum of the numerator's
values over the denominator's, in percent), ``last`` (the latest published value), ``mean``,
``dates`` (the days with an entry), ``any`` (true when there is one), ``by_key`` (counts per
key, for ``counts`` inputs). ``key`` keeps only the entries with that key (or one of those
keys). ``as_of`` (``end``, ``start`` or ``MM-DD`` of a yearly period) is the day a registry
(state) metric is read on; the period's last day by default.

Every mistake is a problem with its path: an unknown metric (naming the closest), an
aggregation the input's type or the metric does not take, a key the metric does not have,
``from`` on a manual input (those are entered by the centre, with evidence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .metrics import (
    AGGREGATES,
    FOR_INPUT_TYPE,
    RATE,
    STATE,
    Metric,
    closest,
    metric,
)
from .problems import Problem, Reader

_AS_OF = re.compile(r"^(\d{2})-(\d{2})$")
_STATE_AGGREGATES = ("count", "sum", "rate", "any", "by_key")


@dataclass(frozen=True)
class MetricRef:
    """A metric and the keys of its entries that count (none given: every key)."""

    metric: str
    keys: tuple[str, ...] = ()

    def spec(self) -> str:
        """As written, for a trace or a message: ``intake.events_reported[social_security]``."""
        return f"{self.metric}[{','.join(self.keys)}]" if self.keys else self.metric


@dataclass(frozen=True)
class InputMapping:
    """How one platform input gets its value: an aggregation over one metric (or, for
    ``rate``, over a numerator and a denominator) and the day state metrics are read on."""

    aggregate: str
    source: MetricRef | None = None
    numerator: MetricRef | None = None
    denominator: MetricRef | None = None
    as_of: str = "end"

    @property
    def refs(self) -> tuple[MetricRef, ...]:
        """Every metric the mapping reads."""
        return tuple(ref for ref in (self.source, self.numerator, self.denominator) if ref)


def parse_mapping(r: Reader, *, input_type: str | None, source: str | None) -> InputMapping | None:
    """The ``from`` of the input read by ``r`` (None when absent or wrong: problems recorded)."""
    if not r.has("from"):
        return None
    if source == "manual":
        r.fail(
            "a manual input is entered by the centre with its evidence (manual inputs); "
            "only platform inputs take from",
            "from",
        )
        return None
    sub = r.mapping("from")
    if sub is None:
        return None
    sub.only(("metric", "aggregate", "key", "numerator", "denominator", "as_of"))
    aggregate = sub.string("aggregate", choices=AGGREGATES)
    fits = FOR_INPUT_TYPE.get(input_type or "", ())
    if aggregate is not None and input_type is not None and aggregate not in fits:
        sub.fail(
            f"does not fit an input of type {input_type} (use {' or '.join(fits)})", "aggregate"
        )
        aggregate = None
    if aggregate == RATE:
        return _rate(sub)
    for key in ("numerator", "denominator"):
        if sub.has(key):
            sub.fail("only a rate takes a numerator and a denominator", key)
    found = _metric(sub, "metric", aggregate)
    keys = _keys(sub, "key", found)
    ref = None if found is None or keys is None else MetricRef(found.name, keys)
    as_of = _as_of(sub, [] if ref is None else [ref])
    if aggregate is None or ref is None or as_of is None:
        return None
    return InputMapping(aggregate, source=ref, as_of=as_of)


def _rate(sub: Reader) -> InputMapping | None:
    """``rate``: the sum of the numerator's values over the denominator's, in percent."""
    for key in ("metric", "key"):
        if sub.has(key):
            sub.fail("a rate names its numerator and denominator instead", key)
    numerator = _ref(sub, "numerator", RATE)
    denominator = _ref(sub, "denominator", RATE)
    as_of = _as_of(sub, [ref for ref in (numerator, denominator) if ref is not None])
    if numerator is None or denominator is None or as_of is None:
        return None
    return InputMapping(RATE, numerator=numerator, denominator=denominator, as_of=as_of)


def _ref(sub: Reader, key: str, aggregate: str | None) -> MetricRef | None:
    """A rate's numerator or denominator: a metric name or ``{metric, key}``."""
    raw = sub.raw(key)
    if raw is None:
        sub.fail("is required", key)
        return None
    if isinstance(raw, str):
        found = _named(sub, key, raw, aggregate)
        return None if found is None else MetricRef(found.name)
    part = sub.mapping(key)
    if part is None:
        return None
    part.only(("metric", "key"))
    found = _metric(part, "metric", aggregate)
    keys = _keys(part, "key", found)
    return None if found is None or keys is None else MetricRef(found.name, keys)


def _metric(r: Reader, key: str, aggregate: str | None) -> Metric | None:
    name = r.string(key)
    return None if name is None else _named(r, key, name, aggregate)


def _named(r: Reader, key: str, name: str, aggregate: str | None) -> Metric | None:
    found = metric(name)
    if found is None:
        near = closest(name)
        hint = f"; did you mean {near}?" if near else ""
        r.fail(f"is not a metric of the catalogue{hint}", key)
        return None
    allowed = _STATE_AGGREGATES if found.origin == STATE else found.aggregates
    if aggregate is not None and aggregate not in allowed:
        r.fail(f"metric {name} takes {', '.join(allowed)}, not {aggregate}", key)
        return None
    return found


def _keys(r: Reader, key: str, found: Metric | None) -> tuple[str, ...] | None:
    raw = r.raw(key)
    if raw is None:
        return ()
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        r.fail("must be a key or a non-empty list of keys", key)
        return None
    if found is None:
        return None
    if found.key is None:
        r.fail(f"metric {found.name} has no key", key)
        return None
    if found.keys:
        for i, value in enumerate(values):
            if value not in found.keys:
                at = r.at(key) if isinstance(raw, str) else f"{r.at(key)}[{i}]"
                r.problems.append(
                    Problem(at, f"is not a key of {found.name} (one of {', '.join(found.keys)})")
                )
                return None
    return tuple(values)


def _as_of(r: Reader, refs: list[MetricRef]) -> str | None:
    if not r.has("as_of"):
        return "end"
    value = r.string("as_of")
    if value is None:
        return None
    if refs and not any(_is_state(ref) for ref in refs):
        r.fail("only registry (state) metrics are read as of a day", "as_of")
        return None
    if value not in ("start", "end") and day_of_year(value, 2000) is None:
        r.fail("must be start, end or a day of the year as MM-DD", "as_of")
        return None
    return value


def day_of_year(value: str, year: int) -> date | None:
    """``MM-DD`` in ``year`` (None when it is no day: ``02-30``, or 02-29 of a common year)."""
    match = _AS_OF.match(value)
    if match is None:
        return None
    try:
        return date(year, int(match[1]), int(match[2]))
    except ValueError:
        return None


def _is_state(ref: MetricRef) -> bool:
    found = metric(ref.metric)
    return found is not None and found.origin == STATE


def check_against_period(
    mappings: list[tuple[str, InputMapping]], period: str | None
) -> list[Problem]:
    """A day of the year (``as_of: MM-DD``) only makes sense for a yearly scheme."""
    if period is None or period == "year":
        return []
    return [
        Problem(f"{path}.from.as_of", f"a day of the year needs a yearly scheme, not {period}")
        for path, mapping in mappings
        if mapping.as_of not in ("start", "end")
    ]


__all__ = ["InputMapping", "MetricRef", "check_against_period", "day_of_year", "parse_mapping"]
