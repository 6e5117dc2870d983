"""Visits (走访) found in the track, and missed visits per subject cycle (seed 001)."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from services.patrol_tracking.domain.figures import Visit
from services.patrol_tracking.domain.settings import TrackRules
from services.patrol_tracking.domain.track import EARTH_RADIUS_M, DayGeometry, to_ms
from services.patrol_tracking.domain.visits import (
    CycledSubject,
    MissedVisit,
    VisitCycle,
    VisitTracker,
    missed_visits,
    windows,
)
from shared.calendar import WorkCalendar

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai
LAT0, LON0 = 30.25, 120.15
METRE_LAT = 180 / (math.pi * EARTH_RADIUS_M)
RULES = TrackRules(visit_radius_m=30.0, visit_min_dwell_s=120)
SUBJECTS = [
    ("s-home", "key_person", LON0, LAT0),
    ("s-shop", "hazard_place", LON0, LAT0 + 100 * METRE_LAT),
    ("s-far", "care_recipient", LON0 + 0.1, LAT0),
]
GEOMETRY = DayGeometry(subjects=SUBJECTS)


def track(*fixes: tuple[float, float], new_session: tuple[int, ...] = (0,)):
    """Fixes as (seconds after T0, metres north of the first subject)."""
    at = np.asarray([to_ms(T0 + timedelta(seconds=s)) for s, _ in fixes], dtype=np.int64)
    lats = np.asarray([LAT0 + north * METRE_LAT for _, north in fixes], dtype=np.float64)
    lons = np.full(len(fixes), LON0, dtype=np.float64)
    fresh = np.zeros(len(fixes), dtype=np.bool_)
    fresh[list(new_session)] = True
    return at, lats, lons, fresh


def fold(tracker: VisitTracker, *fixes, new_session=(0,), geometry=GEOMETRY, rules=RULES):
    at, lats, lons, fresh = track(*fixes, new_session=new_session)
    return tracker.fold(at, lats, lons, new_session=fresh, geometry=geometry, rules=rules)


def every_30s(seconds: int, north: float = 0.0, start: int = 0):
    return [(start + s, north) for s in range(0, seconds + 1, 30)]


def test_three_minutes_within_30_m_is_a_visit():
    tracker = fold(VisitTracker(), (-30, 60.0), *every_30s(180, north=20.0), (210, 60.0))
    assert tracker.visits() == (Visit("s-home", "key_person", T0, T0 + timedelta(seconds=180)),)


def test_one_minute_is_no_visit():
    tracker = fold(VisitTracker(), *every_30s(60, north=10.0), (90, 60.0))
    assert tracker.visits() == ()


def test_the_stay_in_progress_counts_once_it_has_dwelt_long_enough():
    short = fold(VisitTracker(), *every_30s(90))
    assert short.visits() == ()
    longer = fold(short, (120, 5.0), new_session=())
    assert [v.end for v in longer.visits()] == [T0 + timedelta(seconds=120)]
    assert longer.open is not None  # still there: the next fix may lengthen it


def test_a_fix_outside_the_radius_ends_the_stay():
    tracker = fold(VisitTracker(), *every_30s(90), (120, 45.0), *every_30s(90, start=150))
    assert tracker.visits() == ()


def test_a_session_gap_ends_the_stay():
    fixes = [*every_30s(60), *every_30s(120, start=900)]
    tracker = fold(VisitTracker(), *fixes, new_session=(0, 3))
    assert tracker.visits() == (
        Visit("s-home", "key_person", T0 + timedelta(seconds=900), T0 + timedelta(seconds=1020)),
    )


def test_between_two_subjects_the_nearer_one_is_visited():
    # The subjects are 100 m apart; a radius of 60 m covers both from the middle.
    wide = TrackRules(visit_radius_m=60.0, visit_min_dwell_s=120)
    tracker = fold(VisitTracker(), *every_30s(150, north=55.0), rules=wide)
    assert [(v.subject_id, v.category) for v in tracker.visits()] == [("s-shop", "hazard_place")]


def test_moving_from_one_subject_to_the_next_gives_two_visits():
    tracker = fold(VisitTracker(), *every_30s(120, north=0.0), *every_30s(150, 100.0, start=150))
    assert [(v.subject_id, v.start, v.end) for v in tracker.visits()] == [
        ("s-home", T0, T0 + timedelta(seconds=120)),
        ("s-shop", T0 + timedelta(seconds=150), T0 + timedelta(seconds=300)),
    ]


def test_a_stay_split_over_batches_is_one_visit():
    fixes = every_30s(300)
    one_go = fold(VisitTracker(), *fixes)
    split = fold(fold(VisitTracker(), *fixes[:4]), *fixes[4:], new_session=())
    assert split == one_go
    assert len(split.visits()) == 1


def test_without_subjects_nothing_is_visited():
    tracker = fold(VisitTracker(), *every_30s(300), geometry=DayGeometry())
    assert tracker.visits() == ()
    assert tracker.open is None


def test_the_tracker_survives_a_json_round_trip():
    tracker = fold(VisitTracker(), *every_30s(150), (180, 75.0), *every_30s(60, 100.0, start=210))
    assert tracker.open is not None
    assert len(tracker.done) == 1
    stored = json.loads(json.dumps(tracker.to_document()))
    assert VisitTracker.from_document(stored) == tracker
    assert VisitTracker.from_document(VisitTracker().to_document()) == VisitTracker()


# Missed visits. March 2026: Sunday the 1st to Tuesday the 31st; no public holiday.
MARCH = (date(2026, 3, 1), date(2026, 3, 31))
CALENDAR = WorkCalendar()


def visit(subject_id: str, local_day: date, hour: int = 10) -> Visit:
    start = datetime(local_day.year, local_day.month, local_day.day, hour, tzinfo=UTC) - timedelta(
        hours=8
    )
    return Visit(subject_id, "any", start, start + timedelta(minutes=5))


def test_weeks_go_to_the_period_holding_their_thursday():
    weekly = windows(VisitCycle.WEEKLY, *MARCH, CALENDAR.is_workday)
    assert weekly == tuple(
        (date(2026, 3, d), date(2026, 3, d + 6)) for d in (2, 9, 16, 23)
    )  # Feb 23-Mar 1 is February's (Thursday the 26th); Mar 30-Apr 5 is April's
    april = windows(VisitCycle.WEEKLY, date(2026, 4, 1), date(2026, 4, 30), CALENDAR.is_workday)
    assert april[0] == (date(2026, 3, 30), date(2026, 4, 5))


def test_a_month_is_judged_in_the_period_holding_its_last_day():
    assert windows(VisitCycle.MONTHLY, *MARCH, CALENDAR.is_workday) == (
        (date(2026, 3, 1), date(2026, 3, 31)),
    )
    quarter = windows(VisitCycle.MONTHLY, date(2026, 1, 1), date(2026, 3, 31), CALENDAR.is_workday)
    assert [w[0].month for w in quarter] == [1, 2, 3]
    assert (
        windows(VisitCycle.MONTHLY, date(2026, 3, 2), date(2026, 3, 8), CALENDAR.is_workday) == ()
    )


def test_daily_windows_are_the_working_days():
    daily = windows(VisitCycle.DAILY, *MARCH, CALENDAR.is_workday)
    assert len(daily) == 22
    assert (date(2026, 3, 1), date(2026, 3, 1)) not in daily  # a Sunday
    with pytest.raises(ValueError, match="before"):
        windows(VisitCycle.DAILY, date(2026, 3, 2), date(2026, 3, 1), CALENDAR.is_workday)


def test_a_week_without_a_working_day_asks_for_no_visit():
    holiday_week = {date(2026, 3, 9) + timedelta(days=n) for n in range(7)}
    weekly = windows(VisitCycle.WEEKLY, *MARCH, lambda d: d.weekday() < 5 and d not in holiday_week)
    assert (date(2026, 3, 9), date(2026, 3, 15)) not in weekly
    assert len(weekly) == 3


def test_each_subject_misses_each_window_it_was_not_visited_in():
    subjects = [
        CycledSubject("s-person", "key_person", VisitCycle.WEEKLY),
        CycledSubject("s-care", "care_recipient", VisitCycle.MONTHLY),
        CycledSubject("s-place", "hazard_place", VisitCycle.DAILY),
        CycledSubject("s-absent", "special_group", VisitCycle.MONTHLY),
    ]
    workdays = CALENDAR.workdays(*MARCH)
    visits = [
        visit("s-person", date(2026, 3, 8)),  # a Sunday still covers its week
        visit("s-person", date(2026, 3, 10)),
        visit("s-person", date(2026, 3, 18)),
        visit("s-person", date(2026, 3, 19)),  # a second visit in a week adds nothing
        visit("s-person", date(2026, 3, 1)),  # in February's week
        visit("s-care", date(2026, 3, 31)),
        *(visit("s-place", day) for day in workdays if day != date(2026, 3, 17)),
    ]
    missed = missed_visits(subjects, visits, *MARCH, CALENDAR.is_workday)
    assert missed == (
        MissedVisit(
            "s-person", "key_person", VisitCycle.WEEKLY, date(2026, 3, 23), date(2026, 3, 29)
        ),
        MissedVisit(
            "s-place", "hazard_place", VisitCycle.DAILY, date(2026, 3, 17), date(2026, 3, 17)
        ),
        MissedVisit(
            "s-absent", "special_group", VisitCycle.MONTHLY, date(2026, 3, 1), date(2026, 3, 31)
        ),
    )
    assert missed_visits(subjects[3:], [], *MARCH, CALENDAR.is_workday)[0].cycle == "monthly"


def test_a_visit_counts_for_its_shanghai_date():
    subject = [CycledSubject("s-place", "hazard_place", VisitCycle.DAILY)]
    start = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # 01:00 on 3 March in Shanghai
    late_evening_utc = Visit("s-place", "hazard_place", start, start + timedelta(minutes=5))
    missed = missed_visits(
        subject, [late_evening_utc], date(2026, 3, 2), date(2026, 3, 3), CALENDAR.is_workday
    )
    assert [m.first for m in missed] == [date(2026, 3, 2)]


def test_a_holiday_calendar_drops_the_national_day_week():
    # 2026 National Day: 1-7 October off, Saturday the 10th a make-up working day (调休).
    daily = windows(VisitCycle.DAILY, date(2026, 10, 1), date(2026, 10, 11), CALENDAR.is_workday)
    assert [w[0].day for w in daily] == [8, 9, 10]
