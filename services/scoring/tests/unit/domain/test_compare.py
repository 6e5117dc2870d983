"""Comparing two scheme versions over the same facts."""

from __future__ import annotations

import copy
from decimal import Decimal

from services.scoring.domain.compare import compare
from services.scoring.domain.scheme import load_scheme

from .support import BASE, facts, scheme

D = Decimal


def test_per_subject_deltas_of_points_rank_grade_and_money() -> None:
    draft = copy.deepcopy(BASE)
    draft["version"] = 2
    draft["indicators"][1]["rule"]["kinds"][0]["points"] = 1  # misses now cost half
    draft["grades"] = {
        "levels": [
            {"id": "good", "name": {"zh": "好", "en": "good"}, "min": 28},
            {"id": "other", "name": {"zh": "其他", "en": "other"}},
        ]
    }
    subjects = facts(
        {"a": {"rate": 100, "misses": 2, "done": 10}, "b": {"rate": 98, "misses": 0, "done": 10}}
    )
    result = compare(scheme(), load_scheme(draft), subjects)
    a, b = result.subjects
    assert (a.subject_id, a.total_before, a.total_after, a.total_delta) == ("a", 26, 28, 2)
    assert (a.rank_before, a.rank_after) == (2, 2)  # b: 9 + 10 + 10 = 29 either way
    assert (a.grade_before, a.grade_after) == (None, "good")
    assert {i: (x, y) for i, x, y in a.lines}["misses_line"] == (6, 8)
    assert b.total_delta == 0
    assert b.rank_before == b.rank_after == 1
    assert a.changed
    assert b.changed
    same = compare(scheme(), scheme(), subjects)
    assert not any(d.changed for d in same.subjects)
    assert result.to_dict()["subjects"][0]["total"] == {"before": "26", "after": "28", "delta": "2"}
    assert a.money_delta == D(0)
