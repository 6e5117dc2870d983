"""Money rules: subsidies, deductions, rewards and redistribution per subject and period.

Every rule has an ``id``, a ``name`` and an optional ``when`` condition (no line at all when
it does not hold, e.g. quarterly stars in a monthly scheme). Amounts are Decimals rounded
half-up to the cent once, on the line. A fact a money rule needs and the subject lacks
leaves that line uncomputed (``amount`` None) and is reported; it is never taken as zero.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import ClassVar, NamedTuple

from shared.calendar import WorkCalendar

from .model import BadFactError, Condition, Scope, ValueRef
from .numbers import CENT, CONTEXT, HUNDRED, ZERO
from .parsing import ParseContext
from .problems import Reader, Text
from .rules import TIE_POLICIES, competition_ranks, show

# Names a money ``when`` may use besides inputs and derived values.
RESULT_NAMES = frozenset({"rank", "subjects", "total", "mean_total", "grade", "assessable"})
# What a money rule may read of the rules before it, per subject: ``money_<id>`` (its amount
# this period), ``forfeited_<id>`` and ``quarter_money_<id>`` (its amounts over the quarter's
# published months and this one: quarterly stars ranked on three months of pay, seed 004).
QUARTER_MONEY = "quarter_money_"


def rule_result_names(rule_id: str) -> frozenset[str]:
    """The names a later money rule may use about rule ``rule_id``."""
    return frozenset({f"money_{rule_id}", f"forfeited_{rule_id}", f"{QUARTER_MONEY}{rule_id}"})


@dataclass(frozen=True)
class QuarterMonth:
    """One month of the quarter as a quarter sum reads it: its label and the subject's amounts
    of the rules summed (published sheets for the earlier months, this evaluation for its own)."""

    label: str
    amounts: tuple[tuple[Text, Decimal], ...]


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=CONTEXT)


def yuan(value: Decimal) -> str:
    return format(cents(value), "f")


@dataclass(frozen=True)
class MoneyLine:
    """One amount paid to (or withheld from) a subject, explained."""

    rule_id: str
    name: Text
    amount: Decimal
    forfeited: bool
    zh: str
    en: str


@dataclass(frozen=True)
class Payee:
    """A subject as money rules see it: its values, rank and grade in the period, and the
    working-day calendar of the period (the scheme's, with the tenant's own decisions)."""

    subject_id: str
    scope: Scope
    rank: int | None
    grade: str | None
    grade_name: Text | None = None
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    # The months a quarter sum of this rule reads (only for a rule that uses one).
    quarter: tuple[QuarterMonth, ...] = ()


class MoneyRule(ABC):
    """Base of every money rule. ``prepare`` runs per subject (and may raise MissingFactError or
    BadFactError); ``settle`` turns all prepared values into lines."""

    kind: ClassVar[str]

    def __init__(self, rule_id: str, name: Text, when: Condition | None) -> None:
        self.id = rule_id
        self.name = name
        self.when = when

    @abstractmethod
    def prepare(self, payee: Payee) -> object:
        """Per-subject work; the result is handed back to :meth:`settle`."""

    def settle(self, prepared: Mapping[str, tuple[Payee, object]]) -> dict[str, list[MoneyLine]]:
        """Lines per subject; local rules produced their line in :meth:`prepare`."""
        return {s: [line] for s, (_, line) in prepared.items() if isinstance(line, MoneyLine)}

    def line(self, amount: Decimal, zh: str, en: str, *, forfeited: bool = False) -> MoneyLine:
        return MoneyLine(self.id, self.name, cents(amount), forfeited, zh, en)

    @property
    def names(self) -> frozenset[str]:
        """Names the rule reads besides its inputs' own (its ``when``, and a ranking's basis)."""
        return self.when.formula.names if self.when else frozenset()

    @property
    def quarter_rules(self) -> tuple[str, ...]:
        """Ids of the earlier rules this one sums over the quarter (``quarter_money_<id>``)."""
        return tuple(
            sorted(n.removeprefix(QUARTER_MONEY) for n in self.names if n.startswith(QUARTER_MONEY))
        )


@dataclass(frozen=True)
class Deduction:
    count: ValueRef
    amount: Decimal
    text: Text


class DailySubsidy(MoneyRule):
    """A base subsidy less ``per_failing_day`` for each failing working day (and per other
    occurrence), floored at zero; none at all after ``forfeit_consecutive`` consecutive or
    ``forfeit_cumulative`` failing days in the period."""

    kind: ClassVar[str] = "daily_subsidy"

    def __init__(
        self,
        rule_id: str,
        name: Text,
        when: Condition | None,
        *,
        amount: Decimal,
        failing_days: str,
        per_failing_day: Decimal,
        forfeit_consecutive: int | None,
        forfeit_cumulative: int | None,
        deductions: Sequence[Deduction],
    ) -> None:
        super().__init__(rule_id, name, when)
        self.amount = amount
        self.failing_days = failing_days
        self.per_failing_day = per_failing_day
        self.forfeit_consecutive = forfeit_consecutive
        self.forfeit_cumulative = forfeit_cumulative
        self.deductions = tuple(deductions)

    def prepare(self, payee: Payee) -> MoneyLine:
        days = payee.scope.value(self.failing_days)
        if not isinstance(days, list):
            raise BadFactError(self.failing_days, "must be a list of dates")
        # Only working days can fail the patrol targets; other dates given are left out. The
        # calendar is the period's, not the scheme's: a tenant may move a working day.
        calendar = payee.calendar
        working = [d for d in days if isinstance(d, date) and calendar.is_workday(d)]
        ignored = len(days) - len(working)
        n = len(working)
        run = calendar.longest_run(working)
        label = payee.scope.label(self.failing_days)
        head_zh = f"{label.zh}{n}天，最长连续{run}个工作日"
        head_en = f"{label.en}: {n} days, longest run {run} working days"
        if ignored:
            head_zh += f"（另有{ignored}天非工作日不计）"
            head_en += f" ({ignored} non-working days not counted)"
        if self.forfeit_consecutive is not None and run >= self.forfeit_consecutive:
            return self.line(
                ZERO,
                f"{head_zh}，连续{self.forfeit_consecutive}天未达标，当期不予发放",
                f"{head_en}; {self.forfeit_consecutive} consecutive failing days: forfeited",
                forfeited=True,
            )
        if self.forfeit_cumulative is not None and n >= self.forfeit_cumulative:
            return self.line(
                ZERO,
                f"{head_zh}，累计{self.forfeit_cumulative}天未达标，当期不予发放",
                f"{head_en}; {self.forfeit_cumulative} failing days in total: forfeited",
                forfeited=True,
            )
        zh = [
            f"{head_zh}，每天扣{yuan(self.per_failing_day)}元，扣{yuan(n * self.per_failing_day)}元"
        ]
        en = [f"{head_en}; {yuan(self.per_failing_day)} per day = {yuan(n * self.per_failing_day)}"]
        lost = n * self.per_failing_day
        for d in self.deductions:
            count = payee.scope.number(d.count)
            if count:
                zh.append(f"{d.text.zh}{show(count)}次，每次扣{yuan(d.amount)}元")
                en.append(f"{d.text.en} {show(count)} × {yuan(d.amount)}")
                lost += count * d.amount
        paid = max(ZERO, self.amount - lost)
        zh.append(f"补贴{yuan(self.amount)}元，共扣{yuan(lost)}元，发放{yuan(paid)}元")
        en.append(f"subsidy {yuan(self.amount)} less {yuan(lost)} = {yuan(paid)}")
        return self.line(paid, "；".join(zh), "; ".join(en))


class QuotaSubsidy(MoneyRule):
    """A subsidy at the quota, less ``per_unit`` for each unit short (floored at zero);
    cancelled when ``cancel_when`` holds."""

    kind: ClassVar[str] = "quota_subsidy"

    def __init__(
        self,
        rule_id: str,
        name: Text,
        when: Condition | None,
        *,
        amount: Decimal,
        actual: ValueRef,
        quota: ValueRef,
        per_unit: Decimal,
        cancel_when: Condition | None,
    ) -> None:
        super().__init__(rule_id, name, when)
        self.amount = amount
        self.actual = actual
        self.quota = quota
        self.per_unit = per_unit
        self.cancel_when = cancel_when

    def prepare(self, payee: Payee) -> MoneyLine:
        if self.cancel_when is not None and payee.scope.holds(self.cancel_when):
            return self.line(
                ZERO,
                f"{self.cancel_when.text.zh}，取消该项补贴",
                f"{self.cancel_when.text.en}: subsidy cancelled",
                forfeited=True,
            )
        actual = payee.scope.number(self.actual)
        quota = payee.scope.number(self.quota)
        a_zh, a_en = payee.scope.describe(self.actual, actual)
        short = max(ZERO, quota - actual)
        paid = max(ZERO, self.amount - short * self.per_unit)
        if short == 0:
            return self.line(
                paid,
                f"{a_zh}，达到{show(quota)}，发放{yuan(paid)}元",
                f"{a_en} meets {show(quota)}: {yuan(paid)}",
            )
        return self.line(
            paid,
            f"{a_zh}，少于{show(quota)}共{show(short)}，每少1扣{yuan(self.per_unit)}元，"
            f"{yuan(self.amount)}−{yuan(short * self.per_unit)}={yuan(paid)}元",
            f"{a_en}, {show(short)} short of {show(quota)} × {yuan(self.per_unit)}: "
            f"{yuan(self.amount)} − {yuan(short * self.per_unit)} = {yuan(paid)}",
        )


class ThresholdReward(MoneyRule):
    """A fixed reward when the actual value reaches ``at_least``."""

    kind: ClassVar[str] = "threshold_reward"

    def __init__(
        self,
        rule_id: str,
        name: Text,
        when: Condition | None,
        *,
        amount: Decimal,
        actual: ValueRef,
        at_least: Decimal,
    ) -> None:
        super().__init__(rule_id, name, when)
        self.amount = amount
        self.actual = actual
        self.at_least = at_least

    def prepare(self, payee: Payee) -> MoneyLine:
        actual = payee.scope.number(self.actual)
        a_zh, a_en = payee.scope.describe(self.actual, actual)
        if actual >= self.at_least:
            return self.line(
                self.amount,
                f"{a_zh}，达到{show(self.at_least)}，奖励{yuan(self.amount)}元",
                f"{a_en} reaches {show(self.at_least)}: {yuan(self.amount)}",
            )
        return self.line(
            ZERO,
            f"{a_zh}，未达到{show(self.at_least)}，不予奖励",
            f"{a_en} under {show(self.at_least)}: no reward",
        )


class FixedReward(MoneyRule):
    """A fixed amount for every subject the rule's ``when`` holds for."""

    kind: ClassVar[str] = "fixed_reward"

    def __init__(self, rule_id: str, name: Text, when: Condition | None, *, amount: Decimal):
        super().__init__(rule_id, name, when)
        self.amount = amount

    def prepare(self, payee: Payee) -> MoneyLine:
        reason_zh = self.when.text.zh if self.when else "固定奖励"
        reason_en = self.when.text.en if self.when else "fixed reward"
        return self.line(
            self.amount,
            f"{reason_zh}，奖励{yuan(self.amount)}元",
            f"{reason_en}: {yuan(self.amount)}",
        )


