"""The rule catalogue: how an indicator turns a subject's facts into points.

Every rule is a frozen dataclass built by :func:`parse_rule` from the ``rule`` mapping of an
indicator, and explains its arithmetic in Chinese and English. Rules in a ``scored`` group
give points within ``[0, max]``; rules in a ``bonus`` or ``deduction`` group give a
magnitude (never negative) that the engine adds or subtracts and caps.

Local rules see one subject (:meth:`LocalRule.score`); cohort rules (``rank_based``,
``top_n``) need every assessable subject's value first (:meth:`CohortRule.score_all`).

A rule type is registered once, by decorating its parser with :func:`parses`; the entry in
:data:`CATALOGUE` gives its name, its class and its parser.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import ClassVar, NamedTuple, TypeVar, cast

from .model import BadFactError, Condition, MissingFactError, Outcome, Scope, ValueRef
from .numbers import CONTEXT, DEFAULT_PRECISION, HUNDRED, ONE, ZERO, Precision, fmt
from .parsing import ParseContext
from .problems import Reader, Text

SECTIONS = ("scored", "bonus", "deduction")
TIE_POLICIES = ("competition", "dense")
TOP_N_TIE_POLICIES = ("competition", "dense", "split")


class Key(NamedTuple):
    """A subject's value for a cohort rule, with the words that describe it."""

    value: Decimal
    zh: str
    en: str
    unit: str = ""


class Slot(NamedTuple):
    """Where a rule sits: the section of its group, the indicator's maximum points and the
    precision the scheme shows points at."""

    section: str
    max_points: Decimal | None
    precision: Precision = DEFAULT_PRECISION

    def points(self, value: Decimal) -> str:
        """A line's points in its explanation: at the scheme's precision, as the sheet shows
        them (``≈16.67``), so the words and the line's figure agree."""
        return self.precision.words(value)


_SHOWN = Decimal("0.0001")


@lru_cache(maxsize=65536)
def show(value: Decimal) -> str:
    """A number for the words of an explanation: exact up to 4 decimals, else ≈ rounded."""
    rounded = value.quantize(_SHOWN, context=CONTEXT)
    if value == rounded:
        return fmt(value)
    return "≈" + fmt(rounded)


def _verb(section: str) -> tuple[str, str]:
    return ("加", "add") if section == "bonus" else ("扣", "deduct")


def _from_max(slot: Slot, lost: Decimal, zh: list[str], en: list[str]) -> Outcome:
    """Points left after ``lost`` is taken from the maximum, floored at zero (扣完为止)."""
    assert slot.max_points is not None
    max_points = slot.max_points
    if lost <= 0:
        zh.append(f"得满分{show(max_points)}分")
        en.append(f"full marks {show(max_points)}")
        return Outcome(max_points, "，".join(zh), "; ".join(en))
    if lost >= max_points:
        zh.append(f"扣{show(lost)}分，扣完为止，得0分")
        en.append(f"deduct {show(lost)}, floored at zero: 0")
        return Outcome(ZERO, "，".join(zh), "; ".join(en))
    points = max_points - lost
    zh.append(f"扣{show(lost)}分，得{slot.points(points)}分")
    en.append(f"deduct {show(lost)}, score {slot.points(points)}")
    return Outcome(points, "，".join(zh), "; ".join(en))


def _magnitude(
    slot: Slot, total: Decimal, cap: Decimal | None, zh: list[str], en: list[str]
) -> Outcome:
    """A bonus or deduction amount, capped when the rule or indicator says so."""
    limit = cap if cap is not None else slot.max_points
    verb_zh, verb_en = _verb(slot.section)
    if limit is not None and total > limit:
        zh.append(f"合计{show(total)}分，最多{verb_zh}{show(limit)}分，{verb_zh}{show(limit)}分")
        en.append(f"sum {show(total)}, capped at {show(limit)}: {verb_en} {show(limit)}")
        return Outcome(limit, "，".join(zh), "; ".join(en))
    zh.append(f"{verb_zh}{slot.points(total)}分")
    en.append(f"{verb_en} {slot.points(total)}")
    return Outcome(total, "，".join(zh), "; ".join(en))


def _quoted(scope: Scope, ref: ValueRef, value: Decimal, unit: str = "") -> tuple[str, str]:
    """A target or quota in words: a constant with the actual value's unit, or described."""
    if ref.constant is not None:
        return f"{show(value)}{unit}", f"{show(value)}{unit if unit == '%' else ''}"
    return scope.describe(ref, value)


class LocalRule(ABC):
    """A rule that scores one subject from its own facts."""

    kind: ClassVar[str]
    cohort: ClassVar[bool] = False
    sections: ClassVar[tuple[str, ...]] = SECTIONS

    @abstractmethod
    def score(self, slot: Slot, scope: Scope) -> Outcome:
        """Points (or a bonus/deduction magnitude) for one subject, with the arithmetic."""

    def usable_in(self) -> tuple[str, ...]:
        """The group sections this rule, as configured, may score in: its type's, narrowed
        by the rules it wraps."""
        return self.sections


