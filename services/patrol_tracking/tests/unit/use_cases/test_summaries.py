"""The summaries' pure parts: month strings, month ends, a stored day as a row and as an
export line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.patrol_tracking.domain.compliance import SEED_001_COMMUNITY, judge_day
from services.patrol_tracking.domain.day import DayState, LastFix
from services.patrol_tracking.domain.patrol_days import Assignment, Judgement, PatrolDay
from services.patrol_tracking.domain.track import Fix, to_ms
from services.patrol_tracking.use_cases import summaries
from shared.errors import InvalidInput

DAY = date(2026, 3, 3)


def folded(hours: float, metres: float) -> PatrolDay:
    start = to_ms(datetime(2026, 3, 3, 1, 0, tzinfo=UTC))
    patrol_ms = int(hours * 3_600_000)
    state = DayState(
        day=DAY,
        last=LastFix(Fix(start + patrol_ms, 30.0, 120.0), own=True),
        sessions=1,
        patrol_ms=patrol_ms,
        distance_m=metres,
        own_grid_ms=patrol_ms,
        own_grid_m=metres,
        morning=True,
        afternoon=False,
        points_accepted=10,
        online=((start, start + patrol_ms),),
    )
    return PatrolDay.start("t", "u-1", DAY).with_state(
        state, assignment_seen=("g-9",), subjects_seen=""
    )


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=1, max_value=12))
def test_every_real_month_is_taken(year: int, month: int) -> None:
    text = f"{year:04d}-{month:02d}"
    assert summaries.check_month(text) == text


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-3", "26-03", "2026/03", "0000-01"])
def test_a_month_that_is_not_one_is_named(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        summaries.check_month(text)
    assert [problem.field for problem in caught.value.problems] == ["month"]


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 1)))
def test_a_month_ends_the_day_before_the_next_one_starts(day: date) -> None:
    first = day.replace(day=1)
    end = summaries._month_end(first)
    assert (end.month, (end + timedelta(days=1)).day) == (first.month, 1)


def test_an_open_day_shows_the_grids_measured_and_no_verdict() -> None:
    row = summaries.day_row(folded(2, 1_234))
    assert (row.status, row.final, row.version, row.short, row.reasons) == (
        "open",
        False,
        0,
        None,
        (),
    )
    assert (row.grid_id, row.grid_ids, row.division_id, row.grid_type) == (
        "g-9",
        ("g-9",),
        None,
        None,
    )
    assert (row.patrol_s, row.distance_m, str(row.km), row.workday) == (7200, 1234, "1.234", True)
    assert row.last_fix_at == datetime(2026, 3, 3, 3, 0, tzinfo=UTC)


def test_a_judged_day_exports_in_chinese_with_numbers_as_numbers() -> None:
    patrol = folded(1, 600)
    verdict = judge_day(patrol.state.figures(), SEED_001_COMMUNITY, workday=True, excuse=None)
    judged, _ = patrol.judged(
        Judgement(
            assignment=Assignment(("g-1", "g-2"), ("d-1",), "community"),
            workday=True,
            verdict=verdict,
            leave_id=None,
            at=datetime(2026, 3, 4, 18, 0, tzinfo=UTC),
        )
    )
    line = summaries._export_row(summaries.day_row(judged))
    assert (line["status"], line["grid_id"], line["division_id"], line["final"]) == (
        "未达标",
        "g-1",
        "d-1",
        "是",
    )
    assert (line["patrol_min"], line["km"], line["online_min"], line["short"]) == (
        60,
        0.6,
        60,
        "是",
    )
    assert (line["morning"], line["afternoon"]) == ("是", "否")
    assert line["reasons"].split("；")[0].startswith("巡查时长不足（patrolled 1 h of 3 h")
    assert "下午未巡查" in line["reasons"]