@dataclass(frozen=True)
class Tier:
    first: int
    last: int
    amount: Decimal
    text: Text


class RankTiers(MoneyRule):
    """An amount by rank tier (1-5: 300, 6-10: 200...). Ranks are the scheme's ranking, or
    a ranking by ``rank_by`` (highest first) with its own tie policy."""

    kind: ClassVar[str] = "rank_tiers"

    def __init__(
        self,
        rule_id: str,
        name: Text,
        when: Condition | None,
        *,
        tiers: Sequence[Tier],
        rank_by: ValueRef | None,
        ties: str,
        rank_name: Text | None = None,
    ) -> None:
        super().__init__(rule_id, name, when)
        self.tiers = tuple(tiers)
        self.rank_by = rank_by
        self.ties = ties
        self.rank_name = rank_name

    @property
    def names(self) -> frozenset[str]:
        formula = self.rank_by.formula if self.rank_by else None
        return super().names | (formula.names if formula else frozenset())

    def prepare(self, payee: Payee) -> object:
        if self.rank_by is None:
            return None
        value = payee.scope.number(self.rank_by)
        label = self.rank_name or (
            payee.scope.label(self.rank_by.name) if self.rank_by.name else None
        )
        return value, label, _quarter_words(payee.quarter)

    def settle(self, prepared: Mapping[str, tuple[Payee, object]]) -> dict[str, list[MoneyLine]]:
        if self.rank_by is None:
            ranks = {s: p.rank for s, (p, _) in prepared.items() if p.rank is not None}
            basis_zh, basis_en = "综合排名", "rank"
        else:
            values: dict[str, Decimal] = {}
            words: dict[str, Text] = {}
            label = Text(self.rank_by.spec(), self.rank_by.spec())
            for subject, (_, item) in prepared.items():
                if isinstance(item, tuple):
                    values[subject] = item[0]
                    label = item[1] or label
                    words[subject] = item[2]
            ordered = sorted(values.items(), key=lambda p: (-p[1], p[0]))
            ranks = dict(competition_ranks(ordered, self.ties))
        lines: dict[str, list[MoneyLine]] = {}
        for subject, rank in ranks.items():
            if self.rank_by is None:
                basis_zh, basis_en = f"综合排名第{rank}名", f"rank {rank}"
            else:
                shown_value, parts = show(values[subject]), words[subject]
                basis_zh = f"{parts.zh}按{label.zh}（{shown_value}）排名第{rank}名"
                basis_en = f"{parts.en}rank by {label.en} ({shown_value}): {rank}"
            tier = next((t for t in self.tiers if t.first <= rank <= t.last), None)
            if tier is None:
                lines[subject] = [
                    self.line(ZERO, f"{basis_zh}，未获奖励", f"{basis_en}, no reward")
                ]
            else:
                lines[subject] = [
                    self.line(
                        tier.amount,
                        f"{basis_zh}，属第{tier.first}—{tier.last}名（{tier.text.zh}），"
                        f"奖励{yuan(tier.amount)}元",
                        f"{basis_en}, ranks {tier.first}-{tier.last} ({tier.text.en}): "
                        f"{yuan(tier.amount)}",
                    )
                ]
        return lines