class CohortRule(ABC):
    """A rule that scores each subject relative to all assessable subjects of the period."""

    kind: ClassVar[str]
    cohort: ClassVar[bool] = True
    sections: ClassVar[tuple[str, ...]] = SECTIONS

    @abstractmethod
    def key(self, scope: Scope) -> Key:
        """The subject's value the cohort is ordered by, described."""

    @abstractmethod
    def score_all(self, slot: Slot, keys: Mapping[str, Key]) -> dict[str, Outcome]:
        """Outcomes for every subject id in ``keys``."""

    def usable_in(self) -> tuple[str, ...]:
        """The group sections this rule may score in."""
        return self.sections


Rule = LocalRule | CohortRule
_R = TypeVar("_R", bound=Rule)
Parser = Callable[[Reader, ParseContext], _R | None]


@dataclass(frozen=True)
class RuleKind:
    """One rule type of the catalogue: its name in a scheme (``rule.type``), the class that
    scores it (and says which group sections it may be used in), and its parser."""

    name: str
    rule_class: type[Rule]
    parse: Parser[Rule]

    @property
    def sections(self) -> tuple[str, ...]:
        return self.rule_class.sections


CATALOGUE: dict[str, RuleKind] = {}
"""Every rule type by name, in the order the parsers are defined (the order of the choices
a scheme is told about)."""


def parses(rule: type[_R]) -> Callable[[Parser[_R]], Parser[_R]]:
    """Register the decorated parser as the one that builds ``rule`` (under its ``kind``)."""

    def register(parse: Parser[_R]) -> Parser[_R]:
        if rule.kind in CATALOGUE:
            raise ValueError(f"rule type {rule.kind} is registered twice")
        # _R is bound to Rule, but mypy does not widen type[_R] to type[Rule] by itself
        CATALOGUE[rule.kind] = RuleKind(rule.kind, cast("type[Rule]", rule), parse)
        return parse

    return register


# -- per percentage point below a target ---------------------------------------------------
@dataclass(frozen=True)
class PerPointBelow(LocalRule):
    """``per_point`` lost for each percentage point the actual rate is below the target
    (``direction: above``: above it); nothing when below ``zero_below``."""

    kind: ClassVar[str] = "per_point_below"
    sections: ClassVar[tuple[str, ...]] = ("scored",)
    actual: ValueRef
    target: ValueRef
    per_point: Decimal
    zero_below: Decimal | None
    whole_points: bool
    direction: str

    def score(self, slot: Slot, scope: Scope) -> Outcome:
        assert slot.max_points is not None
        actual = scope.number(self.actual)
        target = scope.number(self.target)
        a_zh, a_en = scope.describe(self.actual, actual)
        t_zh, t_en = _quoted(scope, self.target, target, "%")
        if self.zero_below is not None and actual < self.zero_below:
            return Outcome(
                ZERO,
                f"{a_zh}，低于{show(self.zero_below)}%，不得分",
                f"{a_en}, below {show(self.zero_below)}%: scores nothing",
            )
        below = self.direction == "below"
        gap = target - actual if below else actual - target
        word_zh, word_en = ("低于", "below") if below else ("高于", "above")
        if gap <= 0:
            return _from_max(
                slot,
                ZERO,
                [f"{a_zh}，{'达到' if below else '未超过'}{t_zh}"],
                [f"{a_en}, {'reaches' if below else 'within'} {t_en}"],
            )
        counted = Decimal(int(gap)) if self.whole_points else gap
        zh = [
            f"{a_zh}，{word_zh}{t_zh}共{show(gap)}个百分点"
            + (f"（按整{show(counted)}个百分点计）" if counted != gap else ""),
            f"每个百分点扣{show(self.per_point)}分",
        ]
        en = [
            f"{a_en}, {show(gap)} points {word_en} {t_en}"
            + (f" (counted as {show(counted)} whole points)" if counted != gap else ""),
            f"{show(self.per_point)} per point",
        ]
        return _from_max(slot, counted * self.per_point, zh, en)


@parses(PerPointBelow)
def _parse_per_point_below(r: Reader, ctx: ParseContext) -> PerPointBelow | None:
    r.only(("type", "actual", "target", "per_point", "zero_below", "whole_points", "direction"))
    actual = ctx.value(r, "actual")
    target = ctx.value(r, "target")
    per_point = r.decimal("per_point", positive=True)
    zero_below = r.decimal("zero_below", required=False, non_negative=True)
    whole = r.boolean("whole_points", default=False)
    direction = r.string("direction", required=False, choices=("below", "above")) or "below"
    if actual is None or target is None or per_point is None:
        return None
    return PerPointBelow(actual, target, per_point, zero_below, whole, direction)


# -- per occurrence ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Multiplier:
    """Of a kind's occurrences, ``count`` of them weigh ``factor`` times (e.g. overdue ×2)."""

    count: ValueRef
    factor: Decimal
    text: Text


