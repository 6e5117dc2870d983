"""Satisfaction rates (满意率): the arithmetic, the definition, the anonymity rules.

Everything that counts is reduced to `RatedAnswer`s first (an approved survey response, a
resident's rating of his grid worker, a callback after a closed event, a 12345 callback) by
the repository that owns the fact; this module never sees a household.

**A cell** (one source, one grid / worker / division / the tenant): ``n`` answers whose credits
add up to ``satisfied``; its rate is ``satisfied / n`` (4 decimals, half up) with a 95% Wilson
score interval. Credits are 1, 0.5, 0... as the questionnaire (or the definition's basic credit
for 12345 callbacks) says.

**A definition** (`RateDefinition`) names the sources a scheme combines and their weights
(``survey:0.7,hotline:0.3``), and the credit of a 12345 "basically satisfied". Its canonical
``code`` (``survey:0.7,hotline:0.3;basic:0.5``) is how a published rate, a district average and
a scheme refer to "the same definition". A row's rate is the weighted mean of the rates of the
sources it has answers from; when a source is missing, the weights of the present ones are
renormalised to 1 (`RateRow.renormalised` says so). Its interval combines the sources' Wilson
intervals by the MOVER method (Zou & Donner 2008), the usual interval of a weighted sum of
independent proportions; with one source it is that source's Wilson interval.

**Suppression.** A cell with fewer than the tenant's minimum answers (default 5) shows no rate,
no n and no satisfied count. Then complementary suppression: the published cells add up (a
division is its grids, the tenant its divisions, grids and workers; a worker serving exactly
one grid is that grid), so a hidden cell could be recovered by subtracting visible ones from a
visible total. For each source separately, `_protect` follows every such sum repeatedly
(whatever can be derived from what is shown, derived again) and hides one more cell, the
smallest, until no hidden cell below the minimum can be derived and no group of hidden cells a
total reveals has between 1 and minimum - 1 answers. A row (all sources) is hidden when any of
its sources' cells is: the combined rate would otherwise reveal the hidden one.

**The district average** (`district_average`): the plain mean of the member tenants' published,
unsuppressed tenant rates for one period and definition, with the number of tenants counted
and the pooled rate (all their answers together, per source, then weighted).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from enum import StrEnum
from itertools import permutations
from typing import Any, ClassVar, Final

from shared.clock import require_aware
from shared.errors import InvalidInput
from shared.periods import Period

ZERO = Decimal(0)
ONE = Decimal(1)
RATE_PLACES: Final = Decimal("0.0001")
WEIGHT_PLACES: Final = Decimal("0.0001")
# 95% two-sided normal quantile.
Z: Final = Decimal("1.959963984540054")
DEFAULT_MINIMUM = 5
# The minimum can be raised, never lowered below the default: under five answers a rate says
# too much about the households behind it.
MINIMUM_FLOOR = 5
MINIMUM_CEILING = 100
BASIC_CREDITS: Final = (ONE, Decimal("0.5"), ZERO)
DEFAULT_BASIC_CREDIT = Decimal("0.5")


class Source(StrEnum):
    SURVEY = "survey"  # 第三方抽样调查
    WORKER_RATING = "worker_rating"  # 居民评价网格员
    EVENT_CALLBACK = "event_callback"  # 事件办结回访
    HOTLINE = "hotline"  # 12345 回访


class Scope(StrEnum):
    GRID = "grid"
    WORKER = "worker"
    DIVISION = "division"
    TENANT = "tenant"


SOURCE_VALUES = tuple(source.value for source in Source)
SCOPE_VALUES = tuple(scope.value for scope in Scope)
SOURCE_LABELS: Mapping[Source, str] = {
    Source.SURVEY: "第三方抽样调查",
    Source.WORKER_RATING: "居民评价网格员",
    Source.EVENT_CALLBACK: "事件办结回访",
    Source.HOTLINE: "12345回访",
}
_SOURCE_ORDER = {source: index for index, source in enumerate(Source)}
_SCOPE_ORDER = {Scope.TENANT: 0, Scope.DIVISION: 1, Scope.GRID: 2, Scope.WORKER: 3}


@dataclass(frozen=True, slots=True)
class RatedAnswer:
    """One answer that counts, reduced to where it belongs and what it counts."""

    source: Source
    grid_id: str
    division_id: str | None
    worker_id: str | None  # the grid worker rated / serving the grid on the answer's day
    credit: Decimal  # 1, 0.5, 0 ... as the questionnaire (or hotline rule) says


# -- the definition ----------------------------------------------------------------------------


def _plain(value: Decimal) -> str:
    """``0.7`` for Decimal("0.70"), ``1`` for Decimal("1.0"): one spelling per number."""
    return format(value.normalize(), "f")


def canonical(value: Decimal) -> Decimal:
    """``value`` spelt without trailing zeros or an exponent (``8`` for 8.0, ``10`` not
    ``1E+1``): a count of credits reads the same wherever it is shown."""
    return Decimal(_plain(value))


@dataclass(frozen=True)
class RateDefinition:
    """Which sources count, with which weights (adding up to 1), and what a 12345 "basically
    satisfied" counts."""

    weights: Mapping[Source, Decimal]
    basic_credit: Decimal = DEFAULT_BASIC_CREDIT

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(sorted(self.weights, key=_SOURCE_ORDER.__getitem__))

    @property
    def sources_text(self) -> str:
        """``survey:0.7,hotline:0.3`` (sources in a fixed order, plain numbers)."""
        return ",".join(f"{source.value}:{_plain(self.weights[source])}" for source in self.sources)

    @property
    def code(self) -> str:
        """The canonical name: equal definitions have equal codes. The basic credit is part
        of it only when 12345 callbacks count (it changes nothing else)."""
        if Source.HOTLINE in self.weights:
            return f"{self.sources_text};basic:{_plain(self.basic_credit)}"
        return self.sources_text


