"""Evaluation: exact, explained, deterministic; missing facts reported, never zeroed."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from services.scoring.domain.engine import evaluate
from services.scoring.domain.problems import FactsError
from services.scoring.domain.scheme import load_scheme

from .support import BASE, document, facts, run, scheme

D = Decimal


def good(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"rate": 100, "misses": 0, "done": 10}
    values.update(changes)
    return values


def test_lines_carry_points_max_rule_inputs_and_words() -> None:
    sheet = run(scheme(), {"g": good(rate=90, misses=2, done=7)}).sheet("g")
    line = sheet.line("rate_line")
    assert (line.points, line.max_points, line.rule) == (10 - 10 * D("0.5"), 10, "per_point_below")
    assert line.inputs == (("rate", D(90)),)
    assert line.zh == "完成率90%，低于100%共10个百分点，每个百分点扣0.5分，扣5分，得5分"
    assert line.en == "rate 90%, 10 points below 100%; 0.5 per point; deduct 5, score 5"
    assert sheet.line("misses_line").points == 10 - 2 * 2
    assert sheet.line("done_line").points == 10 - 3 * 1
    assert sheet.total == 5 + 6 + 7


def test_same_input_gives_byte_identical_json_whatever_the_subject_order() -> None:
    subjects = {f"g{i}": good(rate=80 + i, misses=i % 3, done=i) for i in range(10)}
    first = run(scheme(), subjects).to_json()
    again = run(scheme(), subjects).to_json()
    reversed_order = run(scheme(), dict(reversed(list(subjects.items())))).to_json()
    assert first == again == reversed_order


def test_missing_fact_makes_the_subject_not_assessable() -> None:
    result = run(scheme(), {"a": good(), "b": {"rate": 90, "misses": 1}})
    b = result.sheet("b")
    assert not b.assessable
    assert b.lines == ()
    assert b.total is None
    assert b.rank is None
    assert [(m.subject_id, m.input_id, m.resolution) for m in result.missing] == [
        ("b", "done", "not_assessable")
    ]
    assert result.sheets[-1].subject_id == "b"


def test_declared_default_is_used_and_reported() -> None:
    doc = document()
    doc["inputs"][2]["default"] = 10
    result = evaluate(load_scheme(doc), facts({"a": {"rate": 100, "misses": 0}}))
    assert result.sheet("a").total == 30
    assert [(m.input_id, m.resolution) for m in result.missing] == [("done", "default")]


def test_wrong_fact_types_are_all_reported() -> None:
    with pytest.raises(FactsError) as caught:
        run(scheme(), {"a": good(rate="high", misses=1.5), "b": good(done=[1])})
    paths = sorted(p.path for p in caught.value.problems)
    assert paths == ["subjects[0].facts.misses", "subjects[0].facts.rate", "subjects[1].facts.done"]


def test_period_must_match_the_scheme() -> None:
    with pytest.raises(FactsError, match="period"):
        evaluate(scheme(), facts({"a": good()}, period="2024-Q1"))


def test_rounding_once_on_the_total_or_on_each_line() -> None:
    composition = copy.deepcopy(BASE["composition"])
    subjects = {"g": good(rate="99.99", done="9.995")}
    exact = run(scheme(), subjects).sheet("g")
    assert exact.line("rate_line").points == D("9.995")
    assert exact.total == D("29.99")  # 9.995 + 10 + 9.995 = 29.990, rounded once
    composition["rounding"] = {"places": 2, "mode": "half_up", "apply_to": "lines"}
    lines = run(scheme(composition=composition), subjects).sheet("g")
    assert lines.line("rate_line").points == D("10.00")  # 9.995 half up
    assert lines.total == D("30.00")


def test_ranking_ties_competition_dense_and_tiebreakers() -> None:
    subjects = {"a": good(rate=90), "b": good(rate=90), "c": good(rate=80), "d": good()}
    ranks = {s.subject_id: s.rank for s in run(scheme(), subjects).sheets}
    assert ranks == {"d": 1, "a": 2, "b": 2, "c": 4}
    dense = run(scheme(ranking={"ties": "dense"}), subjects)
    assert {s.subject_id: s.rank for s in dense.sheets} == {"d": 1, "a": 2, "b": 2, "c": 3}
    # a: 5 + 10 + 10 = 25 and b: 10 + 10 + 5 = 25 tie on the total; the higher rate wins
    tied = {"a": good(rate=90), "b": good(done=5)}
    assert {s.rank for s in run(scheme(), tied).sheets} == {1}
    broken = scheme(ranking={"tiebreakers": [{"by": "rate", "order": "desc"}]})
    assert {s.subject_id: s.rank for s in run(broken, tied).sheets} == {"b": 1, "a": 2}


def test_unknown_level_of_a_counts_input_is_reported() -> None:
    doc = document()
    doc["inputs"].append(
        {
            "id": "praise",
            "name": {"zh": "表扬", "en": "praise"},
            "type": "counts",
            "source": "manual",
        }
    )
    doc["indicators"].append(
        {
            "id": "praise_line",
            "name": {"zh": "表扬", "en": "praise"},
            "group": "bonus",
            "rule": {
                "type": "highest_level",
                "input": "praise",
                "levels": [{"key": "city", "zh": "市级", "en": "city", "points": 3}],
            },
        }
    )
    result = evaluate(
        load_scheme(doc), facts({"a": good(praise={"county": 1}), "b": good(praise="city")})
    )
    assert not result.sheet("a").assessable
    assert result.sheet("a").missing[0].reason == "praise_line: unknown levels county"
    assert result.sheet("b").line("praise_line").points == 3


def test_relative_target_mean_of_all_subjects() -> None:
    doc = document()
    doc["indicators"][0]["rule"]["target"] = {"mean_of": "rate"}
    result = evaluate(load_scheme(doc), facts({"a": good(rate=80), "b": good(rate=100)}))
    line = result.sheet("a").line("rate_line")
    assert line.points == 10 - 10 * D("0.5")  # mean 90, 10 points below
    assert "全体平均完成率90%" in line.zh


def test_zero_when_and_conditional_and_formula_rules() -> None:
    doc = document()
    doc["indicators"][1]["zero_when"] = {"when": "misses > 3", "zh": "缺失超过3次", "en": "over 3"}
    doc["indicators"][2]["rule"] = {
        "type": "conditional",
        "cases": [
            {
                "when": "rate >= 95",
                "zh": "完成率达95%",
                "en": "rate at least 95",
                "rule": {"type": "formula", "expression": "min(10, done * 2)"},
            }
        ],
        "otherwise": {"type": "shortfall", "actual": "done", "quota": 10, "per_unit": 1},
    }
    s = load_scheme(doc)
    result = evaluate(s, facts({"a": good(misses=4, done=4), "b": good(rate=90, done=4)}))
    a, b = result.sheet("a"), result.sheet("b")
    assert a.line("misses_line").points == 0
    assert "缺失超过3次，不得分" in a.line("misses_line").zh
    assert a.line("done_line").points == min(10, 4 * 2)
    assert "done=4" in a.line("done_line").zh
    assert b.line("done_line").points == 10 - 6


def test_rank_based_compounding_and_top_n_split() -> None:
    doc = document()
    doc["indicators"][0]["rule"] = {
        "type": "rank_based",
        "actual": "rate",
        "target": 100,
        "step_percent": 10,
        "compounding": True,
    }
    doc["indicators"].append(
        {
            "id": "top",
            "name": {"zh": "前二", "en": "top two"},
            "group": "bonus",
            "rule": {"type": "top_n", "count": "misses", "points": [3, 1], "ties": "split"},
        }
    )
    result = evaluate(
        load_scheme(doc),
        facts(
            {
                "a": good(rate=90, misses=2),
                "b": good(rate=80, misses=2),
                "c": good(rate=70, misses=1),
            }
        ),
    )
    rates = {s.subject_id: s.line("rate_line").points for s in result.sheets}
    assert rates == {"a": 10 * D("0.9"), "b": 10 * D("0.9") ** 2, "c": 10 * D("0.9") ** 3}
    top = {s.subject_id: s.line("top").points for s in result.sheets}
    assert top == {"a": (D(3) + 1) / 2, "b": (D(3) + 1) / 2, "c": 0}  # c is third of two places


def test_grade_quota_rounding_half_up_allows_more() -> None:
    grades = {
        "levels": [
            {"id": "top", "name": {"zh": "优", "en": "top"}, "min": 25, "quota_percent": 20},
            {"id": "rest", "name": {"zh": "其他", "en": "rest"}},
        ]
    }
    subjects = {f"s{i}": good() for i in range(13)}
    for i in range(13):
        subjects[f"s{i}"]["done"] = 10 - i * D("0.1")  # all distinct, all ≥ 25
    floor = run(scheme(grades=grades), subjects)
    assert sum(s.grade == "top" for s in floor.sheets) == 2  # 13 × 20% = 2.6 → 2
    half_up = run(scheme(grades={**grades, "quota_rounding": "half_up"}), subjects)
    assert sum(s.grade == "top" for s in half_up.sheets) == 3


def test_streak_cumulative_window() -> None:
    streaks = [
        {
            "id": "often",
            "name": {"zh": "多次", "en": "often"},
            "when": "total < 20",
            "cumulative": 2,
            "window": 3,
        }
    ]
    s = scheme(streaks=streaks)
    bad, fine = {"g": good(misses=5, done=5)}, {"g": good()}  # totals 15 and 30
    history = [evaluate(s, facts(bad, "2024-03")), evaluate(s, facts(fine, "2024-04"))]
    assert [f.id for f in run(s, bad, history=history).sheet("g").flags] == ["often"]
    assert run(s, fine, history=history).sheet("g").flags == ()  # not hit this period
    history_dicts = [h.to_dict() for h in history]  # history may come back as JSON
    assert [f.id for f in run(s, bad, history=history_dicts).sheet("g").flags] == ["often"]


def test_progress_is_reported_per_subject() -> None:
    seen: list[tuple[int, int]] = []
    run(
        scheme(),
        {"a": good(), "b": good()},
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(1, 2), (2, 2)]


def test_history_must_be_earlier_periods_oldest_first() -> None:
    may = run(scheme(), {"g": good()})
    with pytest.raises(FactsError, match="not before"):
        run(scheme(), {"g": good()}, history=[may])
    april = evaluate(scheme(), facts({"g": good()}, period="2024-04"))
    with pytest.raises(FactsError, match="out of order"):
        evaluate(scheme(), facts({"g": good()}, period="2024-06"), [may, april])


# -- streaks count adjacent periods of this scheme -----------------------------------------------
RUNNING = [
    {
        "id": "twice",
        "name": {"zh": "连续两月", "en": "two months running"},
        "when": "total < 20",
        "consecutive": 2,
    }
]
OFTEN = [
    {
        "id": "often",
        "name": {"zh": "三月内两次", "en": "twice in three months"},
        "when": "total < 20",
        "cumulative": 2,
        "window": 3,
    }
]
BAD = {"g": good(misses=5, done=5)}  # 10 + 0 + 5 = 15: the streak condition holds


def test_consecutive_means_adjacent_periods_not_adjacent_history_items() -> None:
    s = scheme(streaks=RUNNING)
    march = evaluate(s, facts(BAD, "2024-03"))
    april = evaluate(s, facts(BAD, "2024-04"))
    # March and May failed, April is not in the history: not two months running
    assert run(s, BAD, history=[march]).sheet("g").flags == ()
    assert run(s, BAD, history=[march.to_dict()]).sheet("g").flags == ()
    flags = run(s, BAD, history=[march, april]).sheet("g").flags
    assert [(f.id, f.periods) for f in flags] == [("twice", 3)]  # March, April, May
    # a year apart is not adjacent either, nor a gap in quarters
    assert run(s, BAD, history=[evaluate(s, facts(BAD, "2023-04"))]).sheet("g").flags == ()


def test_cumulative_window_counts_periods_not_history_items() -> None:
    s = scheme(streaks=OFTEN)
    february = evaluate(s, facts(BAD, "2024-02"))
    april = evaluate(s, facts(BAD, "2024-04"))
    # the window of 3 is March, April, May: February is outside it
    assert run(s, BAD, history=[february]).sheet("g").flags == ()
    assert [f.id for f in run(s, BAD, history=[february, april]).sheet("g").flags] == ["often"]


def test_history_of_another_period_kind_is_refused_naming_both() -> None:
    quarterly = scheme(period="quarter")
    q1 = evaluate(quarterly, facts({"g": good()}, "2024-Q1"))
    doc = q1.to_dict()
    doc["scheme"]["id"] = "test"
    with pytest.raises(FactsError) as caught:
        run(scheme(), {"g": good()}, history=[doc])
    assert [str(p) for p in caught.value.problems] == [
        "history[0]: period 2024-Q1 is a quarter, but scheme test assesses by month "
        "(this period: 2024-05)"
    ]


def test_history_of_another_scheme_is_refused_naming_both() -> None:
    other = evaluate(scheme(id="other"), facts({"g": good()}, "2024-04"))
    with pytest.raises(FactsError) as caught:
        run(scheme(), {"g": good()}, history=[other, {"period": "2024-04"}])
    assert [str(p) for p in caught.value.problems] == [
        "history[0]: is an evaluation of scheme other, not of test",
        "history[1]: is not an evaluation (it names no scheme)",
    ]


def test_custom_periods_are_adjacent_when_one_ends_the_day_before_the_next() -> None:
    s = scheme(period="custom", streaks=RUNNING)
    first = evaluate(s, facts(BAD, {"start": "2024-01-01", "end": "2024-01-20"}))
    apart = evaluate(s, facts(BAD, {"start": "2024-01-01", "end": "2024-01-19"}))
    now = facts(BAD, {"start": "2024-01-21", "end": "2024-02-10"})
    assert [f.id for f in evaluate(s, now, [first]).sheet("g").flags] == ["twice"]
    assert evaluate(s, now, [apart]).sheet("g").flags == ()


# -- a fact name the scheme does not declare ------------------------------------------------------
def test_unknown_fact_names_are_problems_naming_the_closest_input() -> None:
    doc = document()
    doc["inputs"][2]["default"] = 10  # a typo on "done" would silently score the default
    doc["inputs"].append(
        {
            "id": "district_rate",
            "name": {"zh": "全区", "en": "district"},
            "type": "percent",
            "source": "platform",
            "scope": "shared",
        }
    )
    doc["derived"] = [
        {"id": "half_rate", "name": {"zh": "半", "en": "half"}, "formula": "rate / 2"}
    ]
    given = facts(
        {"a": {"rate": 100, "misses": 0, "don": 3, "half_rate": 1, "district_rate": 1}},
        shared={"rate": 5, "distrct_rate": 80, "workdays": 20},
    )
    with pytest.raises(FactsError) as caught:
        evaluate(load_scheme(doc), given)
    assert [str(p) for p in caught.value.problems] == [
        "shared.rate: is an input of each subject: give it in the subjects' facts",
        "shared.distrct_rate: is not an input of scheme test; did you mean district_rate?",
        "shared.workdays: is a built-in of the period (a tenant's own count goes in "
        "calendar.working_days), not a fact",
        "subjects[0].facts.don: is not an input of scheme test; did you mean done?",
        "subjects[0].facts.half_rate: is a value scheme test derives by formula, not a fact",
        "subjects[0].facts.district_rate: is a shared input (scope: shared): give it once "
        "under shared",
    ]
    assert str(caught.value).startswith("facts is invalid (6 problems):")


def test_one_problem_is_not_problems() -> None:
    with pytest.raises(FactsError) as caught:
        run(scheme(), {"a": good(mises=1)})
    assert str(caught.value) == (
        "facts is invalid (1 problem):\n"
        "  - subjects[0].facts.mises: is not an input of scheme test; did you mean misses?"
    )


def test_a_comparison_accepts_the_inputs_of_either_version() -> None:
    only_here = {"a": good(extra=1)}
    with pytest.raises(FactsError, match="extra: is not an input"):
        run(scheme(), only_here)
    assert run(scheme(), only_here, also_known={"extra"}).sheet("a").total == 30


# -- the tenant's own working days for a period ---------------------------------------------
WORKDAY_LINE = {
    "id": "per_day",
    "name": {"zh": "日均", "en": "per working day"},
    "group": "main",
    "max": 10,
    "rule": {
        "type": "shortfall",
        "actual": "done",
        "quota": {"formula": "workdays"},
        "per_unit": 1,
    },
}


def test_working_days_decided_by_the_tenant_win_over_the_holiday_data() -> None:
    doc = document(composition={**BASE["composition"], "full_marks": 40})
    doc["indicators"].append(WORKDAY_LINE)
    s = load_scheme(doc)
    # 2024-05 has 21 working days by the holiday data: 23 weekdays, less 1-3 May (Labour
    # Day), plus Saturday 11 May (a make-up working day)
    may = {"g": good(done=18)}
    by_data = evaluate(s, facts(may)).sheet("g").line("per_day")
    assert by_data.points == 10 - 3
    assert ("workdays", D(21)) in by_data.inputs
    decided = evaluate(s, facts(may, calendar={"working_days": 20})).sheet("g").line("per_day")
    assert decided.points == 10 - 2
    assert ("workdays", D(20)) in decided.inputs
    # single dates too: a Monday made a holiday, a weekend made working days: 21 - 1 + 2
    dates = {"extra_holidays": ["2024-05-06"], "extra_workdays": ["2024-05-25", "2024-05-26"]}
    moved = evaluate(s, facts(may, calendar=dates)).sheet("g").line("per_day")
    assert moved.points == 10 - 4


def test_calendar_decisions_must_fit_the_period() -> None:
    bad = {"working_days": 32, "extra_holidays": ["2024-06-03"], "extra_workdays": ["x"]}
    with pytest.raises(FactsError) as caught:
        evaluate(scheme(), facts({"g": good()}, calendar=bad))
    assert [str(p) for p in caught.value.problems] == [
        "calendar.extra_workdays[0]: must be a date (YYYY-MM-DD)"
    ]
    with pytest.raises(FactsError) as caught:
        evaluate(scheme(), facts({"g": good()}, calendar={**bad, "extra_workdays": []}))
    assert [str(p) for p in caught.value.problems] == [
        "calendar.extra_holidays: dates outside the period 2024-05: 2024-06-03",
        "calendar.working_days: must be at most the 31 days of the period 2024-05",
    ]
