"""Reading and validating scheme documents: every problem at once, with its path."""

from __future__ import annotations

import json

import pytest
import yaml

from services.scoring.domain.problems import SchemeError
from services.scoring.domain.scheme import load_scheme, validate

from .support import BASE, document


def test_the_base_scheme_is_valid_as_mapping_json_and_yaml() -> None:
    assert validate(BASE) == []
    assert load_scheme(json.dumps(BASE)).indicators[0].id == "rate_line"
    yaml_text = yaml.safe_dump(BASE, allow_unicode=True)
    assert validate(yaml_text) == []


def test_every_problem_is_listed_with_its_path() -> None:
    bad = document(
        version=0,
        subject="village",
        indicators=[
            {
                "id": "a",
                "name": {"zh": "甲", "en": "a"},
                "group": "main",
                "max": 10,
                "rule": {
                    "type": "per_point_below",
                    "actual": "rate",
                    "target": 100,
                    "per_point": -0.2,
                },
            },
            {
                "id": "b",
                "name": {"zh": "乙"},
                "group": "nowhere",
                "max": 5,
                "rule": {
                    "type": "shortfall",
                    "actual": "ghost",
                    "quota": 3,
                    "per_unit": 1,
                    "surplus": 1,
                },
            },
            {
                "id": "c",
                "name": {"zh": "丙", "en": "c"},
                "group": "main",
                "max": 15,
                "rule": {"type": "formula", "expression": "__import__('os')"},
            },
            {
                "id": "d",
                "name": {"zh": "丁", "en": "d"},
                "group": "bonus",
                "rule": {"type": "rank_based", "actual": "rate", "target": 1, "step_percent": 5},
            },
        ],
    )
    problems = [str(p) for p in validate(bad)]
    assert "indicators[0].rule.per_point: must be a positive decimal" in problems
    assert "indicators[1].group: is not a group declared in composition.groups" in problems
    assert "indicators[1].name.en: is required" in problems
    assert "indicators[1].rule.actual: refers to 'ghost', which is not declared" in problems
    assert "indicators[1].rule.surplus: unknown field" in problems
    assert any(
        p.startswith("indicators[2].rule.expression: calls an unknown function") for p in problems
    )
    assert any(
        p.startswith("indicators[3].rule.type: rank_based cannot be used in a bonus")
        for p in problems
    )
    assert "subject: must be one of division, grid, worker" in problems
    assert "version: must be at least 1" in problems
    with pytest.raises(SchemeError) as caught:
        load_scheme(bad)
    assert len(caught.value.problems) == len(problems)


def test_full_marks_must_match_the_scored_maxima() -> None:
    problems = validate(document(composition={**BASE["composition"], "full_marks": 100}))
    assert [p.path for p in problems] == ["indicators"]
    assert "at most 30" in problems[0].reason


def test_derived_cycles_and_duplicate_ids_are_problems() -> None:
    derived = [
        {"id": "x", "name": {"zh": "x", "en": "x"}, "formula": "y + 1"},
        {"id": "y", "name": {"zh": "y", "en": "y"}, "formula": "x * 2"},
        {"id": "rate", "name": {"zh": "r", "en": "r"}, "formula": "1"},
    ]
    reasons = [str(p) for p in validate(document(derived=derived))]
    assert "derived[2].id: is declared twice" in reasons
    assert any("depend on each other" in r for r in reasons)


def test_yaml_syntax_error_is_one_problem() -> None:
    problems = validate("indicators: [unclosed")
    assert len(problems) == 1
    assert problems[0].reason.startswith("cannot be parsed")


def test_yaml_floats_are_exact_decimals() -> None:
    text = json.dumps(BASE).replace('"per_point": 0.5', '"per_point": 0.1')
    rule = load_scheme(text).indicators[0].rule
    assert str(rule.per_point) == "0.1"  # type: ignore[union-attr]


def test_streak_and_grade_problems() -> None:
    bad = document(
        grades={
            "levels": [
                {"id": "good", "name": {"zh": "好", "en": "good"}, "min": 20, "quota_percent": 120},
                {"id": "fine", "name": {"zh": "中", "en": "fine"}, "min": 25},
                {"id": "poor", "name": {"zh": "差", "en": "poor"}, "quota_percent": 10},
            ]
        },
        streaks=[
            {
                "id": "s",
                "name": {"zh": "连续", "en": "run"},
                "when": "rank > 3",
                "consecutive": 2,
                "cumulative": 3,
                "supersedes": ["nope"],
            }
        ],
    )
    reasons = [str(p) for p in validate(bad)]
    assert "grades.levels[0].quota_percent: must be at most 100" in reasons
    assert "grades.levels[1].min: must be below the minimum of the level above" in reasons
    assert any(
        r.startswith("grades.levels[2]: the lowest level cannot have a quota") for r in reasons
    )
    assert "streaks[0]: give exactly one of consecutive, cumulative" in reasons
    assert "streaks[0].supersedes[0]: is not another streak of this scheme" in reasons


def test_cap_belongs_to_bonus_and_deduction_lines() -> None:
    doc = document()
    doc["indicators"][1]["rule"]["cap"] = 3
    assert [str(p) for p in validate(doc)] == [
        "indicators[1].rule.cap: a scored line is capped by its max; cap is for bonus/deduction"
    ]


def test_a_conditional_wrapping_a_scored_only_rule_is_refused_outside_scored_groups() -> None:
    wrapped = {
        "type": "conditional",
        "cases": [
            {
                "when": "rate >= 50",
                "zh": "完成过半",
                "en": "half done",
                "rule": {
                    "type": "per_point_below",
                    "actual": "rate",
                    "target": 100,
                    "per_point": 0.1,
                },
            }
        ],
        "otherwise": {
            "type": "per_occurrence",
            "kinds": [{"count": "misses", "zh": "缺失", "en": "miss", "points": 1}],
        },
    }
    line = {"id": "extra", "name": {"zh": "附加", "en": "extra"}, "group": "bonus"}
    problems = [
        str(p)
        for p in validate(document(indicators=[*BASE["indicators"], {**line, "rule": wrapped}]))
    ]
    assert problems == [
        "indicators[3].rule.type: this conditional cannot be used in a bonus group (only scored)"
    ]
    # In a scored group the same rule is fine, and so is a conditional of bonus-capable rules
    # in a bonus group.
    scored = {**line, "group": "main", "max": 5, "rule": wrapped}
    bonus_only = {**wrapped, "cases": [{**wrapped["cases"][0], "rule": wrapped["otherwise"]}]}
    assert "indicators[3]" not in " ".join(
        str(p) for p in validate(document(indicators=[*BASE["indicators"], scored]))
    )
    assert validate(document(indicators=[*BASE["indicators"], {**line, "rule": bonus_only}])) == []
