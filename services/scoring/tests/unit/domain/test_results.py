"""Score sheets and evaluations written out: canonical JSON, each rule once, values as text."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from services.scoring.domain.results import shown

from .support import run, scheme

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