def _quarter_words(months: Sequence[QuarterMonth]) -> Text:
    """The months a quarter sum read and the subject's amounts in each, as the line says them
    (empty when the rule sums nothing over the quarter)."""
    if not months:
        return Text("", "")
    zh = "；".join(
        f"{m.label}：" + "、".join(f"{name.zh}{yuan(amount)}元" for name, amount in m.amounts)
        for m in months
    )
    en = "; ".join(
        f"{m.label}: " + ", ".join(f"{name.en} {yuan(amount)}" for name, amount in m.amounts)
        for m in months
    )
    return Text(f"本季度{zh}；", f"quarter {en}; ")


class GradeSubsidy(MoneyRule):
    """A subsidy paid at a percentage by grade; what is withheld may be pooled and shared
    equally among the subjects of ``redistribute_to`` grades (seed 002)."""

    kind: ClassVar[str] = "grade_subsidy"

    def __init__(
        self,
        rule_id: str,
        name: Text,
        when: Condition | None,
        *,
        amount: ValueRef,
        pay_percent: Mapping[str, Decimal],
        redistribute_to: Sequence[str],
        share_name: Text,
        receivers: Text | None = None,
    ) -> None:
        super().__init__(rule_id, name, when)
        self.amount = amount
        self.pay_percent = dict(pay_percent)
        self.redistribute_to = tuple(redistribute_to)
        self.share_name = share_name
        # Who shares the pool, in words: the grades' labels (优秀), never their ids.
        self.receivers = receivers or Text(
            "、".join(self.redistribute_to), ", ".join(self.redistribute_to)
        )

    def prepare(self, payee: Payee) -> object:
        return payee.scope.number(self.amount)

    def settle(self, prepared: Mapping[str, tuple[Payee, object]]) -> dict[str, list[MoneyLine]]:
        lines: dict[str, list[MoneyLine]] = {}
        pool = ZERO
        receivers: list[tuple[int, str]] = []
        for subject, (payee, base) in sorted(prepared.items()):
            if not isinstance(base, Decimal) or payee.grade is None:
                continue
            percent = self.pay_percent.get(payee.grade, HUNDRED)
            paid = cents(base * percent / HUNDRED)
            withheld = cents(base) - paid
            pool += withheld
            grade_zh = payee.grade_name.zh if payee.grade_name else payee.grade
            grade_en = payee.grade_name.en if payee.grade_name else payee.grade
            note_zh = f"，扣发{yuan(withheld)}元" if withheld else ""
            note_en = f", {yuan(withheld)} withheld" if withheld else ""
            lines[subject] = [
                self.line(
                    paid,
                    f"等次{grade_zh}，补贴{yuan(base)}元按{show(percent)}%发放{yuan(paid)}元"
                    + note_zh,
                    f"grade {grade_en}: {show(percent)}% of {yuan(base)} = {yuan(paid)}" + note_en,
                )
            ]
            if payee.grade in self.redistribute_to:
                receivers.append((payee.rank or 0, subject))
        if not self.redistribute_to or pool == 0:
            return lines
        if not receivers:
            return lines
        receivers.sort()
        share = (pool / len(receivers)).quantize(CENT, rounding=ROUND_DOWN, context=CONTEXT)
        leftover = int((pool - share * len(receivers)) / CENT)
        for position, (_, subject) in enumerate(receivers):
            amount = share + (CENT if position < leftover else ZERO)
            extra_zh = "（含分配余数0.01元）" if position < leftover else ""
            extra_en = " (incl. 0.01 remainder)" if position < leftover else ""
            lines[subject].append(
                MoneyLine(
                    f"{self.id}.share",
                    self.share_name,
                    amount,
                    False,
                    f"扣发补贴共{yuan(pool)}元，由{len(receivers)}名{self.receivers.zh}"
                    f"平分，得{yuan(amount)}元{extra_zh}",
                    f"withheld pool {yuan(pool)} shared equally by {len(receivers)} "
                    f"{self.receivers.en}: {yuan(amount)}" + extra_en,
                )
            )
        return lines