DEFAULT_DEFINITION = RateDefinition(weights={Source.SURVEY: ONE})


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def parse_sources(text: str, field_name: str = "sources") -> dict[Source, Decimal]:
    """``survey:0.7,hotline:0.3`` (or ``survey`` alone: weight 1) as weights; 422 naming
    ``field_name`` unless every source is known, listed once, weighted above 0 with at most 4
    decimals, and the weights add up to 1."""
    weights: dict[Source, Decimal] = {}
    parts = [part.strip() for part in text.split(",")] if text.strip() else []
    if not parts:
        raise InvalidInput.of(field_name, "name at least one source")
    for part in parts:
        name, _, raw = part.partition(":")
        try:
            source = Source(name.strip())
        except ValueError:
            raise InvalidInput.of(
                field_name, f"unknown source {name.strip()!r}: one of {', '.join(SOURCE_VALUES)}"
            ) from None
        if source in weights:
            raise InvalidInput.of(field_name, f"{source.value} is listed twice")
        weight = ONE if not raw.strip() and len(parts) == 1 else _decimal(raw)
        if weight is None or not ZERO < weight <= ONE or weight != weight.quantize(WEIGHT_PLACES):
            raise InvalidInput.of(
                field_name, f"the weight of {source.value} must be above 0, at most 1, 4 decimals"
            )
        weights[source] = weight.normalize() + ZERO
    if sum(weights.values(), ZERO) != ONE:
        raise InvalidInput.of(field_name, "the weights must add up to 1")
    return weights


def parse_basic_credit(value: object, field_name: str = "basic_credit") -> Decimal:
    """1, 0.5 or 0 (what a 12345 "basically satisfied" counts); 422 otherwise."""
    parsed = value if isinstance(value, Decimal) else _decimal(str(value))
    if isinstance(value, bool) or parsed is None or parsed not in BASIC_CREDITS:
        raise InvalidInput.of(field_name, "must be 1, 0.5 or 0")
    return parsed.normalize() + ZERO


def definition_of(
    sources: str | None, basic_credit: object | None, default: RateDefinition
) -> RateDefinition:
    """The definition a request asks for: its sources and basic credit where given, the
    tenant's default definition for the rest."""
    weights = dict(default.weights) if sources is None else parse_sources(sources)
    basic = default.basic_credit if basic_credit is None else parse_basic_credit(basic_credit)
    return RateDefinition(weights=weights, basic_credit=basic)


def parse_code(code: str, field_name: str = "definition") -> RateDefinition:
    """The definition a code names (``survey:0.7,hotline:0.3;basic:0.5``); 422 unless it is a
    canonical code."""
    sources, _, rest = code.partition(";")
    try:
        weights = parse_sources(sources, field_name)
        basic = DEFAULT_BASIC_CREDIT
        if rest:
            name, _, raw = rest.partition(":")
            if name != "basic":
                raise InvalidInput.of(field_name, "only ;basic:<credit> may follow the sources")
            basic = parse_basic_credit(raw, field_name)
    except InvalidInput as exc:
        raise InvalidInput.of(field_name, exc.reason) from None
    definition = RateDefinition(weights=weights, basic_credit=basic)
    if definition.code != code:
        raise InvalidInput.of(
            field_name, f"is not a canonical code (did you mean {definition.code}?)"
        )
    return definition