@dataclass(frozen=True)
class Kind:
    """One kind of occurrence and the points each one weighs."""

    count: ValueRef
    text: Text
    points: Decimal
    multiplier: Multiplier | None


def _count(scope: Scope, ref: ValueRef, name: str) -> Decimal:
    value = scope.number(ref)
    if value < 0:
        raise BadFactError(ref.spec(), f"{name} must not be negative")
    return value


def _kinds_sum(scope: Scope, kinds: Sequence[Kind]) -> tuple[Decimal, list[str], list[str]]:
    total = ZERO
    zh: list[str] = []
    en: list[str] = []
    for kind in kinds:
        n = _count(scope, kind.count, "a count")
        if kind.multiplier is None:
            sub = n * kind.points
            if n:
                zh.append(f"{kind.text.zh}{show(n)}次×{show(kind.points)}分={show(sub)}分")
                en.append(f"{kind.text.en} {show(n)} × {show(kind.points)} = {show(sub)}")
        else:
            m = _count(scope, kind.multiplier.count, "a count")
            if m > n:
                raise BadFactError(
                    kind.multiplier.count.spec(),
                    f"{kind.multiplier.text.en} ({show(m)}) exceeds {kind.text.en} ({show(n)})",
                )
            factor = kind.multiplier.factor
            sub = (n - m) * kind.points + m * kind.points * factor
            if n:
                zh.append(
                    f"{kind.text.zh}{show(n)}次，其中{kind.multiplier.text.zh}{show(m)}次按"
                    f"{show(factor)}倍计：{show(n - m)}×{show(kind.points)}+{show(m)}×"
                    f"{show(kind.points)}×{show(factor)}={show(sub)}分"
                )
                en.append(
                    f"{kind.text.en} {show(n)}, of which {show(m)} {kind.multiplier.text.en} "
                    f"count {show(factor)}×: {show(n - m)} × {show(kind.points)} + {show(m)} × "
                    f"{show(kind.points)} × {show(factor)} = {show(sub)}"
                )
        total += sub
    return total, zh, en


@dataclass(frozen=True)
class PerOccurrence(LocalRule):
    """Points per occurrence of several kinds; in a scored group taken from the maximum and
    floored at zero (扣完为止); in a bonus/deduction group summed and capped at ``cap``."""

    kind: ClassVar[str] = "per_occurrence"
    kinds: tuple[Kind, ...]
    cap: Decimal | None

    def score(self, slot: Slot, scope: Scope) -> Outcome:
        total, zh, en = _kinds_sum(scope, self.kinds)
        if not zh:
            zh.append("无相关记录")
            en.append("no occurrences")
        if slot.section == "scored":
            assert slot.max_points is not None
            return _from_max(slot, total, ["；".join(zh)], ["; ".join(en)])
        return _magnitude(slot, total, self.cap, ["；".join(zh)], ["; ".join(en)])


def _parse_kind(r: Reader, ctx: ParseContext) -> Kind | None:
    r.only(("count", "zh", "en", "points", "multiplier"))
    count = ctx.value(r, "count")
    zh, en = r.string("zh"), r.string("en")
    points = r.decimal("points", positive=True)
    multiplier = None
    m = r.mapping("multiplier", required=False)
    if m is not None:
        m.only(("count", "factor", "zh", "en"))
        m_count = ctx.value(m, "count")
        factor = m.decimal("factor", positive=True)
        m_zh, m_en = m.string("zh"), m.string("en")
        if m_count is None or factor is None or m_zh is None or m_en is None:
            return None
        multiplier = Multiplier(m_count, factor, Text(m_zh, m_en))
    if count is None or zh is None or en is None or points is None:
        return None
    return Kind(count, Text(zh, en), points, multiplier)


@parses(PerOccurrence)
def _parse_per_occurrence(r: Reader, ctx: ParseContext) -> PerOccurrence | None:
    r.only(("type", "kinds", "cap"))
    kinds = [_parse_kind(k, ctx) for k in r.items("kinds")]
    cap = r.decimal("cap", required=False, positive=True)
    if not kinds or any(k is None for k in kinds):
        return None
    return PerOccurrence(tuple(k for k in kinds if k is not None), cap)


# -- shortfall from a quota -------------------------------------------------------------------
@dataclass(frozen=True)
class Shortfall(LocalRule):
    """``per_unit`` lost for each unit the actual count is short of the quota."""

    kind: ClassVar[str] = "shortfall"
    sections: ClassVar[tuple[str, ...]] = ("scored",)
    actual: ValueRef
    quota: ValueRef
    per_unit: Decimal
    whole_units: bool

    def score(self, slot: Slot, scope: Scope) -> Outcome:
        assert slot.max_points is not None
        actual = scope.number(self.actual)
        quota = scope.number(self.quota)
        a_zh, a_en = scope.describe(self.actual, actual)
        unit = scope.unit(self.actual.name) if self.actual.name else Text("", "")
        q_zh, q_en = _quoted(scope, self.quota, quota, unit.zh)
        short = quota - actual
        if short <= 0:
            return _from_max(slot, ZERO, [f"{a_zh}，不少于{q_zh}"], [f"{a_en}, meets {q_en}"])
        counted = Decimal(int(short)) if self.whole_units else short
        zh = [
            f"{a_zh}，少于{q_zh}共{show(short)}{unit.zh}",
            f"每少1{unit.zh}扣{show(self.per_unit)}分",
        ]
        en = [f"{a_en}, {show(short)} short of {q_en}", f"{show(self.per_unit)} per unit short"]
        return _from_max(slot, counted * self.per_unit, zh, en)