MONEY_TYPES = (
    "daily_subsidy",
    "quota_subsidy",
    "threshold_reward",
    "fixed_reward",
    "rank_tiers",
    "grade_subsidy",
)


class _Head(NamedTuple):
    """What every money rule declares, read before its own fields."""

    rule_id: str
    name: Text
    when: Condition | None


class _Env(NamedTuple):
    """What a money rule parser needs from the rest of the scheme: its grades' labels, and the
    result names it may read (the period's results, the rules declared before it)."""

    grades: Mapping[str, Text]
    results: frozenset[str]


_COMMON = ("id", "name", "type", "when")


def parse_money(
    r: Reader,
    ctx: ParseContext,
    grades: Mapping[str, Text],
    earlier: Sequence[MoneyRule] = (),
) -> MoneyRule | None:
    """Build one money rule from mapping ``r``; every problem goes to ``ctx``. ``earlier``:
    the scheme's rules declared before it, whose amounts it may read."""
    rule_id = r.identifier("id")
    name = r.text("name")
    kind = r.string("type", choices=MONEY_TYPES)
    results = RESULT_NAMES.union(*(rule_result_names(rule.id) for rule in earlier))
    when = ctx.condition(r, "when", required=False, extra=results)
    if kind is None:
        return None
    fields, parser = _MONEY_PARSERS[kind]
    r.only((*_COMMON, *fields))
    built = parser(r, ctx, _Env(grades, results), when)
    if built is None or rule_id is None or name is None:
        return None
    return built(_Head(rule_id, name, when))