def check_minimum(value: int, field_name: str = "min_cell_size") -> int:
    if isinstance(value, bool) or not MINIMUM_FLOOR <= value <= MINIMUM_CEILING:
        raise InvalidInput.of(
            field_name, f"must be a whole number from {MINIMUM_FLOOR} to {MINIMUM_CEILING}"
        )
    return value


# -- one cell -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Interval:
    low: Decimal
    high: Decimal

    def rounded(self) -> Interval:
        return Interval(_round(self.low), _round(self.high))


def _round(value: Decimal) -> Decimal:
    return value.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def cell_rate(n: int, satisfied: Decimal) -> Decimal:
    """``satisfied / n``, 4 decimals, half up (n > 0)."""
    with localcontext() as ctx:
        ctx.prec = 28
        return _round(satisfied / n)


def wilson(n: int, satisfied: Decimal) -> Interval:
    """The 95% Wilson score interval of ``satisfied`` out of ``n`` (unrounded). Half credits
    make the answers values in [0, 1] rather than yes/no; their variance is at most p(1-p), so
    the interval is, if anything, a little wide."""
    with localcontext() as ctx:
        ctx.prec = 28
        p = satisfied / n
        z2 = Z * Z
        denominator = 1 + z2 / n
        centre = (p + z2 / (2 * n)) / denominator
        half = Z * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt() / denominator
        return Interval(max(ZERO, centre - half), min(ONE, centre + half))


@dataclass(frozen=True, slots=True)
class Tally:
    n: int = 0
    satisfied: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class SourceFigure:
    """One source's cell of a row. ``n``, ``satisfied``, ``rate`` and ``interval`` are None
    when the cell is suppressed. ``weight`` is the definition's; ``effective_weight`` the one
    applied after renormalising over the sources present (None when hidden or absent)."""

    source: Source
    weight: Decimal
    n: int | None
    satisfied: Decimal | None
    rate: Decimal | None
    interval: Interval | None
    suppressed: bool
    effective_weight: Decimal | None = None


@dataclass(frozen=True, slots=True)
class RateRow:
    """One subject's rate under a definition. Suppressed: no n, satisfied, rate or interval
    (``n`` below the minimum shows as "<minimum"); ``sources`` still lists each source's cell,
    hidden or not by its own rules."""

    scope: Scope
    subject_id: str
    division_id: str | None
    n: int | None
    satisfied: Decimal | None
    rate: Decimal | None
    interval: Interval | None
    suppressed: bool
    sources: tuple[SourceFigure, ...]
    renormalised: bool = False


@dataclass(frozen=True)
class RateTable:
    """Every row of a tenant's period under one definition (tenant, divisions, grids,
    workers) and the minimum cell size applied."""

    definition: RateDefinition
    minimum: int
    rows: tuple[RateRow, ...]
    _index: Mapping[tuple[Scope, str], RateRow] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {(row.scope, row.subject_id): row for row in self.rows})

    def row(self, scope: Scope, subject_id: str) -> RateRow | None:
        return self._index.get((scope, subject_id))

    def of_scope(self, scope: Scope) -> tuple[RateRow, ...]:
        return tuple(row for row in self.rows if row.scope is scope)


# -- computing a table --------------------------------------------------------------------------

AtomKey = tuple[str, str | None, str | None]  # grid, division, worker
NodeKey = tuple[Scope, str]


def _node_keys(atom: AtomKey, tenant_id: str) -> list[NodeKey]:
    grid_id, division_id, worker_id = atom
    keys: list[NodeKey] = [(Scope.TENANT, tenant_id), (Scope.GRID, grid_id)]
    if division_id is not None:
        keys.append((Scope.DIVISION, division_id))
    if worker_id is not None:
        keys.append((Scope.WORKER, worker_id))
    return keys