@parses(Shortfall)
def _parse_shortfall(r: Reader, ctx: ParseContext) -> Shortfall | None:
    r.only(("type", "actual", "quota", "per_unit", "whole_units"))
    actual = ctx.value(r, "actual")
    quota = ctx.value(r, "quota")
    per_unit = r.decimal("per_unit", positive=True)
    whole = r.boolean("whole_units", default=False)
    if actual is None or quota is None or per_unit is None:
        return None
    return Shortfall(actual, quota, per_unit, whole)


# -- proportional to completion ---------------------------------------------------------------
@dataclass(frozen=True)
class Part:
    actual: ValueRef
    target: ValueRef
    weight: Decimal


@dataclass(frozen=True)
class Proportional(LocalRule):
    """Maximum × completion (actual ÷ target, at most 1); with several parts, the weighted
    mean of their completions (不足的按比例扣分)."""

    kind: ClassVar[str] = "proportional"
    sections: ClassVar[tuple[str, ...]] = ("scored",)
    parts: tuple[Part, ...]

    def score(self, slot: Slot, scope: Scope) -> Outcome:
        assert slot.max_points is not None
        zh: list[str] = []
        en: list[str] = []
        weighted = ZERO
        weights = ZERO
        for part in self.parts:
            actual = scope.number(part.actual)
            target = scope.number(part.target)
            if target <= 0:
                raise BadFactError(part.target.spec(), "target must be positive")
            ratio = min(ONE, max(ZERO, actual / target))
            a_zh, a_en = scope.describe(part.actual, actual)
            unit = scope.unit(part.actual.name) if part.actual.name else Text("", "")
            t_zh, t_en = _quoted(scope, part.target, target, unit.zh)
            zh.append(f"{a_zh}，目标{t_zh}，完成{show(ratio * HUNDRED)}%")
            en.append(f"{a_en} of target {t_en}: {show(ratio * HUNDRED)}% done")
            weighted += ratio * part.weight
            weights += part.weight
        completion = weighted / weights
        points = slot.max_points * completion
        if len(self.parts) > 1:
            zh.append(f"加权完成{show(completion * HUNDRED)}%")
            en.append(f"weighted completion {show(completion * HUNDRED)}%")
        done = show(completion * HUNDRED)
        zh.append(f"得{show(slot.max_points)}×{done}%={slot.points(points)}分")
        en.append(f"score {show(slot.max_points)} × {done}% = {slot.points(points)}")
        return Outcome(points, "；".join(zh), "; ".join(en))


def _parse_part(r: Reader, ctx: ParseContext) -> Part | None:
    actual = ctx.value(r, "actual")
    target = ctx.value(r, "target", positive=True)
    weight = r.decimal("weight", required=False, positive=True, default=ONE)
    if actual is None or target is None or weight is None:
        return None
    return Part(actual, target, weight)


@parses(Proportional)
def _parse_proportional(r: Reader, ctx: ParseContext) -> Proportional | None:
    if r.has("parts"):
        r.only(("type", "parts"))
        parts = []
        for p in r.items("parts"):
            p.only(("actual", "target", "weight"))
            parts.append(_parse_part(p, ctx))
    else:
        r.only(("type", "actual", "target"))
        parts = [_parse_part(r, ctx)]
    if not parts or any(p is None for p in parts):
        return None
    return Proportional(tuple(p for p in parts if p is not None))


# -- seed 000's four categories: a conditional rule on category shares --------------------------
@dataclass(frozen=True)
class Category:
    count: ValueRef
    text: Text


