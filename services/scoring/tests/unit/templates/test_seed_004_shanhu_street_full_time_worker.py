"""Seed 004 (剡湖街道, month, full-time grid workers): money rules and cards, by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.scoring.domain.results import Evaluation

from .support import run, template

D = Decimal

SCHEME = template("seed_004_shanhu_street_full_time_worker.yaml")


def worker(**changes: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "patrol_failing_days": [],
        "meeting_absences_unexcused": 0,
        "valid_info_reports": 20,
        "unreported_violation": False,
        "dispatched_tasks_completed": 4,
    }
    facts.update(changes)
    return facts


def amounts(result: Evaluation, subject: str) -> dict[str, D]:
    return {m.rule_id: m.amount for m in result.sheet(subject).money}


def test_worked_example_february() -> None:
    # 2024-02: no star ranking (not a quarter end); Fri 2/23 and Mon 2/26 are consecutive workdays
    facts = worker(
        patrol_failing_days=["2024-02-23", "2024-02-26"],
        meeting_absences_unexcused=1,
        valid_info_reports=17,
        dispatched_tasks_completed=4,
    )
    result = run(SCHEME, "2024-02", {"w": facts})
    assert amounts(result, "w") == {
        "patrol_subsidy": 800 - 2 * 25 - 1 * 50,
        "info_subsidy": 200 - 3 * 10,
        "task_reward": 200,
    }
    assert result.sheet("w").money_total == 700 + 170 + 200
    assert "最长连续2个工作日" in result.sheet("w").money_line("patrol_subsidy").zh


def test_three_consecutive_working_days_forfeit_across_a_weekend() -> None:
    # Thu 2024-03-07, Fri 03-08, Mon 03-11: three consecutive working days
    facts = worker(patrol_failing_days=["2024-03-07", "2024-03-08", "2024-03-11"])
    line = run(SCHEME, "2024-03", {"w": facts}).sheet("w").money_line("patrol_subsidy")
    assert line.amount == 0
    assert line.forfeited


def test_a_day_the_street_made_a_holiday_neither_fails_nor_joins_a_run() -> None:
    # the street gave Fri 2024-03-08 off: Thu 03-07 and Mon 03-11 are two consecutive
    # working days, 03-08 is not a failing day, and the subsidy is not forfeited
    facts = worker(patrol_failing_days=["2024-03-07", "2024-03-08", "2024-03-11"])
    off = {"extra_holidays": ["2024-03-08"]}
    line = (
        run(SCHEME, "2024-03", {"w": facts}, calendar=off).sheet("w").money_line("patrol_subsidy")
    )
    assert line.amount == 800 - 2 * 25
    assert not line.forfeited
    assert "2天，最长连续2个工作日（另有1天非工作日不计）" in line.zh


def test_five_scattered_days_forfeit_four_do_not() -> None:
    five = ["2024-05-06", "2024-05-08", "2024-05-10", "2024-05-14", "2024-05-16"]
    result = run(
        SCHEME,
        "2024-05",
        {"five": worker(patrol_failing_days=five), "four": worker(patrol_failing_days=five[:4])},
    )
    assert amounts(result, "five")["patrol_subsidy"] == 0
    assert amounts(result, "four")["patrol_subsidy"] == 800 - 4 * 25


def test_make_up_workday_counts_as_a_working_day() -> None:
    # 2024-02-04 (Sunday) was a make-up working day before the Spring Festival holiday:
    # Fri 02-02, Sun 02-04 and Mon 02-05 are three consecutive working days
    facts = worker(patrol_failing_days=["2024-02-02", "2024-02-04", "2024-02-05"])
    assert amounts(run(SCHEME, "2024-02", {"w": facts}), "w")["patrol_subsidy"] == 0


def test_information_subsidy_cancelled_and_task_reward_threshold() -> None:
    result = run(
        SCHEME,
        "2024-02",
        {
            "a": worker(
                unreported_violation=True, valid_info_reports=30, dispatched_tasks_completed=3
            ),
            "b": worker(valid_info_reports=0),
        },
    )
    assert amounts(result, "a")["info_subsidy"] == 0
    assert amounts(result, "a")["task_reward"] == 0
    assert amounts(result, "b")["info_subsidy"] == 0  # 200 − 20 × 10, never below zero


def test_quarterly_stars_rank_the_quarters_pay_over_three_published_months() -> None:
    # Sixteen workers each earn 1200 in January and February (800 + 200 + 200). In March
    # w(n) has 21 - n valid reports: w01 meets the quota of 20, then 10 yuan per missing
    # report (w02 190, w03 180, ... w16 50), and w16 also completes only 3 tasks (no reward).
    # Quarter pay: w01 3600, w02 3590, ... w15 3460, w16 2400 + 800 + 50 + 0 = 3250.
    full = worker()
    jan = run(SCHEME, "2024-01", {f"w{i:02d}": full for i in range(1, 17)})
    feb = run(SCHEME, "2024-02", {f"w{i:02d}": full for i in range(1, 17)}, history=[jan])
    march = {f"w{i:02d}": worker(valid_info_reports=21 - i) for i in range(1, 17)}
    march["w16"]["dispatched_tasks_completed"] = 3
    march["w01"]["special_duty"] = True
    result = run(SCHEME, "2024-03", march, history=[jan, feb])
    stars = {s: amounts(result, s).get("star_reward") for s in march}
    assert [stars[f"w{i:02d}"] for i in range(1, 17)] == (
        [D(300)] * 5 + [D(200)] * 5 + [D(100)] * 5 + [D(0)]
    )
    line = result.sheet("w02").money_line("star_reward")
    assert line.zh == (
        "本季度2024-01：巡查补贴800.00元、信息补贴200.00元、任务奖励200.00元；"
        "2024-02：巡查补贴800.00元、信息补贴200.00元、任务奖励200.00元；"
        "2024-03：巡查补贴800.00元、信息补贴190.00元、任务奖励200.00元；"
        "按本季度巡查补贴、信息补贴与任务奖励合计（3590）排名第2名，属第1—5名（3星级），奖励300.00元"
    )
    assert line.en.startswith("quarter 2024-01: patrol subsidy 800.00, information subsidy")
    assert amounts(result, "w01")["special_reward"] == 500  # not part of the ranking basis
    assert "special_reward" not in amounts(result, "w02")
    # Outside a quarter's last month there is no star line at all.
    assert "star_reward" not in amounts(feb, "w01")


def test_equal_quarter_pay_shares_a_rank_and_its_tier() -> None:
    # Seven workers with a full quarter tie at rank 1: all seven get 3 stars (并列), and the
    # next one ranks 8th (2 stars).
    team = {f"w{i}": worker() for i in range(1, 8)} | {"w8": worker(valid_info_reports=19)}
    jan = run(SCHEME, "2024-01", team)
    feb = run(SCHEME, "2024-02", team, history=[jan])
    result = run(SCHEME, "2024-03", team, history=[jan, feb])
    assert {s: amounts(result, s)["star_reward"] for s in team} == (
        {f"w{i}": D(300) for i in range(1, 8)} | {"w8": D(200)}
    )
    assert "排名第8名" in result.sheet("w8").money_line("star_reward").zh


def test_a_worker_who_joined_in_the_quarter_ranks_on_the_months_he_has() -> None:
    old_hands = {"a": worker(), "b": worker()}
    jan = run(SCHEME, "2024-01", old_hands)
    feb = run(SCHEME, "2024-02", old_hands | {"new": worker()}, history=[jan])
    result = run(SCHEME, "2024-03", old_hands | {"new": worker()}, history=[jan, feb])
    line = result.sheet("new").money_line("star_reward")
    assert "（2400）排名第3名" in line.zh  # February and March only
    assert "2024-01：巡查补贴0.00元" in line.zh


def test_the_first_published_month_of_a_quarter_ranks_on_itself() -> None:
    # A street that starts in March has no earlier month: the quarter is March alone, and
    # the line says so by naming only March.
    result = run(SCHEME, "2024-03", {"a": worker(), "b": worker(valid_info_reports=18)})
    assert amounts(result, "a")["star_reward"] == 300
    line = result.sheet("b").money_line("star_reward")
    assert line.zh.startswith("本季度2024-03：")
    assert "（1180）排名第2名" in line.zh


def test_a_star_basis_missing_a_fact_skips_the_star_line_and_says_why() -> None:
    # The task count is not given: the task reward is skipped, and so is the ranking that
    # would have read it (never ranked on a zero).
    facts = worker()
    del facts["dispatched_tasks_completed"]
    result = run(SCHEME, "2024-03", {"a": facts, "b": worker()})
    assert "star_reward" not in amounts(result, "a")
    skipped = {(m.input_id, m.reason) for m in result.sheet("a").missing}
    assert skipped == {
        ("dispatched_tasks_completed", "task_reward: fact not given"),
        (
            "dispatched_tasks_completed",
            "star_reward: needs task_reward, which lacks dispatched_tasks_completed",
        ),
    }


def test_yellow_then_red_card() -> None:
    forfeited = worker(patrol_failing_days=["2024-04-08", "2024-04-09", "2024-04-10"])
    history: list[Evaluation] = []
    april = run(SCHEME, "2024-04", {"w": forfeited}, history=history)
    assert [f.id for f in april.sheet("w").flags] == ["yellow_card"]
    history.append(april)
    may = worker(patrol_failing_days=["2024-05-06", "2024-05-07", "2024-05-08"])
    result = run(SCHEME, "2024-05", {"w": may}, history=history)
    assert [f.id for f in result.sheet("w").flags] == ["red_card"]
    fine = run(SCHEME, "2024-05", {"w": worker()}, history=history)
    assert fine.sheet("w").flags == ()


def test_non_working_days_do_not_count_as_failing_days() -> None:
    # Sat 2024-06-15 and Sun 06-16 are not working days: only Fri 06-14 and Mon 06-17 count
    facts = worker(patrol_failing_days=["2024-06-14", "2024-06-15", "2024-06-16", "2024-06-17"])
    line = run(SCHEME, "2024-06", {"w": facts}).sheet("w").money_line("patrol_subsidy")
    assert line.amount == 800 - 2 * 25
    assert "另有2天非工作日不计" in line.zh


def test_failing_april_and_june_is_a_yellow_card_not_a_red_one() -> None:
    # "连续两个月" means two adjacent months: May between them was fine (or not assessed)
    april = run(
        SCHEME,
        "2024-04",
        {"w": worker(patrol_failing_days=["2024-04-08", "2024-04-09", "2024-04-10"])},
    )
    june = worker(patrol_failing_days=["2024-06-03", "2024-06-04", "2024-06-05"])
    result = run(SCHEME, "2024-06", {"w": june}, history=[april])
    assert [f.id for f in result.sheet("w").flags] == ["yellow_card"]
