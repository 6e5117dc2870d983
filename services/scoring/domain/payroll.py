"""工资/补贴发放表 (payroll): what a tenant pays each subject for a period, from published
editions only.

A payroll is made of the money lines of published score sheets, never computed again here:
the engine (`domain.money`) is the one place an amount is worked out, and a published edition
is the one place it is kept. A month (or the scheme's own period) is its latest edition; a
quarter of a monthly scheme is its three months' latest editions side by side, each amount
kept with the period and edition it came from, and summed per subject and rule. Every month of
a quarter must be published: a payroll of two months out of three would read as the quarter's.

Quarterly stars (seed 004, 排名奖励) follow from the three months too, but in the engine: the
quarter's last month ranks the workers by their pay summed over the quarter's published
months and its own (`quarter_money_<rule>`, the READING in the template), and its published
line names each month's amounts. The quarter's payroll pays that line once, traced to the
last month's edition like every other amount.

Pure: no store, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from shared.periods import Period

from .evaluations import SheetRow
from .numbers import ZERO


@dataclass(frozen=True)
class Edition:
    """A published edition a document is made from."""

    period: str
    edition: int
    scheme_version: int
    evaluated_at: datetime


@dataclass(frozen=True)
class RuleName:
    """A money rule as the payroll's column headers show it."""

    rule_id: str
    zh: str
    en: str


@dataclass(frozen=True)
class Amount:
    """One money line of one published sheet: the rule, the period and edition it is from."""

    rule_id: str
    period: str
    edition: int
    amount: Decimal
    forfeited: bool


@dataclass(frozen=True)
class PayRow:
    """One subject's pay: every money line of the payroll's editions."""

    subject_id: str
    subject_name: str
    amounts: tuple[Amount, ...]
    # Periods the subject was not in (not in the registry then): nothing paid for them.
    absent: tuple[str, ...]
    # Periods whose sheet is incomplete (not assessable, or a money line skipped for lack of a
    # fact): published as they were, the payroll says so.
    incomplete: tuple[str, ...]

    def of(self, rule_id: str, period: str | None = None) -> Decimal:
        """The amount of ``rule_id`` (in ``period``, or summed over the payroll's periods)."""
        return sum(
            (
                a.amount
                for a in self.amounts
                if a.rule_id == rule_id and (period is None or a.period == period)
            ),
            ZERO,
        )

    def has(self, rule_id: str, period: str | None = None) -> bool:
        """Whether any sheet has a line of ``rule_id`` (a conditional reward may have none)."""
        return any(
            a.rule_id == rule_id and (period is None or a.period == period) for a in self.amounts
        )

    def forfeited(self, rule_id: str, period: str | None = None) -> bool:
        return any(
            a.forfeited
            for a in self.amounts
            if a.rule_id == rule_id and (period is None or a.period == period)
        )

    def period_total(self, period: str) -> Decimal:
        return sum((a.amount for a in self.amounts if a.period == period), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((a.amount for a in self.amounts), ZERO)


@dataclass(frozen=True)
class Payroll:
    """A period's payroll (a month, the scheme's own period, or a quarter of months)."""

    scheme_id: str
    scheme_name: str
    subject_kind: str
    period: Period
    editions: tuple[Edition, ...]  # oldest first: one, or a quarter's three
    rules: tuple[RuleName, ...]  # in the order the scheme declares them
    rows: tuple[PayRow, ...]
    generated_at: datetime

    @property
    def periods(self) -> tuple[str, ...]:
        return tuple(e.period for e in self.editions)

    @property
    def scheme_versions(self) -> tuple[int, ...]:
        return tuple(sorted({e.scheme_version for e in self.editions}))

    def rule_total(self, rule_id: str, period: str | None = None) -> Decimal:
        return sum((row.of(rule_id, period) for row in self.rows), ZERO)

    def period_total(self, period: str) -> Decimal:
        return sum((row.period_total(period) for row in self.rows), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((row.total for row in self.rows), ZERO)


def build(
    *,
    scheme_id: str,
    scheme_name: str,
    subject_kind: str,
    period: Period,
    published: Sequence[tuple[Edition, Sequence[SheetRow]]],
    rules: Sequence[RuleName],
    generated_at: datetime,
) -> Payroll:
    """The payroll of ``published`` (each edition with its rows, oldest period first): a row
    per subject found in any of them (by name, then id), each money line kept with the
    period and edition it comes from. Rules a sheet names but ``rules`` does not (a rule an
    earlier version had) are added after them, named by their id."""
    periods = [edition.period for edition, _ in published]
    names: dict[str, str] = {}
    amounts: dict[str, list[Amount]] = {}
    present: dict[str, set[str]] = {}
    incomplete: dict[str, list[str]] = {}
    known = {rule.rule_id for rule in rules}
    extra: list[RuleName] = []
    for edition, rows in published:
        for row in rows:
            names[row.subject_id] = row.subject_name  # the latest period's name wins
            present.setdefault(row.subject_id, set()).add(edition.period)
            if not row.assessable or row.missing:
                incomplete.setdefault(row.subject_id, []).append(edition.period)
            for line in row.money:
                if line.rule_id not in known:
                    known.add(line.rule_id)
                    extra.append(RuleName(line.rule_id, line.rule_id, line.rule_id))
                amounts.setdefault(row.subject_id, []).append(
                    Amount(
                        rule_id=line.rule_id,
                        period=edition.period,
                        edition=edition.edition,
                        amount=line.amount,
                        forfeited=line.forfeited,
                    )
                )
    pay_rows = tuple(
        PayRow(
            subject_id=subject,
            subject_name=names[subject],
            amounts=tuple(amounts.get(subject, ())),
            absent=tuple(p for p in periods if p not in present[subject]),
            incomplete=tuple(incomplete.get(subject, ())),
        )
        for subject in sorted(names, key=lambda s: (names[s], s))
    )
    return Payroll(
        scheme_id=scheme_id,
        scheme_name=scheme_name,
        subject_kind=subject_kind,
        period=period,
        editions=tuple(edition for edition, _ in published),
        rules=(*rules, *extra),
        rows=pay_rows,
        generated_at=generated_at,
    )


def months_of_quarter(quarter: Period) -> list[str]:
    """The labels of a quarter's three months, oldest first."""
    first = quarter.start.month
    return [f"{quarter.start.year}-{month:02d}" for month in range(first, first + 3)]


def notes(row: PayRow, rules: Mapping[str, RuleName]) -> str:
    """备注: what a reader of one row must know: forfeitures, periods not in, incomplete
    sheets."""
    said: list[str] = []
    for amount in row.amounts:
        if amount.forfeited:
            name = rules[amount.rule_id].zh if amount.rule_id in rules else amount.rule_id
            said.append(f"{amount.period} {name}取消")
    said.extend(f"{period} 未列入考核" for period in row.absent)
    said.extend(f"{period} 考核表不完整" for period in row.incomplete)
    return "；".join(said)
