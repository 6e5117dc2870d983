"""An audit read's window, cut into UTC day buckets newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.audit.window import DEFAULT_DAYS, MAX_DAYS, DaySlice, day_slices
from shared.errors import InvalidInput

NOW = datetime(2026, 11, 27, 9, 15, tzinfo=UTC)


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_a_window_inside_days_cuts_only_its_first_and_last_day() -> None:
    slices = day_slices(since=at(20, 8), until=at(22, 17, 30), now=NOW)
    assert slices == [
        DaySlice("2026-11-22", until=at(22, 17, 30)),
        DaySlice("2026-11-21"),
        DaySlice("2026-11-20", since=at(20, 8)),
    ]


def test_midnight_bounds_cut_nothing() -> None:
    assert day_slices(since=at(20), until=at(22), now=NOW) == [
        DaySlice("2026-11-21"),
        DaySlice("2026-11-20"),
    ]


def test_a_window_within_one_day_is_one_slice_cut_on_both_sides() -> None:
    assert day_slices(since=at(20, 8), until=at(20, 9), now=NOW) == [
        DaySlice("2026-11-20", since=at(20, 8), until=at(20, 9))
    ]


def test_without_bounds_whole_days_up_to_tomorrow() -> None:
    slices = day_slices(since=None, until=None, now=NOW)
    assert slices[0] == DaySlice("2026-11-28")  # a clock running ahead is not missed
    assert slices[-1] == DaySlice((NOW - timedelta(days=DEFAULT_DAYS)).date().isoformat())
    assert len(slices) == DEFAULT_DAYS + 2


def test_bounds_in_another_offset_are_utc_days() -> None:
    since = datetime.fromisoformat("2026-11-21T07:00:00+08:00")  # 2026-11-20 23:00 UTC
    assert [s.day for s in day_slices(since=since, until=at(21, 12), now=NOW)] == [
        "2026-11-21",
        "2026-11-20",
    ]


def test_a_window_in_the_future_is_empty() -> None:
    assert day_slices(since=NOW + timedelta(days=5), until=None, now=NOW) == []


@pytest.mark.parametrize(
    ("since", "until"),
    [
        (at(22), at(22)),
        (at(23), at(22)),
        (NOW - timedelta(days=MAX_DAYS, seconds=1), None),
    ],
)
def test_an_empty_or_too_long_window_names_since(since: datetime, until: datetime | None) -> None:
    with pytest.raises(InvalidInput) as refused:
        day_slices(since=since, until=until, now=NOW)
    assert refused.value.field == "since"


def test_the_longest_window_is_allowed() -> None:
    assert len(day_slices(since=NOW - timedelta(days=MAX_DAYS), until=NOW, now=NOW)) == MAX_DAYS + 1