def compute_rates(
    answers: Iterable[RatedAnswer],
    definition: RateDefinition,
    *,
    tenant_id: str,
    minimum: int = DEFAULT_MINIMUM,
) -> RateTable:
    """The tenant's rate table: a row per subject with answers in at least one of the
    definition's sources, suppressed as the module docstring says. Answers from other sources
    are ignored."""
    counted = definition.weights
    # Per source, per (grid, division, worker): how many answers and their credits. Credits
    # are few distinct values, so they are counted, and multiplied once per atom.
    credit_counts: dict[Source, dict[AtomKey, Counter[Decimal]]] = {s: {} for s in counted}
    for answer in answers:
        atoms = credit_counts.get(answer.source)
        if atoms is None:
            continue
        key = (answer.grid_id, answer.division_id, answer.worker_id)
        found = atoms.get(key)
        if found is None:
            found = atoms[key] = Counter()
        found[answer.credit] += 1
    tallies: dict[Source, dict[NodeKey, Tally]] = {}
    hidden: dict[Source, set[NodeKey]] = {}
    division_votes: dict[str, Counter[str]] = defaultdict(Counter)
    for source, atoms in credit_counts.items():
        atom_tallies = {
            key: Tally(
                sum(counts.values()), sum((credit * k for credit, k in counts.items()), ZERO)
            )
            for key, counts in atoms.items()
        }
        for (grid_id, division_id, _worker), tally in atom_tallies.items():
            if division_id is not None:
                division_votes[grid_id][division_id] += tally.n
        tallies[source] = _node_tallies(atom_tallies, tenant_id)
        hidden[source] = _protect(atom_tallies, tenant_id, minimum)
    subjects = sorted(
        {key for by_node in tallies.values() for key in by_node},
        key=lambda key: (_SCOPE_ORDER[key[0]], key[1]),
    )
    rows = tuple(
        _row(key, definition, tallies, hidden, _division_of(key, division_votes))
        for key in subjects
    )
    return RateTable(definition=definition, minimum=minimum, rows=rows)


def _division_of(key: NodeKey, votes: Mapping[str, Counter[str]]) -> str | None:
    """The division a grid row sits in: the one most of its answers were given in (a grid
    that changed division within the period is shown under one; deterministic on a tie)."""
    if key[0] is not Scope.GRID or not votes.get(key[1]):
        return None
    counts = votes[key[1]]
    return min(counts, key=lambda division: (-counts[division], division))


def _node_tallies(atoms: Mapping[AtomKey, Tally], tenant_id: str) -> dict[NodeKey, Tally]:
    found: dict[NodeKey, list[int | Decimal]] = {}
    for atom, tally in atoms.items():
        for key in _node_keys(atom, tenant_id):
            entry = found.get(key)
            if entry is None:
                found[key] = [tally.n, tally.satisfied]
            else:
                entry[0] += tally.n
                entry[1] += tally.satisfied
    return {key: Tally(int(n), Decimal(s)) for key, (n, s) in found.items()}


def _combine(
    figures: Sequence[tuple[Source, Decimal, Tally]],
) -> tuple[Decimal, Interval, dict[Source, Decimal]]:
    """The weighted rate of the present sources (weights renormalised over them) and its MOVER
    interval, unrounded; the effective weights."""
    with localcontext() as ctx:
        ctx.prec = 28
        total_weight = sum((weight for _s, weight, _t in figures), ZERO)
        effective = {source: weight / total_weight for source, weight, _t in figures}
        rate = ZERO
        below = above = ZERO
        for source, _weight, tally in figures:
            p = tally.satisfied / tally.n
            interval = wilson(tally.n, tally.satisfied)
            w = effective[source]
            rate += w * p
            below += (w * (p - interval.low)) ** 2
            above += (w * (interval.high - p)) ** 2
        low = max(ZERO, rate - below.sqrt())
        high = min(ONE, rate + above.sqrt())
        return rate, Interval(low, high), effective