@dataclass(frozen=True)
class CategoryShare(LocalRule):
    """Each category must be at least ``each_min_percent`` of the total. A category under it
    costs ``per_miss_when_combined_met`` when the categories together exceed
    ``combined_above_percent``, otherwise ``per_miss_otherwise``."""

    kind: ClassVar[str] = "category_share"
    sections: ClassVar[tuple[str, ...]] = ("scored",)
    total: ValueRef
    categories: tuple[Category, ...]
    each_min_percent: Decimal
    combined_above_percent: Decimal
    per_miss_when_combined_met: Decimal
    per_miss_otherwise: Decimal

    def score(self, slot: Slot, scope: Scope) -> Outcome:
        assert slot.max_points is not None
        total = _count(scope, self.total, "the total")
        t_zh, t_en = scope.describe(self.total, total)
        zh_parts: list[str] = []
        en_parts: list[str] = []
        combined = ZERO
        misses = 0
        for category in self.categories:
            n = _count(scope, category.count, "a count")
            share = n / total * HUNDRED if total > 0 else ZERO
            combined += share
            missed = share < self.each_min_percent
            misses += missed
            zh_parts.append(
                f"{category.text.zh}{show(n)}件占{show(share)}%" + ("（未达标）" if missed else "")
            )
            en_parts.append(
                f"{category.text.en} {show(n)} = {show(share)}%" + (" (short)" if missed else "")
            )
        met = combined > self.combined_above_percent
        per = self.per_miss_when_combined_met if met else self.per_miss_otherwise
        zh = [
            f"{t_zh}；" + "，".join(zh_parts),
            f"合计占{show(combined)}%，{'超过' if met else '未超过'}"
            f"{show(self.combined_above_percent)}%",
            f"每有一类未达{show(self.each_min_percent)}%扣{show(per)}分，{misses}类未达",
        ]
        en = [
            f"{t_en}; " + ", ".join(en_parts),
            f"together {show(combined)}%, {'above' if met else 'not above'} "
            f"{show(self.combined_above_percent)}%",
            f"{show(per)} per category under {show(self.each_min_percent)}%, {misses} under",
        ]
        return _from_max(slot, per * misses, zh, en)


@parses(CategoryShare)
def _parse_category_share(r: Reader, ctx: ParseContext) -> CategoryShare | None:
    r.only(
        (
            "type",
            "total",
            "categories",
            "each_min_percent",
            "combined_above_percent",
            "per_miss_when_combined_met",
            "per_miss_otherwise",
        )
    )
    total = ctx.value(r, "total")
    categories: list[Category | None] = []
    for c in r.items("categories"):
        c.only(("count", "zh", "en"))
        count, zh, en = ctx.value(c, "count"), c.string("zh"), c.string("en")
        categories.append(Category(count, Text(zh, en)) if count and zh and en else None)
    each = r.decimal("each_min_percent", positive=True)
    combined = r.decimal("combined_above_percent", positive=True)
    per_met = r.decimal("per_miss_when_combined_met", positive=True)
    per_other = r.decimal("per_miss_otherwise", positive=True)
    if total is None or each is None or combined is None or per_met is None or per_other is None:
        return None
    if not categories or any(c is None for c in categories):
        return None
    return CategoryShare(
        total, tuple(c for c in categories if c), each, combined, per_met, per_other
    )


# -- checklist -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChecklistItem:
    present: str
    text: Text
    points: Decimal


@dataclass(frozen=True)
class Checklist(LocalRule):
    """Each item that is missing (its yes/no input is false) costs its points."""

    kind: ClassVar[str] = "checklist"
    sections: ClassVar[tuple[str, ...]] = ("scored",)
    items: tuple[ChecklistItem, ...]

    def score(self, slot: Slot, scope: Scope) -> Outcome:
        assert slot.max_points is not None
        lost = ZERO
        zh: list[str] = []
        en: list[str] = []
        for item in self.items:
            value = scope.value(item.present)
            if not isinstance(value, bool):
                raise BadFactError(item.present, "must be true or false")
            if not value:
                lost += item.points
                # The item and what it is worth; the deduction itself is said once, below.
                zh.append(f"{item.text.zh}缺失（{show(item.points)}分）")
                en.append(f"{item.text.en} missing ({show(item.points)})")
        if not zh:
            zh.append("各项齐全")
            en.append("every item present")
        return _from_max(slot, lost, ["；".join(zh)], ["; ".join(en)])


@parses(Checklist)
def _parse_checklist(r: Reader, ctx: ParseContext) -> Checklist | None:
    r.only(("type", "items"))
    items: list[ChecklistItem | None] = []
    for i in r.items("items"):
        i.only(("present", "zh", "en", "points"))
        present = i.identifier("present")
        if present is not None:
            ctx.refer(i.at("present"), present)
        zh, en, points = i.string("zh"), i.string("en"), i.decimal("points", positive=True)
        if present and zh and en and points is not None:
            items.append(ChecklistItem(present, Text(zh, en), points))
        else:
            items.append(None)
    if not items or any(i is None for i in items):
        return None
    return Checklist(tuple(i for i in items if i is not None))


# -- bonus by level, highest only ---------------------------------------------------------------
@dataclass(frozen=True)
class Level:
    key: str
    text: Text
    points: Decimal


