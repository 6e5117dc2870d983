"""Small schemes built in code for the engine's unit tests."""

from __future__ import annotations

import copy
from typing import Any

from services.scoring.domain.engine import evaluate
from services.scoring.domain.results import Evaluation
from services.scoring.domain.scheme import Scheme, load_scheme

BASE: dict[str, Any] = {
    "format": "gridgov.scheme/v1",
    "id": "test",
    "version": 1,
    "name": {"zh": "测试方案", "en": "test scheme"},
    "subject": "grid",
    "period": "month",
    "inputs": [
        {
            "id": "rate",
            "name": {"zh": "完成率", "en": "rate"},
            "type": "percent",
            "unit": "%",
            "source": "platform",
        },
        {
            "id": "misses",
            "name": {"zh": "缺失次数", "en": "misses"},
            "type": "integer",
            "source": "platform",
        },
        {
            "id": "done",
            "name": {"zh": "完成数", "en": "done"},
            "type": "number",
            "source": "platform",
        },
    ],
    "composition": {
        "full_marks": 30,
        "groups": [
            {"id": "main", "name": {"zh": "主要", "en": "main"}},
            {"id": "bonus", "name": {"zh": "加分", "en": "bonus"}, "section": "bonus"},
            {"id": "minus", "name": {"zh": "扣分", "en": "deductions"}, "section": "deduction"},
        ],
    },
    "indicators": [
        {
            "id": "rate_line",
            "name": {"zh": "完成率", "en": "rate"},
            "group": "main",
            "max": 10,
            "rule": {"type": "per_point_below", "actual": "rate", "target": 100, "per_point": 0.5},
        },
        {
            "id": "misses_line",
            "name": {"zh": "缺失", "en": "misses"},
            "group": "main",
            "max": 10,
            "rule": {
                "type": "per_occurrence",
                "kinds": [{"count": "misses", "zh": "缺失", "en": "miss", "points": 2}],
            },
        },
        {
            "id": "done_line",
            "name": {"zh": "完成", "en": "done"},
            "group": "main",
            "max": 10,
            "rule": {"type": "shortfall", "actual": "done", "quota": 10, "per_unit": 1},
        },
    ],
}


def scheme(**changes: Any) -> Scheme:
    """The base scheme with top-level keys replaced."""
    data = copy.deepcopy(BASE)
    data.update(changes)
    return load_scheme(data)


def document(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def facts(
    subjects: dict[str, dict[str, Any]], period: str = "2024-05", **extra: Any
) -> dict[str, Any]:
    return {
        "period": period,
        "subjects": [{"id": sid, "facts": values} for sid, values in subjects.items()],
        **extra,
    }


def run(s: Scheme, subjects: dict[str, dict[str, Any]], **kwargs: Any) -> Evaluation:
    return evaluate(s, facts(subjects), **kwargs)