_Builder = Callable[[_Head], MoneyRule]


def _daily_subsidy(
    r: Reader, ctx: ParseContext, env: _Env, when: Condition | None
) -> _Builder | None:
    amount = r.decimal("amount", positive=True)
    failing = r.identifier("failing_days")
    if failing is not None:
        ctx.refer(r.at("failing_days"), failing)
    per_day = r.decimal("per_failing_day", non_negative=True)
    consecutive = r.integer("forfeit_consecutive", required=False, minimum=1)
    cumulative = r.integer("forfeit_cumulative", required=False, minimum=1)
    deductions: list[Deduction] = []
    for d in r.items("deductions", required=False):
        d.only(("count", "amount", "zh", "en"))
        count, each = ctx.value(d, "count"), d.decimal("amount", positive=True)
        zh, en = d.string("zh"), d.string("en")
        if count is not None and each is not None and zh and en:
            deductions.append(Deduction(count, each, Text(zh, en)))
    if amount is None or failing is None or per_day is None:
        return None
    return lambda head: DailySubsidy(
        *head,
        amount=amount,
        failing_days=failing,
        per_failing_day=per_day,
        forfeit_consecutive=consecutive,
        forfeit_cumulative=cumulative,
        deductions=deductions,
    )


def _quota_subsidy(
    r: Reader, ctx: ParseContext, env: _Env, when: Condition | None
) -> _Builder | None:
    amount = r.decimal("amount", positive=True)
    actual, quota = ctx.value(r, "actual"), ctx.value(r, "quota")
    per_unit = r.decimal("per_unit", non_negative=True)
    cancel = ctx.condition(r, "cancel_when", required=False)
    if amount is None or actual is None or quota is None or per_unit is None:
        return None
    return lambda head: QuotaSubsidy(
        *head, amount=amount, actual=actual, quota=quota, per_unit=per_unit, cancel_when=cancel
    )


