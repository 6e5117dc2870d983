"""Money rules beyond the seed templates' worked examples."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.scoring.domain.engine import evaluate
from services.scoring.domain.scheme import validate

from .support import document, facts, run, scheme

D = Decimal

GRADES = {
    "levels": [
        {"id": "excellent", "name": {"zh": "优秀", "en": "excellent"}, "min": 29},
        {"id": "ok", "name": {"zh": "合格", "en": "ok"}, "min": 20},
        {"id": "poor", "name": {"zh": "不合格", "en": "poor"}},
    ]
}
SUBSIDY = [
    {
        "id": "pay",
        "name": {"zh": "补贴", "en": "pay"},
        "type": "grade_subsidy",
        "amount": 100,
        "pay_percent": {"poor": 70},
        "redistribute_to": ["excellent"],
        "share_name": {"zh": "奖励", "en": "reward"},
    }
]


def person(total: int) -> dict[str, Any]:
    """A subject scoring ``total`` (10 to 30): shortfall first, then misses at 2 points."""
    loss = 30 - total
    done_loss = min(loss, 10)
    return {"rate": 100, "misses": (loss - done_loss) // 2, "done": 10 - done_loss}


def test_withheld_pool_is_shared_to_the_cent_best_ranked_first() -> None:
    s = scheme(grades=GRADES, money=SUBSIDY)
    # one poor worker: 30.00 withheld, shared by three excellent: 10.00 each
    result = run(s, {"a": person(30), "b": person(30), "c": person(29), "d": person(10)})
    shares = {
        x.subject_id: x.money_line("pay.share").amount
        for x in result.sheets
        if x.grade == "excellent"
    }
    assert shares == {"a": D("10.00"), "b": D("10.00"), "c": D("10.00")}
    # two poor workers withholding 60.00 shared by 7 excellent: 8.57 each and 1 cent left over
    subjects = {f"e{i}": person(30) for i in range(7)} | {"p1": person(10), "p2": person(12)}
    result = run(s, subjects)
    paid = [x.money_line("pay.share").amount for x in result.sheets if x.grade == "excellent"]
    assert sum(paid) == D("60.00")
    assert sorted(paid, reverse=True) == [D("8.58")] + [D("8.57")] * 6


def test_the_share_names_the_grades_by_their_labels() -> None:
    result = run(scheme(grades=GRADES, money=SUBSIDY), {"a": person(30), "d": person(10)})
    share = result.sheet("a").money_line("pay.share")
    assert share.zh == "扣发补贴共30.00元，由1名优秀平分，得30.00元"
    assert share.en == "withheld pool 30.00 shared equally by 1 excellent: 30.00"


def test_no_excellent_means_the_pool_stays_withheld() -> None:
    result = run(scheme(grades=GRADES, money=SUBSIDY), {"a": person(25), "b": person(10)})
    assert result.sheet("b").money_total == 70
    assert all(m.rule_id == "pay" for s in result.sheets for m in s.money)


def test_missing_money_fact_skips_the_line_and_is_reported() -> None:
    money = [
        {
            "id": "bonus",
            "name": {"zh": "奖励", "en": "reward"},
            "type": "threshold_reward",
            "amount": 50,
            "actual": {"formula": "done * 1"},
            "at_least": 8,
        }
    ]
    result = run(scheme(money=money), {"a": person(30), "b": person(25)})
    assert result.sheet("a").money_line("bonus").amount == 50
    assert result.sheet("b").money_line("bonus").amount == 0


# -- reading earlier rules and summing the quarter -------------------------------------------

REWARD = {
    "id": "reward",
    "name": {"zh": "完成奖励", "en": "completion reward"},
    "type": "threshold_reward",
    "amount": 100,
    "actual": "done",
    "at_least": 8,
}
STARS = {
    "id": "stars",
    "name": {"zh": "季度星级", "en": "quarter stars"},
    "type": "rank_tiers",
    "when": "is_quarter_end",
    "rank_by": {"formula": "quarter_money_reward"},
    "rank_name": {"zh": "本季度完成奖励", "en": "the quarter's completion reward"},
    "tiers": [{"from": 1, "to": 1, "amount": 300, "zh": "第一", "en": "first"}],
}


def test_a_rule_may_read_an_earlier_rules_amount_this_period() -> None:
    double = {
        "id": "double",
        "name": {"zh": "翻倍", "en": "double"},
        "type": "fixed_reward",
        "amount": 10,
        "when": {"when": "money_reward > 0", "zh": "已获完成奖励", "en": "earned the reward"},
    }
    result = run(scheme(money=[REWARD, double]), {"a": person(30), "b": person(20)})
    assert result.sheet("a").money_line("double").amount == 10
    assert [m.rule_id for m in result.sheet("b").money] == ["reward"]


def test_a_quarter_sum_adds_the_quarters_earlier_months_from_history() -> None:
    s = scheme(money=[REWARD, STARS])
    # April: only b earns the reward; May: both; June: only a. Quarter: a 200, b 200 -> tie.
    april = evaluate(s, facts({"a": person(10), "b": person(30)}, "2024-04"))
    may = evaluate(s, facts({"a": person(30), "b": person(30)}, "2024-05"), history=[april])
    # March (the previous quarter) is in the history too, and must not count.
    march = evaluate(s, facts({"a": person(10), "b": person(30)}, "2024-03"))
    june = evaluate(
        s, facts({"a": person(30), "b": person(10)}, "2024-06"), history=[march, april, may]
    )
    assert {x.subject_id: x.money_line("stars").amount for x in june.sheets} == {
        "a": D(300),
        "b": D(300),
    }
    line = june.sheet("b").money_line("stars")
    assert line.zh == (
        "本季度2024-04：完成奖励100.00元；2024-05：完成奖励100.00元；2024-06：完成奖励0.00元；"
        "按本季度完成奖励（200）排名第1名，属第1—1名（第一），奖励300.00元"
    )


def test_a_quarter_sum_reads_the_history_as_published_json() -> None:
    s = scheme(money=[REWARD, STARS])
    april = evaluate(s, facts({"a": person(30), "b": person(10)}, "2024-04")).to_dict()
    may = evaluate(s, facts({"a": person(30), "b": person(10)}, "2024-05"), history=[april])
    june = evaluate(
        s, facts({"a": person(10), "b": person(30)}, "2024-06"), history=[april, may.to_dict()]
    )
    assert june.sheet("a").money_line("stars").amount == 300
    assert june.sheet("b").money_line("stars").amount == 0


def test_quarter_sums_are_checked_when_the_scheme_is_read() -> None:
    later = {**STARS, "rank_by": {"formula": "quarter_money_reward"}}
    reasons = [str(p) for p in validate(document(money=[later, REWARD]))]
    assert any("money[0].rank_by.formula: refers to 'quarter_money_reward'" in r for r in reasons)
    yearly = [str(p) for p in validate(document(period="year", money=[REWARD, STARS]))]
    assert any("only a monthly or quarterly scheme" in r for r in yearly)
    unnamed = {key: value for key, value in STARS.items() if key != "rank_by"}
    assert any(
        "rank_name: names the basis of rank_by" in str(p)
        for p in validate(document(money=[REWARD, unnamed]))
    )
