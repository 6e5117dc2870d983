"""Payroll from published rows, by hand: a month and a quarter of seed 004's money lines."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from services.scoring.domain.evaluations import MoneyAmount, SheetRow
from services.scoring.domain.payroll import Edition, RuleName, build, months_of_quarter, notes
from shared.periods import Period, parse_period

D = Decimal
AT = datetime(2026, 10, 2, tzinfo=UTC)
RULES = (
    RuleName("patrol_subsidy", "巡查补贴", "patrol subsidy"),
    RuleName("info_subsidy", "信息补贴", "information subsidy"),
    RuleName("star_reward", "排名奖励", "star reward"),
)


def row(subject: str, name: str, *lines: tuple[str, str, bool], missing: bool = False) -> SheetRow:
    return SheetRow(
        subject_id=subject,
        subject_name=name,
        assessable=True,
        total=D(0),
        rank=1,
        grade=None,
        grade_zh=None,
        grade_en=None,
        flags=(),
        money_total=sum((D(amount) for _, amount, _ in lines), D(0)),
        money=tuple(MoneyAmount(rule, D(amount), forfeited) for rule, amount, forfeited in lines),
        missing=("unreported_violation",) if missing else (),
        chunk=0,
    )


def period(kind: str, label: str) -> Period:
    found = parse_period(kind, label)
    assert isinstance(found, Period)
    return found


def edition(label: str, number: int = 1) -> Edition:
    return Edition(period=label, edition=number, scheme_version=1, evaluated_at=AT)


def test_a_month_is_its_rows_money_lines_with_totals() -> None:
    september = [
        row("w1", "张三", ("patrol_subsidy", "775", False), ("info_subsidy", "200", False)),
        row("w2", "李四", ("patrol_subsidy", "0", True), ("info_subsidy", "170", False)),
    ]
    payroll = build(
        scheme_id="s",
        scheme_name="方案",
        subject_kind="worker",
        period=period("month", "2026-09"),
        published=[(edition("2026-09", 2), september)],
        rules=RULES,
        generated_at=AT,
    )
    # rows by name (code point order: 张 U+5F20 before 李 U+674E)
    assert [r.subject_id for r in payroll.rows] == ["w1", "w2"]
    w1, w2 = payroll.rows
    assert (w1.total, w2.total) == (D(975), D(170))
    assert w2.forfeited("patrol_subsidy")
    assert not w1.forfeited("patrol_subsidy")
    assert payroll.rule_total("patrol_subsidy") == D(775)
    assert payroll.total == D(1145)
    assert not w1.has("star_reward")  # not a quarter's last month: no line at all
    assert {a.edition for a in w1.amounts} == {2}
    assert notes(w2, {r.rule_id: r for r in RULES}) == "2026-09 巡查补贴取消"


def test_a_quarter_sums_three_months_and_keeps_each_line_with_its_edition() -> None:
    july = [row("w1", "张三", ("patrol_subsidy", "800", False), ("info_subsidy", "200", False))]
    august = [
        row("w1", "张三", ("patrol_subsidy", "775", False), ("info_subsidy", "190", False)),
        row("w2", "李四", ("patrol_subsidy", "800", False), ("info_subsidy", "200", False)),
    ]
    september = [
        row(
            "w1",
            "张三",
            ("patrol_subsidy", "0", True),
            ("info_subsidy", "200", False),
            ("star_reward", "300", False),
        ),
        row(
            "w2",
            "李四",
            ("patrol_subsidy", "800", False),
            ("info_subsidy", "200", False),
            ("star_reward", "200", False),
            missing=True,
        ),
    ]
    quarter = period("quarter", "2026-Q3")
    assert months_of_quarter(quarter) == ["2026-07", "2026-08", "2026-09"]
    payroll = build(
        scheme_id="s",
        scheme_name="方案",
        subject_kind="worker",
        period=quarter,
        published=[
            (edition("2026-07"), july),
            (edition("2026-08", 3), august),
            (edition("2026-09"), september),
        ],
        rules=RULES,
        generated_at=AT,
    )
    w1, w2 = payroll.rows
    # w1: 1000 + 965 + 500; w2 joined in August: 1000 + 1200
    assert [w1.period_total(p) for p in payroll.periods] == [D(1000), D(965), D(500)]
    assert (w1.total, w2.total) == (D(2465), D(2200))
    assert w1.of("patrol_subsidy") == D(1575)
    assert w1.of("star_reward") == D(300)
    assert w1.forfeited("patrol_subsidy")
    assert not w1.forfeited("patrol_subsidy", "2026-08")
    assert w2.absent == ("2026-07",)
    assert w2.incomplete == ("2026-09",)
    assert [(a.period, a.edition) for a in w1.amounts if a.rule_id == "info_subsidy"] == [
        ("2026-07", 1),
        ("2026-08", 3),
        ("2026-09", 1),
    ]
    assert payroll.total == D(4665)
    assert payroll.period_total("2026-08") == D(1965)  # 965 + 1000
    assert notes(w2, {r.rule_id: r for r in RULES}) == "2026-07 未列入考核；2026-09 考核表不完整"


def test_a_rule_of_an_earlier_version_is_kept_under_its_id() -> None:
    payroll = build(
        scheme_id="s",
        scheme_name="方案",
        subject_kind="worker",
        period=period("month", "2026-09"),
        published=[(edition("2026-09"), [row("w1", "张三", ("old_bonus", "50", False))])],
        rules=RULES,
        generated_at=AT,
    )
    assert [r.rule_id for r in payroll.rules][-1] == "old_bonus"
    assert payroll.total == D(50)