@dataclass(frozen=True)
class HighestLevel(LocalRule):
    """Points of the highest level the subject reached; levels do not add up (取最高分，不累加).

    The input is a ``counts`` fact (level -> number of occurrences)."""

    kind: ClassVar[str] = "highest_level"
    sections: ClassVar[tuple[str, ...]] = ("bonus", "deduction")
    input: str
    levels: tuple[Level, ...]

    def score(self, slot: Slot, scope: Scope) -> Outcome:
        counts = scope.value(self.input)
        if not isinstance(counts, dict):
            raise BadFactError(self.input, "must be counts by level")
        label = scope.label(self.input)
        reached = [lv for lv in self.levels if counts.get(lv.key, ZERO) > 0]
        unknown = sorted(set(counts) - {lv.key for lv in self.levels})
        if unknown:
            raise BadFactError(self.input, f"unknown levels {', '.join(unknown)}")
        if not reached:
            return Outcome(ZERO, f"{label.zh}：无，0分", f"{label.en}: none, 0")
        best = max(reached, key=lambda lv: lv.points)
        names_zh = "、".join(f"{lv.text.zh}{counts[lv.key]}次" for lv in reached)
        names_en = ", ".join(f"{lv.text.en} {counts[lv.key]}" for lv in reached)
        zh = [f"{label.zh}：{names_zh}，取最高一项（{best.text.zh}），不累加"]
        en = [f"{label.en}: {names_en}; highest only ({best.text.en}), not cumulative"]
        return _magnitude(slot, best.points, None, zh, en)


@parses(HighestLevel)
def _parse_highest_level(r: Reader, ctx: ParseContext) -> HighestLevel | None:
    r.only(("type", "input", "levels"))
    name = r.identifier("input")
    if name is not None:
        ctx.refer(r.at("input"), name)
    levels: list[Level | None] = []
    for lv in r.items("levels"):
        lv.only(("key", "zh", "en", "points"))
        key, zh, en = lv.string("key"), lv.string("zh"), lv.string("en")
        points = lv.decimal("points", positive=True)
        levels.append(Level(key, Text(zh, en), points) if key and zh and en and points else None)
    if name is None or not levels or any(lv is None for lv in levels):
        return None
    return HighestLevel(name, tuple(lv for lv in levels if lv is not None))


# -- formula ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class FormulaRule(LocalRule):
    """A safe formula for what the catalogue lacks; clamped to ``[0, max]`` in a scored
    group, to ``[0, cap]`` in a bonus/deduction group."""

    kind: ClassVar[str] = "formula"
    expression: ValueRef
    text: Text | None
    cap: Decimal | None

    def score(self, slot: Slot, scope: Scope) -> Outcome:
        raw = scope.number(self.expression)
        assert self.expression.formula is not None
        values_zh: list[str] = []
        values_en: list[str] = []
        for name in sorted(self.expression.formula.names):
            try:
                value = scope.value(name)
            except (MissingFactError, BadFactError):
                continue
            shown = show(value) if isinstance(value, Decimal) else str(value)
            values_zh.append(f"{name}={shown}")
            values_en.append(f"{name} = {shown}")
        lead_zh = self.text.zh if self.text else "按公式计算"
        lead_en = self.text.en if self.text else "by formula"
        zh = [
            f"{lead_zh}：{self.expression.formula.source}"
            + (f"，其中{'、'.join(values_zh)}" if values_zh else "")
            + f"，结果{show(raw)}"
        ]
        en = [
            f"{lead_en}: {self.expression.formula.source}"
            + (f" where {', '.join(values_en)}" if values_en else "")
            + f" = {show(raw)}"
        ]
        clamped = max(ZERO, raw)
        if slot.section == "scored":
            assert slot.max_points is not None
            points = min(clamped, slot.max_points)
            if points != raw:
                zh.append(f"限定在0至{show(slot.max_points)}分之间")
                en.append(f"kept within 0..{show(slot.max_points)}")
            zh.append(f"得{slot.points(points)}分")
            en.append(f"score {slot.points(points)}")
            return Outcome(points, "，".join(zh), "; ".join(en))
        return _magnitude(slot, clamped, self.cap, zh, en)


@parses(FormulaRule)
def _parse_formula(r: Reader, ctx: ParseContext) -> FormulaRule | None:
    r.only(("type", "expression", "zh", "en", "cap"))
    formula = ctx.formula(r, "expression")
    zh, en = r.string("zh", required=False), r.string("en", required=False)
    cap = r.decimal("cap", required=False, positive=True)
    if (zh is None) != (en is None):
        r.fail("zh and en describe the formula together; give both or neither")
    if formula is None:
        return None
    text = Text(zh, en) if zh is not None and en is not None else None
    return FormulaRule(ValueRef(formula=formula), text, cap)


# -- conditional ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    when: Condition
    rule: LocalRule


@dataclass(frozen=True)
class Conditional(LocalRule):
    """The first case whose condition holds scores the line; else ``otherwise``."""

    kind: ClassVar[str] = "conditional"
    cases: tuple[Case, ...]
    otherwise: LocalRule

    def score(self, slot: Slot, scope: Scope) -> Outcome:
        for case in self.cases:
            if scope.holds(case.when):
                inner = case.rule.score(slot, scope)
                return Outcome(
                    inner.points,
                    f"{case.when.text.zh}：{inner.zh}",
                    f"{case.when.text.en}: {inner.en}",
                )
        inner = self.otherwise.score(slot, scope)
        return Outcome(inner.points, f"其他情况：{inner.zh}", f"otherwise: {inner.en}")

    def usable_in(self) -> tuple[str, ...]:
        """Only where every rule it may hand the line to can score: a case scoring out of
        the line's maximum makes the whole rule a scored-group rule."""
        wrapped = [case.rule.usable_in() for case in self.cases] + [self.otherwise.usable_in()]
        return tuple(section for section in self.sections if all(section in w for w in wrapped))