def _row(
    key: NodeKey,
    definition: RateDefinition,
    tallies: Mapping[Source, Mapping[NodeKey, Tally]],
    hidden: Mapping[Source, set[NodeKey]],
    division_id: str | None,
) -> RateRow:
    present: list[tuple[Source, Decimal, Tally]] = []
    suppressed = False
    for source in definition.sources:
        tally = tallies[source].get(key)
        if tally is None or tally.n == 0:
            continue
        present.append((source, definition.weights[source], tally))
        suppressed = suppressed or key in hidden[source]
    rate, interval, effective = _combine(present)
    figures = []
    for source in definition.sources:
        tally = tallies[source].get(key, Tally())
        weight = definition.weights[source]
        if tally.n == 0:
            figures.append(SourceFigure(source, weight, 0, ZERO, None, None, suppressed=False))
        elif key in hidden[source]:
            figures.append(SourceFigure(source, weight, None, None, None, None, suppressed=True))
        else:
            figures.append(
                SourceFigure(
                    source,
                    weight,
                    tally.n,
                    canonical(tally.satisfied),
                    cell_rate(tally.n, tally.satisfied),
                    wilson(tally.n, tally.satisfied).rounded(),
                    suppressed=False,
                    effective_weight=None if suppressed else _round(effective[source]),
                )
            )
    renormalised = len(present) < len(definition.sources)
    if suppressed:
        return RateRow(
            scope=key[0],
            subject_id=key[1],
            division_id=division_id,
            n=None,
            satisfied=None,
            rate=None,
            interval=None,
            suppressed=True,
            sources=tuple(figures),
            renormalised=renormalised,
        )
    return RateRow(
        scope=key[0],
        subject_id=key[1],
        division_id=division_id,
        n=sum(tally.n for _s, _w, tally in present),
        satisfied=canonical(sum((tally.satisfied for _s, _w, tally in present), ZERO)),
        rate=_round(rate),
        interval=interval.rounded(),
        suppressed=False,
        sources=tuple(figures),
        renormalised=renormalised,
    )


# -- complementary suppression ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Relation:
    """``whole`` = sum of ``parts``: the class ids of sets of answers."""

    whole: int
    parts: tuple[int, ...]

    @property
    def members(self) -> tuple[int, ...]:
        return (self.whole, *self.parts)


class _Classes:
    """Distinct sets of atoms, numbered: their answer counts and whether a row shows them."""

    def __init__(self, sizes: Sequence[int]) -> None:
        self.sizes = sizes
        self.ids: dict[frozenset[int], int] = {}
        self.n: list[int] = []
        self.published: list[bool] = []

    def of(self, atom_set: frozenset[int], *, shown: bool) -> int:
        found = self.ids.get(atom_set)
        if found is None:
            found = self.ids[atom_set] = len(self.n)
            self.n.append(sum(self.sizes[i] for i in atom_set))
            self.published.append(shown)
        elif shown:
            self.published[found] = True
        return found


def _protect(atoms: Mapping[AtomKey, Tally], tenant_id: str, minimum: int) -> set[NodeKey]:
    """The cells of one source to hide: below the minimum, and the complements that keep
    them (and every group of them a visible total reveals) underivable.

    Cells are sets of atoms (answers of one grid, division and worker). Cells with the same
    answers are one class (a worker serving one grid is that grid). Each published scope nested
    in another gives relations ``whole = parts (+ the rest)``, the rest being a set of answers
    no row shows on its own. Knowing all members of a relation but one gives that one; a known
    whole gives the sum of its unknown parts."""
    atom_ids = {atom: index for index, atom in enumerate(atoms)}
    members: dict[NodeKey, frozenset[int]] = {}
    grouped: dict[NodeKey, set[int]] = defaultdict(set)
    for atom, index in atom_ids.items():
        for key in _node_keys(atom, tenant_id):
            grouped[key].add(index)
    members = {key: frozenset(found) for key, found in grouped.items()}
    classes = _Classes([atoms[atom].n for atom in atom_ids])
    node_class = {key: classes.of(atom_set, shown=True) for key, atom_set in members.items()}
    relations = _relations(members, node_class, classes)
    hidden = {c for c, n in enumerate(classes.n) if not classes.published[c] or n < minimum}
    while True:
        known, derived_by = _known(relations, hidden, len(classes.n))
        to_hide = _complements(
            relations,
            known=known,
            derived_by=derived_by,
            hidden=hidden,
            classes=classes,
            minimum=minimum,
        )
        if not to_hide:
            break
        hidden |= to_hide
    return {key for key, c in node_class.items() if c in hidden}


