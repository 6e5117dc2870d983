"""The scheme document: what it declares, how it is read, and every check it must pass.

``load_scheme`` accepts YAML or JSON text, or an already parsed mapping, and returns a
:class:`Scheme` or raises :class:`SchemeError` listing every problem with its path.
``validate`` returns that list without raising. Numbers in the text are read as exact
Decimals (``0.2`` is never a float on the way in).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import yaml

from shared.calendar import WorkCalendar

from .formula import FUNCTION_NAMES, Formula
from .mapping import InputMapping, check_against_period, parse_mapping
from .model import Condition
from .money import QUARTER_MONEY, RESULT_NAMES, MoneyRule, parse_money
from .numbers import DEFAULT_PRECISION, HUNDRED, ONE, ROUNDING_MODES, ZERO, Precision, to_decimal
from .parsing import ParseContext
from .problems import Problem, Reader, SchemeError, Text
from .rules import SECTIONS, TIE_POLICIES, Rule, Slot, parse_rule, sections_for
from .workdays import PERIOD_KINDS

FORMAT = "gridgov.scheme/v1"
SUBJECT_KINDS = ("division", "grid", "worker")
INPUT_TYPES = ("number", "integer", "percent", "boolean", "counts", "dates")
INPUT_SOURCES = ("platform", "manual")
INPUT_SCOPES = ("subject", "shared")
# Values every formula may use: working days and calendar facts of the period.
BUILTIN_NAMES = frozenset({"workdays", "days", "weeks", "month", "is_quarter_end", "is_year_end"})


@dataclass(frozen=True)
class InputDef:
    """A named fact: its type, unit, label, where it comes from and its declared default."""

    id: str
    name: Text
    type: str
    unit: Text
    source: str
    scope: str
    default: object | None
    has_default: bool
    # Where a platform input's value comes from (``from``: a metric and an aggregation).
    mapping: InputMapping | None = None


@dataclass(frozen=True)
class DerivedDef:
    """A value computed from inputs by a formula (e.g. a rate from two counts)."""

    id: str
    name: Text
    unit: Text
    formula: Formula


@dataclass(frozen=True)
class Group:
    """A group of indicators: ``scored`` (weighted into the 100), ``bonus`` or
    ``deduction`` (added or subtracted outside it, optionally capped)."""

    id: str
    name: Text
    section: str
    weight: Decimal
    cap: Decimal | None


@dataclass(frozen=True)
class Indicator:
    """One line of the score sheet: the rule that gives it points, and its maximum."""

    id: str
    name: Text
    group: str
    max_points: Decimal | None
    rule: Rule
    zero_when: Condition | None
    section: str
    rule_text: str = ""  # the rule as written in the scheme, canonical JSON, for the sheet
    precision: Precision = DEFAULT_PRECISION  # how the scheme shows points (its rounding)

    @property
    def slot(self) -> Slot:
        return Slot(self.section, self.max_points, self.precision)


@dataclass(frozen=True)
class Rounding:
    """Round once: every line (``lines``) or only the total (``total``)."""

    places: int
    mode: str
    apply_to: str

    @property
    def precision(self) -> Precision:
        """Points are shown at the places the scheme rounds to, whatever it rounds."""
        return Precision(self.places, self.mode)


@dataclass(frozen=True)
class Tiebreaker:
    by: str
    descending: bool


@dataclass(frozen=True)
class Ranking:
    ties: str
    tiebreakers: tuple[Tiebreaker, ...]


@dataclass(frozen=True)
class GradeLevel:
    id: str
    name: Text
    min_total: Decimal | None
    quota_percent: Decimal | None


@dataclass(frozen=True)
class Grades:
    """Levels best first; a level with a quota holds at most quota% of assessed subjects,
    counted with ``quota_rounding``; a tie across the quota boundary is settled by
    ``quota_ties`` (``exclude``: none of the tied subjects gets the level)."""

    levels: tuple[GradeLevel, ...]
    quota_rounding: str
    quota_ties: str


@dataclass(frozen=True)
class Streak:
    """A flag raised when ``when`` held in ``consecutive`` periods running (this one
    included), or in ``cumulative`` of the last ``window`` periods."""

    id: str
    name: Text
    when: Formula
    consecutive: int | None
    cumulative: int | None
    window: int | None
    supersedes: tuple[str, ...]


@dataclass(frozen=True)
class Scheme:
    """A validated scheme. Build it with :func:`load_scheme`."""

    id: str
    version: int
    name: Text
    subject: str
    period: str
    calendar: WorkCalendar
    inputs: tuple[InputDef, ...]
    derived: tuple[DerivedDef, ...]
    groups: tuple[Group, ...]
    indicators: tuple[Indicator, ...]
    full_marks: Decimal
    rounding: Rounding
    ranking: Ranking
    grades: Grades | None
    streaks: tuple[Streak, ...]
    money: tuple[MoneyRule, ...]
    source: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def input(self, name: str) -> InputDef | None:
        return next((i for i in self.inputs if i.id == name), None)

    def grade(self, grade_id: str) -> GradeLevel | None:
        if self.grades is None:
            return None
        return next((g for g in self.grades.levels if g.id == grade_id), None)


# -- reading text ---------------------------------------------------------------------------
class _DecimalLoader(yaml.SafeLoader):
    """YAML loader that reads floats as exact Decimals."""


def _decimal_float(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    value = loader.construct_scalar(node)  # type: ignore[arg-type]
    number = to_decimal(str(value).replace("_", ""))
    if number is None:
        raise yaml.constructor.ConstructorError(None, None, f"not a finite number: {value}")
    return number


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal_float)


def parse_document(text: str) -> tuple[object, list[Problem]]:
    """Parse YAML or JSON text with exact decimals; a syntax error is a problem at ``""``."""
    try:
        if text.lstrip().startswith(("{", "[")):
            return json.loads(text, parse_float=Decimal), []
        return yaml.load(text, Loader=_DecimalLoader), []  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, json.JSONDecodeError) as error:
        return None, [Problem("", f"cannot be parsed: {error}")]


def load_scheme(document: str | Mapping[str, Any]) -> Scheme:
    """Read and validate a scheme; raise :class:`SchemeError` with every problem."""
    scheme, problems = _build(document)
    if problems or scheme is None:
        raise SchemeError(problems or [Problem("", "is empty")])
    return scheme


def validate(document: str | Mapping[str, Any]) -> list[Problem]:
    """Every problem of a scheme document, sorted by path; empty when it is valid."""
    return _build(document)[1]


def _build(document: str | Mapping[str, Any]) -> tuple[Scheme | None, list[Problem]]:
    if isinstance(document, str):
        data, problems = parse_document(document)
        if problems:
            return None, problems
    else:
        data = document
    ctx = ParseContext()
    scheme = _read(Reader(data, "", ctx.problems), ctx, data)
    problems = sorted(set(ctx.problems), key=lambda p: (_path_key(p.path), p.reason))
    return (None if problems else scheme), problems


def _path_key(path: str) -> list[object]:
    key: list[object] = []
    for part in path.replace("]", "").replace("[", ".").split("."):
        key.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    return key


# -- the scheme, section by section ----------------------------------------------------------
_TOP = (
    "format",
    "id",
    "version",
    "name",
    "subject",
    "period",
    "calendar",
    "inputs",
    "derived",
    "indicators",
    "composition",
    "ranking",
    "grades",
    "streaks",
    "money",
    "notes",
)


def _read(r: Reader, ctx: ParseContext, data: object) -> Scheme | None:
    r.only(_TOP)
    if r.has("format") and r.raw("format") != FORMAT:
        r.fail(f"must be {FORMAT}", "format")
    scheme_id = r.string("id")
    version = r.integer("version", minimum=1)
    name = r.text("name")
    subject = r.string("subject", choices=SUBJECT_KINDS)
    period = r.string("period", choices=PERIOD_KINDS)
    calendar = _calendar(r.mapping("calendar", required=False))

    inputs = [_input(i) for i in r.items("inputs")]
    derived = [_derived(d, ctx) for d in r.items("derived", required=False, non_empty=False)]
    known: dict[str, str] = {}
    for kind, reader_key, items in (("input", "inputs", inputs), ("derived", "derived", derived)):
        for i, item in enumerate(items):
            if item is None:
                continue
            if item.id in known:
                r.problems.append(Problem(f"{reader_key}[{i}].id", "is declared twice"))
            elif item.id in BUILTIN_NAMES or item.id in RESULT_NAMES or item.id in FUNCTION_NAMES:
                r.problems.append(Problem(f"{reader_key}[{i}].id", "is a reserved name"))
            known[item.id] = kind

    groups, full_marks, rounding = _composition(r.mapping("composition"))
    precision = rounding.precision if rounding is not None else DEFAULT_PRECISION
    indicators = _indicators(r, ctx, groups, full_marks, precision)
    ranking = _ranking(r.mapping("ranking", required=False), ctx)
    grades = _grades(r.mapping("grades", required=False))
    grade_names = {g.id: g.name for g in grades.levels} if grades else {}
    money = _money(r, ctx, grade_names)
    _check_quarter_sums(ctx, period)
    money_names = {f"money_{m.id}" for m in money} | {f"forfeited_{m.id}" for m in money}
    streaks = _streaks(r, ctx, RESULT_NAMES | money_names)

    derived_ok = [d for d in derived if d is not None]
    _check_references(ctx, set(known), derived_ok)
    _check_shared_inputs(ctx, inputs)
    mapped = [(f"inputs[{i}]", x.mapping) for i, x in enumerate(inputs) if x and x.mapping]
    r.problems.extend(check_against_period(mapped, period))
    if r.problems or None in (scheme_id, version, name, subject, period, full_marks, rounding):
        return None
    assert scheme_id
    assert version
    assert name
    assert subject
    assert period
    assert full_marks
    assert rounding
    return Scheme(
        id=scheme_id,
        version=version,
        name=name,
        subject=subject,
        period=period,
        calendar=calendar,
        inputs=tuple(i for i in inputs if i is not None),
        derived=tuple(derived_ok),
        groups=tuple(groups),
        indicators=tuple(indicators),
        full_marks=full_marks,
        rounding=rounding,
        ranking=ranking,
        grades=grades,
        streaks=tuple(streaks),
        money=tuple(money),
        source=data if isinstance(data, Mapping) else {},
    )


def _indicators(
    r: Reader,
    ctx: ParseContext,
    groups: list[Group],
    full_marks: Decimal | None,
    precision: Precision,
) -> list[Indicator]:
    group_by_id = {g.id: g for g in groups}
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for ind_reader in r.items("indicators", non_empty=False):
        indicator = _indicator(ind_reader, ctx, group_by_id, precision)
        if indicator is None:
            continue
        if indicator.id in seen:
            ind_reader.fail("is declared twice", "id")
        seen.add(indicator.id)
        indicators.append(indicator)
    scored = [i for i in indicators if i.section == "scored"]
    scored_max = sum((group_by_id[i.group].weight * (i.max_points or ZERO) for i in scored), ZERO)
    if scored and full_marks is not None and scored_max != full_marks:
        r.fail(
            f"scored indicators weighted by their groups give at most {scored_max}, "
            f"not the full marks {full_marks}",
            "indicators",
        )
    return indicators


def _money(r: Reader, ctx: ParseContext, grade_names: Mapping[str, Text]) -> list[MoneyRule]:
    money: list[MoneyRule] = []
    for m in r.items("money", required=False, non_empty=False):
        rule = parse_money(m, ctx, grade_names, money)
        if rule is not None:
            if any(x.id == rule.id for x in money):
                m.fail("is declared twice", "id")
            money.append(rule)
    return money


def _calendar(r: Reader | None) -> WorkCalendar:
    if r is None:
        return WorkCalendar()
    r.only(("chinese_holidays", "extra_holidays", "extra_workdays"))
    chinese = r.boolean("chinese_holidays", default=True)
    holidays, workdays = calendar_days(r)
    return WorkCalendar(chinese_holidays=chinese, extra_holidays=holidays, extra_workdays=workdays)


def calendar_days(r: Reader) -> tuple[frozenset[date], frozenset[date]]:
    """``extra_holidays`` and ``extra_workdays`` of a calendar mapping (a scheme's, or the
    tenant's own decisions given with a period's facts); a date in both is a problem."""
    days: dict[str, frozenset[date]] = {}
    for key in ("extra_holidays", "extra_workdays"):
        raw = r.raw(key) or []
        parsed: set[date] = set()
        if not isinstance(raw, list):
            r.fail("must be a list of dates", key)
            raw = []
        for i, item in enumerate(raw):
            if isinstance(item, date):
                parsed.add(item)
                continue
            try:
                parsed.add(date.fromisoformat(str(item)))
            except ValueError:
                r.problems.append(Problem(f"{r.at(key)}[{i}]", "must be a date (YYYY-MM-DD)"))
        days[key] = frozenset(parsed)
    both = days["extra_holidays"] & days["extra_workdays"]
    if both:
        r.fail(f"dates both holiday and workday: {', '.join(sorted(map(str, both)))}")
    return days["extra_holidays"], days["extra_workdays"]


def _unit(r: Reader) -> Text:
    raw = r.raw("unit")
    if raw is None:
        return Text("", "")
    if isinstance(raw, str):
        return Text(raw, raw)
    return r.text("unit") or Text("", "")


def _input(r: Reader) -> InputDef | None:
    r.only(("id", "name", "type", "unit", "source", "scope", "default", "from", "notes"))
    input_id = r.identifier("id")
    name = r.text("name")
    kind = r.string("type", choices=INPUT_TYPES)
    unit = _unit(r)
    source = r.string("source", choices=INPUT_SOURCES)
    scope = r.string("scope", required=False, choices=INPUT_SCOPES) or "subject"
    has_default = r.has("default")
    default: object | None = None
    if has_default and kind is not None:
        default, reason = coerce(kind, r.raw("default"))
        if reason:
            r.fail(reason, "default")
    mapping = parse_mapping(r, input_type=kind, source=source)
    if input_id is None or name is None or kind is None or source is None:
        return None
    return InputDef(input_id, name, kind, unit, source, scope, default, has_default, mapping)


def coerce(kind: str, value: object) -> tuple[object, str | None]:
    """A fact value as the engine uses it, or the reason it does not fit ``kind``."""
    return COERCERS[kind](value)


def _coerce_number(value: object) -> tuple[object, str | None]:
    number = to_decimal(value)
    return (number, None) if number is not None else (None, "must be a number")


def _coerce_integer(value: object) -> tuple[object, str | None]:
    if type(value) is int and value >= 0:
        return Decimal(value), None  # the common case, without the general checks
    number = to_decimal(value)
    if number is None:
        return None, "must be a number"
    if number != number.to_integral_value():
        return None, "must be a whole number"
    if number < 0:
        return None, "must not be negative"
    return number, None


def _coerce_percent(value: object) -> tuple[object, str | None]:
    if isinstance(value, str) and value.strip().endswith("%"):
        value = value.strip()[:-1]  # "92.5%" is read as 92.5 percent
    number = to_decimal(value)
    if number is None:
        return None, "must be a number"
    if number < 0:
        return None, "must not be negative"
    return number, None


def _coerce_boolean(value: object) -> tuple[object, str | None]:
    return (value, None) if isinstance(value, bool) else (None, "must be true or false")


def _coerce_counts(value: object) -> tuple[object, str | None]:
    """Counts by level: ``{city: 1, district: 2}``, or a list of levels counted once each."""
    if isinstance(value, str):
        value = [value]  # one level given alone counts once
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = {v: value.count(v) for v in value}
    if not isinstance(value, Mapping):
        return None, "must be a mapping of level to count"
    counts: dict[str, Decimal] = {}
    for key, count in value.items():
        number = to_decimal(count)
        if number is None or number < 0:
            return None, f"count of {key} must be zero or a positive number"
        counts[str(key)] = number
    return counts, None


def _coerce_dates(value: object) -> tuple[object, str | None]:
    if not isinstance(value, list):
        return None, "must be a list of dates"
    days: set[date] = set()
    for item in value:
        try:
            days.add(item if isinstance(item, date) else date.fromisoformat(str(item)))
        except ValueError:
            return None, f"{item!r} is not a date (YYYY-MM-DD)"
    return sorted(days), None


COERCERS: dict[str, Callable[[object], tuple[object, str | None]]] = {
    "number": _coerce_number,
    "integer": _coerce_integer,
    "percent": _coerce_percent,
    "boolean": _coerce_boolean,
    "counts": _coerce_counts,
    "dates": _coerce_dates,
}


def _derived(r: Reader, ctx: ParseContext) -> DerivedDef | None:
    r.only(("id", "name", "unit", "formula", "notes"))
    derived_id = r.identifier("id")
    name = r.text("name")
    unit = _unit(r)
    formula = ctx.formula(r, "formula")
    if derived_id is None or name is None or formula is None:
        return None
    return DerivedDef(derived_id, name, unit, formula)


def _composition(r: Reader | None) -> tuple[list[Group], Decimal | None, Rounding | None]:
    if r is None:
        return [], None, None
    r.only(("groups", "full_marks", "rounding"))
    groups: list[Group] = []
    for g in r.items("groups"):
        g.only(("id", "name", "section", "weight", "cap"))
        gid, name = g.identifier("id"), g.text("name")
        section = g.string("section", required=False, choices=SECTIONS) or "scored"
        weight = g.decimal("weight", required=False, positive=True, default=ONE)
        cap = g.decimal("cap", required=False, positive=True)
        if section == "scored" and cap is not None:
            g.fail("only bonus and deduction groups take a cap", "cap")
        if section != "scored" and g.has("weight"):
            g.fail("bonus and deduction groups are not weighted", "weight")
        if gid and name:  # kept even with a bad weight, so its indicators are not reported too
            if any(x.id == gid for x in groups):
                g.fail("is declared twice", "id")
            groups.append(Group(gid, name, section, weight or ONE, cap))
    full_marks = r.decimal("full_marks", required=False, positive=True, default=HUNDRED)
    rounding = Rounding(2, "half_up", "total")
    rr = r.mapping("rounding", required=False)
    if rr is not None:
        rr.only(("places", "mode", "apply_to"))
        places = rr.integer("places", required=False, default=2)
        mode = rr.string("mode", required=False, choices=tuple(ROUNDING_MODES)) or "half_up"
        apply_to = rr.string("apply_to", required=False, choices=("total", "lines")) or "total"
        if places is not None and places > 6:
            rr.fail("must be at most 6", "places")
        rounding = Rounding(places if places is not None else 2, mode, apply_to)
    return groups, full_marks, rounding


def _indicator(
    r: Reader, ctx: ParseContext, groups: Mapping[str, Group], precision: Precision
) -> Indicator | None:
    r.only(("id", "name", "group", "max", "rule", "zero_when", "notes"))
    ind_id = r.identifier("id")
    name = r.text("name")
    group_id = r.string("group")
    group = groups.get(group_id) if group_id else None
    if group_id is not None and group is None:
        r.fail("is not a group declared in composition.groups", "group")
    section = group.section if group else "scored"
    max_points = r.decimal("max", required=section == "scored", positive=True)
    rule_reader = r.mapping("rule")
    rule = parse_rule(rule_reader, ctx) if rule_reader is not None else None
    if rule is not None and rule_reader is not None and group is not None:
        allowed = rule.usable_in()
        if section not in allowed:
            only = f"only {', '.join(allowed)}" if allowed else "its cases' sections differ"
            what = rule.kind if allowed == sections_for(rule.kind) else f"this {rule.kind}"
            rule_reader.fail(f"{what} cannot be used in a {section} group ({only})", "type")
            rule = None
    scored_with_cap = section == "scored" and getattr(rule, "cap", None) is not None
    if scored_with_cap and rule_reader is not None:
        rule_reader.fail("a scored line is capped by its max; cap is for bonus/deduction", "cap")
    zero_when = ctx.condition(r, "zero_when", required=False)
    if None in (ind_id, name, group, rule) or (section == "scored" and max_points is None):
        return None
    assert ind_id
    assert name
    assert group
    assert rule is not None
    rule_text = json.dumps(
        r.raw("rule"), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return Indicator(
        ind_id, name, group.id, max_points, rule, zero_when, section, rule_text, precision
    )


def _ranking(r: Reader | None, ctx: ParseContext) -> Ranking:
    if r is None:
        return Ranking("competition", ())
    r.only(("ties", "tiebreakers"))
    ties = r.string("ties", required=False, choices=TIE_POLICIES) or "competition"
    breakers: list[Tiebreaker] = []
    for t in r.items("tiebreakers", required=False, non_empty=False):
        t.only(("by", "order"))
        by = t.identifier("by")
        order = t.string("order", required=False, choices=("desc", "asc")) or "desc"
        if by is not None:
            ctx.refer(t.at("by"), by)
            breakers.append(Tiebreaker(by, order == "desc"))
    return Ranking(ties, tuple(breakers))


def _grades(r: Reader | None) -> Grades | None:
    if r is None:
        return None
    r.only(("levels", "quota_rounding", "quota_ties"))
    levels: list[GradeLevel] = []
    readers = r.items("levels")
    for i, g in enumerate(readers):
        g.only(("id", "name", "min", "quota_percent"))
        gid, name = g.identifier("id"), g.text("name")
        minimum = g.decimal("min", required=i < len(readers) - 1)
        quota = g.decimal("quota_percent", required=False, positive=True)
        if quota is not None and quota > 100:
            g.fail("must be at most 100", "quota_percent")
        if i == len(readers) - 1 and quota is not None:
            g.fail("the lowest level cannot have a quota (demoted subjects land there)")
        above = levels[-1].min_total if levels else None
        if minimum is not None and above is not None and minimum >= above:
            g.fail("must be below the minimum of the level above", "min")
        if gid and name:
            levels.append(GradeLevel(gid, name, minimum, quota))
    quota_rounding = (
        r.string("quota_rounding", required=False, choices=("floor", "half_up")) or "floor"
    )
    quota_ties = r.string("quota_ties", required=False, choices=("exclude",)) or "exclude"
    return Grades(tuple(levels), quota_rounding, quota_ties)


def _streaks(r: Reader, ctx: ParseContext, extra: frozenset[str]) -> list[Streak]:
    streaks: list[Streak] = []
    readers = r.items("streaks", required=False, non_empty=False)
    for s in readers:
        s.only(("id", "name", "when", "consecutive", "cumulative", "window", "supersedes"))
        sid, name = s.identifier("id"), s.text("name")
        when = ctx.formula(s, "when", extra=extra)
        consecutive = s.integer("consecutive", required=False, minimum=1)
        cumulative = s.integer("cumulative", required=False, minimum=1)
        window = s.integer("window", required=False, minimum=1)
        if s.has("consecutive") == s.has("cumulative"):
            s.fail("give exactly one of consecutive, cumulative")
        if cumulative is not None and (window is None or window < cumulative):
            s.fail("cumulative needs a window of at least that many periods", "window")
        supersedes = s.raw("supersedes") or []
        if not isinstance(supersedes, list) or not all(isinstance(x, str) for x in supersedes):
            s.fail("must be a list of streak ids", "supersedes")
            supersedes = []
        if sid and name and when:
            streaks.append(
                Streak(sid, name, when, consecutive, cumulative, window, tuple(supersedes))
            )
    ids = {s.id for s in streaks}
    for i, streak in enumerate(streaks):
        for j, other in enumerate(streak.supersedes):
            if other not in ids or other == streak.id:
                r.problems.append(
                    Problem(f"streaks[{i}].supersedes[{j}]", "is not another streak of this scheme")
                )
    return streaks


def _check_quarter_sums(ctx: ParseContext, period: str | None) -> None:
    """A quarter sum (``quarter_money_<rule>``) adds up the months of a quarter: it means
    something only in a monthly scheme (this month and the quarter's published months before
    it) or a quarterly one (the period itself)."""
    if period in (None, "month", "quarter"):
        return  # None: the period is a problem of its own already
    for path, name, _ in ctx.references:
        if name.startswith(QUARTER_MONEY):
            ctx.problems.append(
                Problem(path, f"{name} sums a quarter: only a monthly or quarterly scheme has one")
            )


def _check_references(ctx: ParseContext, known: set[str], derived: list[DerivedDef]) -> None:
    allowed = known | BUILTIN_NAMES
    for path, name, extra in ctx.references:
        if name not in allowed and name not in extra:
            ctx.problems.append(Problem(path, f"refers to {name!r}, which is not declared"))
    graph = {d.id: d.formula.names for d in derived}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = " -> ".join([*trail[trail.index(node) :], node])
            ctx.problems.append(Problem("derived", f"values depend on each other: {cycle}"))
            return
        state[node] = 1
        for name in sorted(graph.get(node, ())):
            if name in graph:
                visit(name, [*trail, node])
        state[node] = 2

    for d in derived:
        visit(d.id, [])


def _check_shared_inputs(ctx: ParseContext, inputs: list[InputDef | None]) -> None:
    for i, item in enumerate(inputs):
        if item is not None and item.scope == "shared" and item.type in ("counts", "dates"):
            ctx.problems.append(Problem(f"inputs[{i}].scope", "shared inputs must be numbers"))
