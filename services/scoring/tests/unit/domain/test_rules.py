"""The rule catalogue: every rule type is registered once and fully described."""

from __future__ import annotations

import inspect
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from services.scoring.domain import rules
from services.scoring.domain.engine import evaluate
from services.scoring.domain.rules import CATALOGUE, SECTIONS, CohortRule, LocalRule
from services.scoring.domain.scheme import load_scheme

from .support import document, facts

README = Path(rules.__file__).with_name("README.md").read_text(encoding="utf-8")
CATALOGUE_TABLE = README.split("## The rule catalogue", 1)[1].split("\n## ", 1)[0]

# One small rule of each type over the inputs of ``scheme_with`` below. A new rule type needs
# one here, so that the test shows it parses from a scheme and scores a line.
EXAMPLES: dict[str, dict[str, Any]] = {
    "per_point_below": {"actual": "rate", "target": 100, "per_point": 0.5},
    "per_occurrence": {"kinds": [{"count": "misses", "zh": "缺失", "en": "miss", "points": 2}]},
    "shortfall": {"actual": "done", "quota": 10, "per_unit": 1},
    "proportional": {"actual": "done", "target": 10},
    "category_share": {
        "total": "done",
        "categories": [{"count": "misses", "zh": "缺失", "en": "misses"}],
        "each_min_percent": 10,
        "combined_above_percent": 50,
        "per_miss_when_combined_met": 1,
        "per_miss_otherwise": 2,
    },
    "checklist": {"items": [{"present": "badge", "zh": "工作牌", "en": "badge", "points": 2}]},
    "highest_level": {
        "input": "praise",
        "levels": [{"key": "city", "zh": "市级", "en": "city", "points": 3}],
    },
    "formula": {"expression": "done / 2"},
    "conditional": {
        "cases": [
            {
                "when": "rate >= 95",
                "zh": "完成率达95%",
                "en": "rate at least 95",
                "rule": {"type": "formula", "expression": "10"},
            }
        ],
        "otherwise": {"type": "formula", "expression": "done / 2"},
    },
    "rank_based": {"actual": "rate", "target": 100, "step_percent": 10},
    "top_n": {"count": "misses", "points": [3, 1]},
}
GROUP_OF_SECTION = {"scored": "main", "bonus": "bonus", "deduction": "minus"}


def concrete_rule_classes() -> set[type[object]]:
    found: set[type[object]] = set()
    pending: list[type[object]] = [LocalRule, CohortRule]
    while pending:
        subclasses: list[type[object]] = pending.pop().__subclasses__()
        for subclass in subclasses:
            pending.append(subclass)
            if not inspect.isabstract(subclass):
                found.add(subclass)
    return found


def scheme_with(name: str, section: str) -> dict[str, Any]:
    """The support scheme with indicator ``example`` scored by the example rule of ``name``."""
    doc = document()
    for input_id, zh, input_type in (("praise", "表扬", "counts"), ("badge", "工作牌", "boolean")):
        label = {"zh": zh, "en": input_id}
        declared = {"id": input_id, "name": label, "type": input_type, "source": "manual"}
        doc["inputs"].append(declared)
    rule = {"type": name, **EXAMPLES[name]}
    if section == "scored":
        doc["indicators"][0].update(id="example", rule=rule)  # keeps its max of 10
    else:
        name_text = {"zh": "示例", "en": "example"}
        group = GROUP_OF_SECTION[section]
        doc["indicators"].append({"id": "example", "name": name_text, "group": group, "rule": rule})
    return doc


def test_every_rule_class_is_registered() -> None:
    assert {kind.rule_class for kind in CATALOGUE.values()} == concrete_rule_classes()


def test_every_registered_rule_type_has_an_example() -> None:
    assert set(EXAMPLES) == set(CATALOGUE)


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_a_registered_rule_type_is_fully_described(name: str) -> None:
    kind = CATALOGUE[name]
    assert kind.name == kind.rule_class.kind == name
    assert not inspect.isabstract(kind.rule_class), "it scores: score(), or key(), score_all()"
    assert kind.sections
    assert set(kind.sections) <= set(SECTIONS)
    assert f"`{name}:" in CATALOGUE_TABLE, "the README's rule catalogue must spell it"
    for section in kind.sections:
        scheme = load_scheme(scheme_with(name, section))
        built = next(i.rule for i in scheme.indicators if i.id == "example")
        assert type(built) is kind.rule_class  # its parser builds its class
        subject = {"rate": 90, "misses": 1, "done": 8, "praise": "city", "badge": True}
        sheet = evaluate(scheme, facts({"s": subject})).sheet("s")
        assert sheet.assessable
        assert sheet.line("example").rule == name
        assert sheet.line("example").zh
        assert sheet.line("example").en


def test_a_rule_type_is_registered_once() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        rules.parses(rules.Shortfall)(lambda r, ctx: None)
    assert CATALOGUE["shortfall"].rule_class is rules.Shortfall


def test_a_checklist_says_each_missing_item_and_the_deduction_once() -> None:
    scheme = load_scheme(scheme_with("checklist", "scored"))
    subject = {"rate": 90, "misses": 1, "done": 8, "praise": "city", "badge": False}
    line = evaluate(scheme, facts({"s": subject})).sheet("s").line("example")
    assert line.points == Decimal(8)
    assert line.zh == "工作牌缺失（2分），扣2分，得8分"
    assert line.en == "badge missing (2); deduct 2, score 8"