def _relations(
    members: Mapping[NodeKey, frozenset[int]],
    node_class: Mapping[NodeKey, int],
    classes: _Classes,
) -> list[_Relation]:
    """``whole = parts + rest`` for every pair of scopes where cells of one nest in a cell of
    the other (a division's grids, a grid's workers, a worker's grids, ...)."""
    by_scope: dict[Scope, list[NodeKey]] = defaultdict(list)
    owner: dict[tuple[Scope, int], NodeKey] = {}
    for key, atom_set in members.items():
        by_scope[key[0]].append(key)
        for atom in atom_set:
            owner[(key[0], atom)] = key
    found: set[_Relation] = set()
    for outer, inner in permutations(Scope, 2):
        nested: dict[NodeKey, list[NodeKey]] = defaultdict(list)
        for key in by_scope.get(inner, ()):
            wholes = {owner.get((outer, atom)) for atom in members[key]}
            whole = wholes.pop() if len(wholes) == 1 else None
            if whole is not None:
                nested[whole].append(key)
        for whole, parts in nested.items():
            whole_class = node_class[whole]
            part_classes = {node_class[part] for part in parts}
            if whole_class in part_classes:
                continue  # the same answers: one class already
            rest = members[whole].difference(*(members[part] for part in parts))
            if rest:
                part_classes.add(classes.of(rest, shown=False))
            found.add(_Relation(whole_class, tuple(sorted(part_classes))))
    return sorted(found, key=lambda relation: (relation.whole, relation.parts))


