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