@parses(Conditional)
def _parse_conditional(r: Reader, ctx: ParseContext) -> Conditional | None:
    r.only(("type", "cases", "otherwise"))
    cases: list[Case | None] = []
    for c in r.items("cases"):
        c.only(("when", "zh", "en", "rule"))
        # {when: formula, zh, en, rule} or {when: {when, zh, en}, rule}
        nested = isinstance(c.raw("when"), dict)
        when = ctx.condition(c, "when") if nested else _inline_condition(c, ctx)
        rule = _local(c, "rule", ctx)
        cases.append(Case(when, rule) if when is not None and rule is not None else None)
    otherwise = _local(r, "otherwise", ctx)
    if otherwise is None or not cases or any(c is None for c in cases):
        return None
    return Conditional(tuple(c for c in cases if c is not None), otherwise)


def _inline_condition(r: Reader, ctx: ParseContext) -> Condition | None:
    formula = ctx.formula(r, "when")
    zh, en = r.string("zh"), r.string("en")
    if formula is None or zh is None or en is None:
        return None
    return Condition(formula, Text(zh, en))


def _local(r: Reader, key: str, ctx: ParseContext) -> LocalRule | None:
    sub = r.mapping(key)
    if sub is None:
        return None
    rule = parse_rule(sub, ctx)
    if rule is not None and not isinstance(rule, LocalRule):
        sub.fail("must be a rule that scores one subject (not rank_based or top_n)", "type")
        return None
    return rule


# -- rank based (cohort) -----------------------------------------------------------------------
def competition_ranks(ordered: Sequence[tuple[str, Decimal]], policy: str) -> dict[str, int]:
    """Ranks for (id, value) pairs already sorted best first; equal values share a rank.

    ``competition``: 1, 1, 3 (the next rank skips); ``dense``: 1, 1, 2."""
    ranks: dict[str, int] = {}
    previous: Decimal | None = None
    rank = 0
    distinct = 0
    for position, (subject, value) in enumerate(ordered, start=1):
        if previous is None or value != previous:
            distinct += 1
            rank = position if policy == "competition" else distinct
            previous = value
        ranks[subject] = rank
    return ranks


@dataclass(frozen=True)
class RankBased(CohortRule):
    """Full marks at the target; the others ranked (best first) and each next rank lower by
    ``step_percent`` of the maximum (``compounding``: of the previous rank's points)."""

    kind: ClassVar[str] = "rank_based"
    sections: ClassVar[tuple[str, ...]] = ("scored",)
    actual: ValueRef
    target: Decimal
    step_percent: Decimal
    compounding: bool
    higher_is_better: bool
    ties: str

    def key(self, scope: Scope) -> Key:
        value = scope.number(self.actual)
        unit = scope.unit(self.actual.name).zh if self.actual.name else ""
        return Key(value, *scope.describe(self.actual, value), unit)

    def score_all(self, slot: Slot, keys: Mapping[str, Key]) -> dict[str, Outcome]:
        assert slot.max_points is not None
        full = slot.max_points
        sign = 1 if self.higher_is_better else -1

        def reached(value: Decimal) -> bool:
            return value >= self.target if self.higher_is_better else value <= self.target

        outcomes: dict[str, Outcome] = {}
        rest = sorted(
            ((s, k.value) for s, k in keys.items() if not reached(k.value)),
            key=lambda p: (-sign * p[1], p[0]),
        )
        ranks = competition_ranks(rest, self.ties)
        step = self.step_percent / HUNDRED
        cmp_zh = "达到" if self.higher_is_better else "不超过"
        cmp_en = "reaches" if self.higher_is_better else "within"
        for subject, key in keys.items():
            value = key.value
            if reached(value):
                outcomes[subject] = Outcome(
                    full,
                    f"{key.zh}，{cmp_zh}{show(self.target)}{key.unit}，得满分{show(full)}分",
                    f"{key.en} {cmp_en} {show(self.target)}: full marks {show(full)}",
                )
                continue
            k = ranks[subject]
            if self.compounding:
                points = full * (ONE - step) ** k
                how_zh = f"{show(full)}×(1−{show(self.step_percent)}%)^{k}"
                how_en = f"{show(full)} × (1 − {show(self.step_percent)}%)^{k}"
            else:
                points = max(ZERO, full * (ONE - step * k))
                how_zh = f"{show(full)}×(1−{k}×{show(self.step_percent)}%)"
                how_en = f"{show(full)} × (1 − {k} × {show(self.step_percent)}%)"
            order_zh = "从高到低" if self.higher_is_better else "从低到高"
            order_en = "highest first" if self.higher_is_better else "lowest first"
            outcomes[subject] = Outcome(
                points,
                f"{key.zh}，未{cmp_zh}{show(self.target)}{key.unit}，在{len(rest)}个未达标对象中"
                f"{order_zh}排第{k}名，依次少{show(self.step_percent)}%，得{how_zh}={slot.points(points)}分",
                f"{key.en}, short of {show(self.target)}; rank {k} of {len(rest)} short "
                f"({order_en}), {show(self.step_percent)}% less per rank: {how_en} = "
                f"{slot.points(points)}",
            )
        return outcomes