def _known(
    relations: Sequence[_Relation], hidden: set[int], classes: int
) -> tuple[set[int], dict[int, _Relation]]:
    """What can be worked out from the visible classes, and by which relation each derived
    class was (the first one found)."""
    known = {c for c in range(classes) if c not in hidden}
    derived_by: dict[int, _Relation] = {}
    changed = True
    while changed:
        changed = False
        for relation in relations:
            unknown = [c for c in relation.members if c not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                derived_by[unknown[0]] = relation
                changed = True
    return known, derived_by


def _complements(
    relations: Sequence[_Relation],
    *,
    known: set[int],
    derived_by: Mapping[int, _Relation],
    hidden: set[int],
    classes: _Classes,
    minimum: int,
) -> set[int]:
    """One more class to hide for every breach: a hidden class below the minimum that can be
    derived, or a known whole whose unknown parts add up to 1..minimum-1 answers."""
    class_n, published = classes.n, classes.published
    breaches: list[_Relation] = []
    for c, relation in derived_by.items():
        if c in hidden and 0 < class_n[c] < minimum:
            breaches.append(relation)
    for relation in relations:
        if relation.whole not in known:
            continue
        unknown = sum(class_n[c] for c in relation.parts if c not in known)
        if 0 < unknown < minimum:
            breaches.append(relation)
    to_hide: set[int] = set()
    for relation in breaches:
        choice = _cheapest_visible(relation, derived_by, hidden, class_n, published)
        if choice is not None:
            to_hide.add(choice)
        else:
            # Nothing visible feeds the breach: hide every visible member (cannot happen when
            # the whole is visible, kept as the safe answer should the structure surprise).
            to_hide.update(c for c in relation.members if c not in hidden and published[c])
    return to_hide


def _cheapest_visible(
    relation: _Relation,
    derived_by: Mapping[int, _Relation],
    hidden: set[int],
    class_n: Sequence[int],
    published: Sequence[bool],
) -> int | None:
    """The visible class with the fewest answers that the breach is worked out from: a
    member of the relation, else (for members that are themselves derived) a member of the
    relation they were derived by, and so on. Parts before the whole, then fewest answers."""
    seen: set[_Relation] = set()
    frontier = [relation]
    while frontier:
        candidates: list[tuple[int, int, int]] = []
        following: list[_Relation] = []
        for current in frontier:
            if current in seen:
                continue
            seen.add(current)
            for c in current.members:
                if c in hidden:
                    if c in derived_by:
                        following.append(derived_by[c])
                    continue
                if published[c] and class_n[c] > 0:
                    candidates.append((int(c == current.whole), class_n[c], c))
        if candidates:
            return min(candidates)[2]
        frontier = following
    return None


# -- explaining one cell ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CreditCount:
    credit: Decimal
    count: int


@dataclass(frozen=True, slots=True)
class SourceLines:
    """One source's answers behind a cell: how many counted each credit."""

    source: Source
    weight: Decimal
    effective_weight: Decimal | None
    n: int
    satisfied: Decimal
    rate: Decimal
    counts: tuple[CreditCount, ...]


@dataclass(frozen=True)
class Explanation:
    """The counts behind one row, numbers only; no lines when the row is suppressed."""

    row: RateRow | None
    lines: tuple[SourceLines, ...]

    @property
    def suppressed(self) -> bool:
        return self.row is not None and self.row.suppressed


def explain(
    table: RateTable, answers: Iterable[RatedAnswer], scope: Scope, subject_id: str
) -> Explanation:
    """The answers per source and credit behind ``(scope, subject_id)`` of ``table`` (computed
    from the same ``answers``); nothing but the row's state when it is suppressed."""
    row = table.row(scope, subject_id)
    if row is None or row.suppressed:
        return Explanation(row=row, lines=())
    counts: dict[Source, Counter[Decimal]] = defaultdict(Counter)
    for answer in answers:
        if answer.source in table.definition.weights and _belongs(answer, scope, subject_id):
            counts[answer.source][answer.credit] += 1
    lines = []
    for figure in row.sources:
        if not figure.n or figure.satisfied is None or figure.rate is None:
            continue
        by_credit = counts[figure.source]
        lines.append(
            SourceLines(
                source=figure.source,
                weight=figure.weight,
                effective_weight=figure.effective_weight,
                n=figure.n,
                satisfied=figure.satisfied,
                rate=figure.rate,
                counts=tuple(
                    CreditCount(credit=credit, count=by_credit[credit])
                    for credit in sorted(by_credit, reverse=True)
                ),
            )
        )
    return Explanation(row=row, lines=tuple(lines))


def _belongs(answer: RatedAnswer, scope: Scope, subject_id: str) -> bool:
    if scope is Scope.GRID:
        return answer.grid_id == subject_id
    if scope is Scope.WORKER:
        return answer.worker_id == subject_id
    if scope is Scope.DIVISION:
        return answer.division_id == subject_id
    return True


# -- the district average -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceTally:
    """One source's published tenant-level figures (None when hidden)."""

    source: Source
    n: int | None
    satisfied: Decimal | None


@dataclass(frozen=True)
class TenantRate:
    """A member tenant's published tenant-scope rate for the period and definition."""

    tenant_id: str
    rate: Decimal | None
    n: int | None
    suppressed: bool
    sources: tuple[SourceTally, ...]
    edition: int

    @property
    def counted(self) -> bool:
        return not self.suppressed and self.rate is not None


@dataclass(frozen=True)
class DistrictAverage:
    """The plain mean of the counted tenants' rates, how many were counted, and the pooled
    rate of all their answers (None when no tenant counts)."""

    average: Decimal | None
    tenants_counted: int
    pooled_rate: Decimal | None
    pooled_n: int
    tenants: tuple[TenantRate, ...]


def district_average(definition: RateDefinition, rates: Iterable[TenantRate]) -> DistrictAverage:
    """The district average over ``rates`` (one per member tenant) under ``definition``."""
    members = tuple(sorted(rates, key=lambda rate: rate.tenant_id))
    counted = [rate for rate in members if rate.counted]
    if not counted:
        return DistrictAverage(None, 0, None, 0, members)
    with localcontext() as ctx:
        ctx.prec = 28
        average = sum((rate.rate or ZERO for rate in counted), ZERO) / len(counted)
    pooled: dict[Source, Tally] = {}
    for rate in counted:
        for tally in rate.sources:
            if tally.source not in definition.weights or not tally.n or tally.satisfied is None:
                continue
            before = pooled.get(tally.source, Tally())
            pooled[tally.source] = Tally(before.n + tally.n, before.satisfied + tally.satisfied)
    present = [
        (source, definition.weights[source], pooled[source])
        for source in definition.sources
        if source in pooled
    ]
    pooled_rate = _round(_combine(present)[0]) if present else None
    return DistrictAverage(
        average=_round(average),
        tenants_counted=len(counted),
        pooled_rate=pooled_rate,
        pooled_n=sum(tally.n for tally in pooled.values()),
        tenants=members,
    )


# -- settings, narrowing, publications ----------------------------------------------------------


@dataclass(frozen=True)
class RateSettings:
    """The tenant's default definition and minimum cell size (what ``GET /rates`` uses when
    the request names none). ``revision`` 0: never stored (the platform defaults)."""

    definition: RateDefinition = DEFAULT_DEFINITION
    minimum: int = DEFAULT_MINIMUM
    updated_at: datetime | None = None
    updated_by: str | None = None
    revision: int = 0


def change_settings(
    current: RateSettings,
    *,
    sources: str | None,
    basic_credit: object | None,
    minimum: int | None,
    actor: str,
    now: datetime,
) -> RateSettings:
    """The settings with what the centre changed (422 naming the field)."""
    require_aware(now)
    definition = definition_of(sources, basic_credit, current.definition)
    return replace(
        current,
        definition=definition,
        minimum=current.minimum if minimum is None else check_minimum(minimum),
        updated_at=now,
        updated_by=actor,
    )


def narrowed(
    rows: Iterable[RateRow], *, grid_ids: Collection[str], worker_id: str
) -> tuple[RateRow, ...]:
    """What a grid role sees: the rows of the grids he serves and his own worker row."""
    return tuple(
        row
        for row in rows
        if (row.scope is Scope.GRID and row.subject_id in grid_ids)
        or (row.scope is Scope.WORKER and row.subject_id == worker_id)
    )


@dataclass(frozen=True)
class Publication:
    """A tenant's published rates for one period under one definition; publishing the same
    period and definition again makes the next ``edition``. ``revision`` 0: not stored yet."""

    publication_id: str
    period: Period
    table: RateTable
    edition: int
    published_at: datetime
    published_by: str
    revision: int = 0


ROWS_PER_PART = 250


def publication_id(period: Period, definition: RateDefinition) -> str:
    return f"{period.kind}|{period.label}|{definition.code}"


def publish(
    previous: Publication | None,
    *,
    period: Period,
    table: RateTable,
    actor: str,
    now: datetime,
) -> tuple[Publication, list[RatesPublished]]:
    """The publication of ``table`` (the next edition after ``previous``) and its messages:
    one per scope, the larger scopes in parts of `ROWS_PER_PART` rows."""
    require_aware(now)
    publication = Publication(
        publication_id=publication_id(period, table.definition),
        period=period,
        table=table,
        edition=1 if previous is None else previous.edition + 1,
        published_at=now,
        published_by=actor,
        revision=0 if previous is None else previous.revision,
    )
    events: list[RatesPublished] = []
    for scope in (Scope.TENANT, Scope.DIVISION, Scope.GRID, Scope.WORKER):
        rows = table.of_scope(scope)
        chunks = [rows[i : i + ROWS_PER_PART] for i in range(0, len(rows), ROWS_PER_PART)] or [()]
        events.extend(
            RatesPublished(
                publication=publication,
                scope=scope,
                part=index,
                parts=len(chunks),
                rows=chunk,
                occurred_at=now,
            )
            for index, chunk in enumerate(chunks, start=1)
        )
    return publication, events


def _figure_payload(figure: SourceFigure) -> dict[str, Any]:
    interval = figure.interval
    return {
        "source": figure.source.value,
        "weight": figure.weight,
        "effective_weight": figure.effective_weight,
        "n": figure.n,
        "satisfied": figure.satisfied,
        "rate": figure.rate,
        "low": None if interval is None else interval.low,
        "high": None if interval is None else interval.high,
        "suppressed": figure.suppressed,
    }


def row_payload(row: RateRow) -> dict[str, Any]:
    interval = row.interval
    return {
        "scope": row.scope.value,
        "subject_id": row.subject_id,
        "division_id": row.division_id,
        "n": row.n,
        "satisfied": row.satisfied,
        "rate": row.rate,
        "low": None if interval is None else interval.low,
        "high": None if interval is None else interval.high,
        "suppressed": row.suppressed,
        "renormalised": row.renormalised,
        "sources": [_figure_payload(figure) for figure in row.sources],
    }


@dataclass(frozen=True)
class RatesPublished:
    """One part of one scope's rows of a publication."""

    publication: Publication
    scope: Scope
    part: int
    parts: int
    rows: tuple[RateRow, ...]
    occurred_at: datetime

    type: ClassVar[str] = "rates.published"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.publication.publication_id

    def payload(self) -> dict[str, Any]:
        """Counts, Decimal rates and intervals per subject; suppressed cells as nulls."""
        publication = self.publication
        definition = publication.table.definition
        return {
            "publication_id": publication.publication_id,
            "edition": publication.edition,
            "period_kind": publication.period.kind,
            "period": publication.period.label,
            "first_day": publication.period.start,
            "last_day": publication.period.end,
            "definition_code": definition.code,
            "weights": [
                {"source": source.value, "weight": definition.weights[source]}
                for source in definition.sources
            ],
            "basic_credit": definition.basic_credit,
            "min_cell_size": publication.table.minimum,
            "scope": self.scope.value,
            "part": self.part,
            "parts": self.parts,
            "rows": [row_payload(row) for row in self.rows],
            "published_by": publication.published_by,
            "published_at": publication.published_at,
        }
