"""Properties that hold for any facts (hypothesis)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.scoring.domain.scheme import load_scheme

from .support import BASE, run

D = Decimal

DOC = copy.deepcopy(BASE)
DOC["inputs"] += [
    {
        "id": "total_events",
        "name": {"zh": "总数", "en": "total"},
        "type": "integer",
        "source": "platform",
    },
    {"id": "cat_a", "name": {"zh": "甲类", "en": "a"}, "type": "integer", "source": "platform"},
    {"id": "cat_b", "name": {"zh": "乙类", "en": "b"}, "type": "integer", "source": "platform"},
    {"id": "filed", "name": {"zh": "备案", "en": "filed"}, "type": "boolean", "source": "manual"},
]
DOC["indicators"] += [
    {
        "id": "prop",
        "name": {"zh": "比例", "en": "prop"},
        "group": "main",
        "max": 10,
        "rule": {"type": "proportional", "actual": "done", "target": 7},
    },
    {
        "id": "cats",
        "name": {"zh": "结构", "en": "cats"},
        "group": "main",
        "max": 5,
        "rule": {
            "type": "category_share",
            "total": "total_events",
            "categories": [
                {"count": "cat_a", "zh": "甲", "en": "a"},
                {"count": "cat_b", "zh": "乙", "en": "b"},
            ],
            "each_min_percent": 10,
            "combined_above_percent": 20,
            "per_miss_when_combined_met": 1.5,
            "per_miss_otherwise": 3.5,
        },
    },
    {
        "id": "check",
        "name": {"zh": "制度", "en": "check"},
        "group": "main",
        "max": 3,
        "rule": {
            "type": "checklist",
            "items": [{"present": "filed", "zh": "备案", "en": "filed", "points": 3}],
        },
    },
    {
        "id": "ranked",
        "name": {"zh": "排名", "en": "ranked"},
        "group": "main",
        "max": 10,
        "rule": {"type": "rank_based", "actual": "rate", "target": 95, "step_percent": 15},
    },
    {
        "id": "formula",
        "name": {"zh": "公式", "en": "formula"},
        "group": "main",
        "max": 2,
        "rule": {"type": "formula", "expression": "rate / 10 - misses"},
    },
    {
        "id": "plus",
        "name": {"zh": "加分", "en": "plus"},
        "group": "bonus",
        "rule": {"type": "top_n", "count": "done", "points": [3, 2, 1]},
    },
    {
        "id": "minus",
        "name": {"zh": "扣分", "en": "minus"},
        "group": "minus",
        "rule": {
            "type": "per_occurrence",
            "cap": 4,
            "kinds": [{"count": "misses", "zh": "缺", "en": "miss", "points": 1}],
        },
    },
]
DOC["composition"]["full_marks"] = 60
DOC["grades"] = {
    "levels": [
        {"id": "top", "name": {"zh": "优秀", "en": "top"}, "min": 30, "quota_percent": 20},
        {"id": "mid", "name": {"zh": "合格", "en": "mid"}, "min": 15},
        {"id": "low", "name": {"zh": "不合格", "en": "low"}},
    ]
}
SCHEME = load_scheme(DOC)

decimals = st.decimals(min_value=0, max_value=120, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def subject(draw: st.DrawFn) -> dict[str, Any]:
    total = draw(st.integers(0, 300))
    return {
        "rate": draw(decimals),
        "misses": draw(st.integers(0, 12)),
        "done": draw(st.decimals(min_value=0, max_value=15, places=1)),
        "total_events": total,
        "cat_a": draw(st.integers(0, total)),
        "cat_b": draw(st.integers(0, total)),
        "filed": draw(st.booleans()),
    }


cohorts = st.lists(subject(), min_size=1, max_size=12).map(
    lambda items: {f"s{i:02d}": facts for i, facts in enumerate(items)}
)


@settings(max_examples=60, deadline=None)
@given(cohorts)
def test_scored_lines_stay_within_zero_and_max(subjects: dict[str, dict[str, Any]]) -> None:
    for sheet in run(SCHEME, subjects).sheets:
        for line in sheet.lines:
            if line.section == "scored":
                assert line.max_points is not None
                assert 0 <= line.points <= line.max_points, line
            elif line.section == "bonus":
                assert line.points >= 0
            else:
                assert -4 <= line.points <= 0


@settings(max_examples=60, deadline=None)
@given(subject(), st.integers(1, 5))
def test_more_deductions_never_raise_a_score(facts: dict[str, Any], extra: int) -> None:
    worse = dict(facts, misses=facts["misses"] + extra)
    before = run(SCHEME, {"s": facts}).sheet("s")
    after = run(SCHEME, {"s": worse}).sheet("s")
    assert before.total is not None
    assert after.total is not None
    assert after.total <= before.total
    for old, new in zip(before.lines, after.lines, strict=True):
        assert new.points <= old.points


@settings(max_examples=60, deadline=None)
@given(cohorts)
def test_ranks_agree_with_totals_and_competition_ties(subjects: dict[str, dict[str, Any]]) -> None:
    sheets = run(SCHEME, subjects).sheets
    totals = [s.total for s in sheets if s.total is not None]
    for sheet in sheets:
        assert sheet.total is not None
        assert sheet.rank == 1 + sum(1 for t in totals if t > sheet.total)


@settings(max_examples=60, deadline=None)
@given(cohorts)
def test_grade_quota_is_never_exceeded(subjects: dict[str, dict[str, Any]]) -> None:
    sheets = run(SCHEME, subjects).sheets
    quota = int(D(len(sheets)) * 20 / 100)
    tops = [s for s in sheets if s.grade == "top"]
    assert len(tops) <= quota
    assert all(s.total is not None and s.total >= 30 for s in tops)
    # nobody below a top subject's total is top while a higher total is not
    if tops:
        lowest_top = min(s.total for s in tops if s.total is not None)
        assert all(s.grade == "top" for s in sheets if s.total is not None and s.total > lowest_top)