def _threshold_reward(
    r: Reader, ctx: ParseContext, env: _Env, when: Condition | None
) -> _Builder | None:
    amount = r.decimal("amount", positive=True)
    actual = ctx.value(r, "actual")
    at_least = r.decimal("at_least", non_negative=True)
    if amount is None or actual is None or at_least is None:
        return None
    return lambda head: ThresholdReward(*head, amount=amount, actual=actual, at_least=at_least)


def _fixed_reward(
    r: Reader, ctx: ParseContext, env: _Env, when: Condition | None
) -> _Builder | None:
    amount = r.decimal("amount", positive=True)
    if when is None:
        r.fail("a fixed reward needs a when condition (who receives it)", "when")
    if amount is None or when is None:
        return None
    return lambda head: FixedReward(*head, amount=amount)


def _rank_tiers(r: Reader, ctx: ParseContext, env: _Env, when: Condition | None) -> _Builder | None:
    tiers: list[Tier] = []
    for t in r.items("tiers"):
        t.only(("from", "to", "amount", "zh", "en"))
        first, last = t.integer("from", minimum=1), t.integer("to", minimum=1)
        amount = t.decimal("amount", positive=True)
        zh, en = t.string("zh"), t.string("en")
        if first is not None and last is not None and last < first:
            t.fail("must not be below from", "to")
        elif first is not None and last is not None and amount is not None and zh and en:
            tiers.append(Tier(first, last, amount, Text(zh, en)))
    ordered = sorted(tiers, key=lambda t: t.first)
    for a, b in pairwise(ordered):
        if b.first <= a.last:
            r.fail(f"tiers {a.first}-{a.last} and {b.first}-{b.last} overlap", "tiers")
    rank_by = ctx.value(r, "rank_by", required=False, extra=env.results)
    rank_name = r.text("rank_name", required=False)
    if rank_name is not None and not r.has("rank_by"):
        r.fail("names the basis of rank_by, which is not given", "rank_name")
    ties = r.string("ties", required=False, choices=TIE_POLICIES) or "competition"
    if not tiers:
        return None
    return lambda head: RankTiers(
        *head, tiers=ordered, rank_by=rank_by, ties=ties, rank_name=rank_name
    )


def _grade_subsidy(
    r: Reader, ctx: ParseContext, env: _Env, when: Condition | None
) -> _Builder | None:
    amount = ctx.value(r, "amount")
    percents: dict[str, Decimal] = {}
    p = r.mapping("pay_percent")
    if p is not None:
        for grade in p.data:
            if grade not in env.grades:
                p.fail("is not a grade of this scheme", str(grade))
                continue
            value = p.decimal(str(grade), non_negative=True)
            if value is not None and value > 100:
                p.fail("must be at most 100", str(grade))
            elif value is not None:
                percents[str(grade)] = value
    targets = r.raw("redistribute_to") or []
    if not isinstance(targets, list) or not all(isinstance(g, str) for g in targets):
        r.fail("must be a list of grade ids", "redistribute_to")
        targets = []
    for i, grade in enumerate(targets):
        if grade not in env.grades:
            r.fail("is not a grade of this scheme", f"redistribute_to[{i}]")
    share_name = r.text("share_name", required=bool(targets)) or Text("奖励", "reward")
    if not env.grades:
        r.fail("a grade subsidy needs the scheme to declare grades", "type")
    if amount is None or not env.grades:
        return None
    names = [env.grades[g] for g in targets if g in env.grades]
    receivers = Text("、".join(n.zh for n in names), ", ".join(n.en for n in names))
    return lambda head: GradeSubsidy(
        *head,
        amount=amount,
        pay_percent=percents,
        redistribute_to=targets,
        share_name=share_name,
        receivers=receivers,
    )


_Parser = Callable[[Reader, ParseContext, _Env, Condition | None], _Builder | None]
_MONEY_PARSERS: dict[str, tuple[tuple[str, ...], _Parser]] = {
    "daily_subsidy": (
        ("amount", "failing_days", "per_failing_day", "forfeit_consecutive",
         "forfeit_cumulative", "deductions"),
        _daily_subsidy,
    ),
    "quota_subsidy": (("amount", "actual", "quota", "per_unit", "cancel_when"), _quota_subsidy),
    "threshold_reward": (("amount", "actual", "at_least"), _threshold_reward),
    "fixed_reward": (("amount",), _fixed_reward),
    "rank_tiers": (("tiers", "rank_by", "rank_name", "ties"), _rank_tiers),
    "grade_subsidy": (
        ("amount", "pay_percent", "redistribute_to", "share_name"),
        _grade_subsidy,
    ),
}  # fmt: skip
