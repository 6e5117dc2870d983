"""Score sheets and evaluations written out: canonical JSON, each rule once, values as text."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from services.scoring.domain.results import Evaluation, shown

from .support import BASE, run, scheme

D = Decimal


def test_fact_values_are_shown_as_plain_text() -> None:
    assert shown(D("92.50")) == "92.5"
    assert (shown(True), shown(False)) == ("true", "false")
    assert shown({"city": D(1), "county": D(2)}) == "city:1,county:2"
    assert shown({}) == "{}"
    assert shown([date(2024, 5, 6), date(2024, 5, 7)]) == "2024-05-06,2024-05-07"
    assert shown("text") == "text"


def test_to_json_is_canonical_and_states_each_rule_once() -> None:
    evaluation = run(scheme(), {"a": {"rate": 90, "misses": 1, "done": 10}})
    text = evaluation.to_json()
    written = json.loads(text)
    canonical = json.dumps(written, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert text == canonical
    assert "完成率" in text  # Chinese kept as is, not escaped
    assert set(written["rules"]) == {"rate_line", "misses_line", "done_line"}
    line = written["sheets"][0]["lines"][0]
    assert "rule_text" not in line
    assert line["inputs"] == {"rate": "90"}
    assert line["explain"]["en"] == evaluation.sheet("a").line("rate_line").en


def test_sheets_and_lines_are_found_by_id() -> None:
    evaluation = run(scheme(), {"a": {"rate": 100, "misses": 0, "done": 10}})
    sheet = evaluation.sheet("a")
    assert sheet.subject_id == "a"
    assert sheet.line("done_line").indicator_id == "done_line"


def thirds(places: int = 2) -> Evaluation:
    """Two lines of 10 × 2/3 each: 6.666… points, a repeating decimal."""
    line = {
        "name": {"zh": "完成", "en": "done"},
        "group": "main",
        "max": 10,
        "rule": {"type": "proportional", "actual": "done", "target": 3},
    }
    composition = {
        **BASE["composition"],
        "full_marks": 20,
        "rounding": {"places": places, "mode": "half_up", "apply_to": "total"},
    }
    s = scheme(
        composition=composition,
        indicators=[{"id": "first", **line}, {"id": "second", **line}],
    )
    return run(s, {"a": {"rate": 100, "misses": 0, "done": 2}, "b": {"done": 3}})


def test_points_are_shown_at_the_scheme_precision_and_totalled_exactly() -> None:
    evaluation = thirds()
    sheet = evaluation.sheet("a")
    assert sheet.line("first").points == D(20) / 3  # exact inside
    document = json.loads(evaluation.to_json())
    written = next(s for s in document["sheets"] if s["subject_id"] == "a")
    assert [ln["points"] for ln in written["lines"]] == ["6.67", "6.67"]
    assert written["groups"]["main"] == "13.33"
    # the total is the exact 13.333… rounded once, not 6.67 + 6.67
    assert sheet.total == D("13.33")
    assert written["total"] == "13.33"
    assert document["mean_total"] == "16.67"  # (13.33 + 20) / 2 = 16.665, shown at 2 places
    assert sheet.line("first").zh == "完成数2，目标3，完成≈66.6667%；得10×≈66.6667%=≈6.67分"
    assert sheet.line("first").en.endswith("= ≈6.67")
    assert sheet.points(sheet.line("first").points) == "6.67"
    assert thirds(places=0).sheet("a").to_dict()["lines"][0]["points"] == "7"


def test_derived_values_used_by_a_line_are_not_shown_with_28_digits() -> None:
    assert shown(D(40) / 3) == "≈13.3333"
    assert shown(D("13.25")) == "13.25"