@parses(RankBased)
def _parse_rank_based(r: Reader, ctx: ParseContext) -> RankBased | None:
    r.only(("type", "actual", "target", "step_percent", "compounding", "higher_is_better", "ties"))
    actual = ctx.value(r, "actual")
    target = r.decimal("target")
    step = r.decimal("step_percent", positive=True)
    compounding = r.boolean("compounding", default=False)
    higher = r.boolean("higher_is_better", default=True)
    ties = r.string("ties", required=False, choices=TIE_POLICIES) or "competition"
    if step is not None and step > 100:
        r.fail("must be at most 100", "step_percent")
        return None
    if actual is None or target is None or step is None:
        return None
    return RankBased(actual, target, step, compounding, higher, ties)


# -- top N by count (cohort) -------------------------------------------------------------------
@dataclass(frozen=True)
class TopN(CohortRule):
    """The subjects with the most occurrences get ``points[0]``, ``points[1]``... (a bonus
    or a deduction by the group); subjects under ``min_count`` are not placed."""

    kind: ClassVar[str] = "top_n"
    sections: ClassVar[tuple[str, ...]] = ("bonus", "deduction")
    count: ValueRef
    points: tuple[Decimal, ...]
    ties: str
    min_count: Decimal

    def key(self, scope: Scope) -> Key:
        value = _count(scope, self.count, "a count")
        return Key(value, *scope.describe(self.count, value))

    def score_all(self, slot: Slot, keys: Mapping[str, Key]) -> dict[str, Outcome]:
        verb_zh, verb_en = _verb(slot.section)
        placed = sorted(
            ((s, k.value) for s, k in keys.items() if k.value >= self.min_count),
            key=lambda p: (-p[1], p[0]),
        )
        policy = "competition" if self.ties == "split" else self.ties
        ranks = competition_ranks(placed, policy)
        tied: dict[int, int] = {}
        for placed_rank in ranks.values():
            tied[placed_rank] = tied.get(placed_rank, 0) + 1
        n = len(self.points)
        outcomes: dict[str, Outcome] = {}
        for subject, key in keys.items():
            rank = ranks.get(subject)
            if rank is None or rank > n:
                why_zh = f"未进入前{n}名" if rank else f"不足{show(self.min_count)}次，不参与排名"
                why_en = f"not in the top {n}" if rank else f"under {show(self.min_count)}"
                outcomes[subject] = Outcome(
                    ZERO, f"{key.zh}，{why_zh}，0分", f"{key.en}, {why_en}: 0"
                )
                continue
            if self.ties == "split" and tied[rank] > 1:
                span = [
                    self.points[i] if i < n else ZERO
                    for i in range(rank - 1, rank - 1 + tied[rank])
                ]
                amount = sum(span, ZERO) / len(span)
                how_zh = f"{tied[rank]}个并列第{rank}名，平分{'、'.join(show(p) for p in span)}分"
                how_en = f"{tied[rank]} tied at rank {rank} share {', '.join(map(show, span))}"
            else:
                amount = self.points[rank - 1]
                how_zh = f"排第{rank}名" + (f"（{tied[rank]}个并列）" if tied[rank] > 1 else "")
                how_en = f"rank {rank}" + (f" ({tied[rank]} tied)" if tied[rank] > 1 else "")
            outcomes[subject] = Outcome(
                amount,
                f"{key.zh}，{how_zh}，{verb_zh}{slot.points(amount)}分",
                f"{key.en}, {how_en}: {verb_en} {slot.points(amount)}",
            )
        return outcomes


@parses(TopN)
def _parse_top_n(r: Reader, ctx: ParseContext) -> TopN | None:
    r.only(("type", "count", "points", "ties", "min_count"))
    count = ctx.value(r, "count")
    points = r.decimals("points")
    ties = r.string("ties", required=False, choices=TOP_N_TIE_POLICIES) or "competition"
    min_count = r.decimal("min_count", required=False, positive=True, default=ONE)
    if count is None or not points or min_count is None:
        return None
    return TopN(count, tuple(points), ties, min_count)


RULE_TYPES: tuple[str, ...] = tuple(CATALOGUE)


def parse_rule(r: Reader, ctx: ParseContext) -> Rule | None:
    """Build the rule described by mapping ``r``; every problem goes to ``ctx``."""
    kind = r.string("type", choices=RULE_TYPES)
    if kind is None:
        return None
    return CATALOGUE[kind].parse(r, ctx)


def sections_for(kind: str) -> tuple[str, ...]:
    """The group sections a rule type may be used in."""
    return CATALOGUE[kind].sections
