"""Money rules beyond the seed templates' worked examples."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .support import run, scheme

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
