"""The shared working-day calendar and the working-time clock (Asia/Shanghai, 08:30-17:30).

Every expected value is computed by hand in a comment; day facts were checked against
chinesecalendar 1.11 (`chinese_calendar.get_holiday_detail`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from shared.calendar import WorkCalendar, WorkClock, WorkingHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOCK = WorkClock(WorkCalendar(), SHANGHAI)


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def h(hours: float) -> timedelta:
    return timedelta(hours=hours)


# -- WorkCalendar ---------------------------------------------------------------------------


def test_national_day_2025_and_its_make_up_workdays() -> None:
    calendar = WorkCalendar()
    assert calendar.is_workday(date(2025, 9, 28))  # Sunday, make-up workday
    assert not calendar.is_workday(date(2025, 9, 27))  # ordinary Saturday
    for day in range(1, 9):  # Oct 1-8: National Day + Mid-Autumn
        assert not calendar.is_workday(date(2025, 10, day))
    assert calendar.is_workday(date(2025, 10, 11))  # Saturday, make-up workday
    assert not calendar.is_workday(date(2025, 10, 12))  # ordinary Sunday
    # Sat 9/27 .. Sun 10/12: Sun 28, Mon 29, Tue 30, (1-8 off), Thu 9, Fri 10, Sat 11
    assert calendar.workdays(date(2025, 9, 27), date(2025, 10, 12)) == [
        date(2025, 9, 28),
        date(2025, 9, 29),
        date(2025, 9, 30),
        date(2025, 10, 9),
        date(2025, 10, 10),
        date(2025, 10, 11),
    ]


def test_spring_festival_2026() -> None:
    calendar = WorkCalendar()
    assert calendar.is_workday(date(2026, 2, 14))  # Saturday, make-up workday
    assert not any(calendar.is_workday(date(2026, 2, d)) for d in range(15, 24))  # Feb 15-23
    assert calendar.is_workday(date(2026, 2, 24))
    assert calendar.is_workday(date(2026, 2, 28))  # Saturday, make-up workday
    # Feb 2026 (Feb 1 is a Sunday): 20 weekdays, less 6 holiday weekdays (16-20, 23),
    # plus the make-up Saturdays 14 and 28 = 16
    assert len(calendar.workdays(date(2026, 2, 1), date(2026, 2, 28))) == 16


def test_tenant_overrides_of_single_days() -> None:
    calendar = WorkCalendar(
        extra_holidays=iter([date(2025, 9, 29)]),  # any iterable
        extra_workdays=[date(2025, 10, 8)],
    )
    assert not calendar.is_workday(date(2025, 9, 29))  # a Monday made a holiday
    assert calendar.is_workday(date(2025, 10, 8))  # a national holiday made a workday
    # the National Day window above, with Mon 9/29 removed and Wed 10/8 added
    assert calendar.workdays(date(2025, 9, 27), date(2025, 10, 12)) == [
        date(2025, 9, 28),
        date(2025, 9, 30),
        date(2025, 10, 8),
        date(2025, 10, 9),
        date(2025, 10, 10),
        date(2025, 10, 11),
    ]
    assert calendar == WorkCalendar(
        extra_holidays={date(2025, 9, 29)}, extra_workdays={date(2025, 10, 8)}
    )
    assert len({calendar, WorkCalendar(extra_holidays=[date(2025, 9, 29)])}) == 2


def test_years_outside_the_holiday_data_count_weekends_and_overrides_only() -> None:
    calendar = WorkCalendar(extra_holidays=[date(2031, 1, 7)])
    assert 2025 in calendar.covered
    assert 2031 not in calendar.covered
    assert not calendar.covers(date(2031, 1, 6))
    assert calendar.is_workday(date(2031, 1, 6))  # a Monday
    assert not calendar.is_workday(date(2031, 1, 4))  # a Saturday
    assert not calendar.is_workday(date(2031, 1, 7))  # the override still applies
    plain = WorkCalendar(chinese_holidays=False)
    assert 2031 in plain.covered
    assert plain.is_workday(date(2025, 10, 1))  # no holidays: a Wednesday works


# -- WorkClock: working days ------------------------------------------------------------------


def test_add_working_days_across_a_weekend() -> None:
    # Fri 2025-06-13 19:00 (after hours); 2 working days: Mon 16, Tue 17 -> Tue 17:30 +08
    due = CLOCK.add_working_days(local(2025, 6, 13, 19, 0), 2)
    assert due == utc(2025, 6, 17, 9, 30)  # 17:30 +08 = 09:30 UTC
    assert due.tzinfo is UTC


def test_add_working_days_across_national_day() -> None:
    # Tue 2025-09-30 10:00; next workdays: Thu 10/9 (1), Fri 10/10 (2), Sat 10/11 (3)
    start = local(2025, 9, 30, 10, 0)
    assert CLOCK.add_working_days(start, 2) == local(2025, 10, 10, 17, 30)
    assert CLOCK.add_working_days(start, 3) == local(2025, 10, 11, 17, 30)
    assert CLOCK.add_working_days(start, 0) == start


def test_the_local_day_is_the_tenants_not_utcs() -> None:
    # Sun 2025-06-15 20:00 UTC is Mon 06-16 04:00 in Shanghai: 1 working day -> Tue 17:30 +08
    # (counting from the UTC date, Sunday, would give Monday)
    assert CLOCK.add_working_days(utc(2025, 6, 15, 20, 0), 1) == utc(2025, 6, 17, 9, 30)
    # 00:30-09:30 UTC is 08:30-17:30 in Shanghai: one full working day = 9h
    assert CLOCK.elapsed(utc(2025, 6, 16, 0, 0), utc(2025, 6, 16, 10, 0)) == h(9)


# -- WorkClock: working hours -----------------------------------------------------------------


def test_add_working_hours_crossing_days() -> None:
    # Thu 2025-06-12 15:30 + 5h: 2h to 17:30, 3h on Fri from 08:30 -> Fri 11:30 +08
    assert CLOCK.add_working_hours(local(2025, 6, 12, 15, 30), 5) == utc(2025, 6, 13, 3, 30)
    # Fri 16:30 + 1.5h: 1h to 17:30, 0.5h on Mon 06-16 from 08:30 -> Mon 09:00
    assert CLOCK.add_working_hours(local(2025, 6, 13, 16, 30), Decimal("1.5")) == local(
        2025, 6, 16, 9, 0
    )
    # outside working hours (Sat 10:00): counting starts Mon 08:30 -> Mon 10:30
    assert CLOCK.add_working_hours(local(2025, 6, 14, 10, 0), 2) == local(2025, 6, 16, 10, 30)
    # exactly a full day ends at that day's 17:30, not at the next day's 08:30
    assert CLOCK.add_working_hours(local(2025, 6, 16, 8, 30), 9) == local(2025, 6, 16, 17, 30)
    # across National Day: Tue 9/30 16:30 + 2h -> 1h on 9/30, 1h on Thu 10/9 -> 09:30
    assert CLOCK.add_working_hours(local(2025, 9, 30, 16, 30), 2) == local(2025, 10, 9, 9, 30)


def test_custom_working_hours() -> None:
    clock = WorkClock(WorkCalendar(), SHANGHAI, WorkingHours(time(9, 0), time(12, 0)))
    # Mon 2025-06-16 11:00 + 2h: 1h to 12:00, 1h Tue from 09:00 -> Tue 10:00
    assert clock.add_working_hours(local(2025, 6, 16, 11, 0), 2) == local(2025, 6, 17, 10, 0)
    with pytest.raises(ValueError, match="end after"):
        WorkingHours(time(17, 30), time(8, 30))


def test_elapsed_with_a_pause_spanning_a_holiday() -> None:
    start, end = local(2025, 9, 29, 9, 0), local(2025, 10, 10, 12, 0)
    # Mon 9/29 09:00-17:30 = 8.5h, Tue 9/30 = 9h, Oct 1-8 holiday, Thu 10/9 = 9h,
    # Fri 10/10 08:30-12:00 = 3.5h -> 30h
    assert CLOCK.elapsed(start, end) == h(30)
    # suspended Tue 9/30 14:00 -> Thu 10/9 10:00: 3.5h on 9/30 + 0h holiday + 1.5h on 10/9 = 5h
    pause = (local(2025, 9, 30, 14, 0), local(2025, 10, 9, 10, 0))
    assert CLOCK.elapsed(start, end, [pause]) == h(25)
    # an overlapping pause inside the holiday changes nothing: 25h
    inner = (local(2025, 10, 1, 0, 0), local(2025, 10, 5, 0, 0))
    assert CLOCK.elapsed(start, end, [inner, pause]) == h(25)
    # a pause begun before start only counts from start: 09:00-10:00 on 9/29 -> 30h - 1h
    before = (local(2025, 9, 28, 12, 0), local(2025, 9, 29, 10, 0))
    assert CLOCK.elapsed(start, end, [before]) == h(29)
    with pytest.raises(ValueError, match="before start"):
        CLOCK.elapsed(end, start)


# -- WorkClock: deadlines ---------------------------------------------------------------------


def test_deadline_pushed_back_by_pauses() -> None:
    reported = local(2025, 6, 13, 19, 0)  # Friday evening
    # no pause: as add_working_days -> Tue 06-17 17:30
    assert CLOCK.deadline(reported, days=2) == local(2025, 6, 17, 17, 30)
    # a weekend pause costs no working time -> still Tue 17:30
    weekend = (local(2025, 6, 14, 10, 0), local(2025, 6, 15, 18, 0))
    assert CLOCK.deadline(reported, days=2, pauses=[weekend]) == local(2025, 6, 17, 17, 30)
    # suspended Mon 09:00-12:00 (3h): Tue 17:30 + 3h -> Wed 06-18 11:30 +08 = 03:30 UTC
    monday = (local(2025, 6, 16, 9, 0), local(2025, 6, 16, 12, 0))
    assert CLOCK.deadline(reported, days=2, pauses=[monday]) == utc(2025, 6, 18, 3, 30)
    # an extension running past the unpaused deadline (Tue 14:00 -> Wed 12:00):
    # budget Mon 9h + Tue 9h = 18h; before it Mon 9h + Tue 08:30-14:00 5.5h = 14.5h;
    # the remaining 3.5h run from Wed 12:00 -> Wed 15:30 +08
    extension = (local(2025, 6, 17, 14, 0), local(2025, 6, 18, 12, 0))
    assert CLOCK.deadline(reported, days=2, pauses=[extension]) == local(2025, 6, 18, 15, 30)


def test_deadline_in_hours_and_days_plus_hours() -> None:
    start = local(2025, 6, 12, 15, 30)  # Thursday
    # 5h -> Fri 11:30; paused Thu 16:00-16:30 (0.5h) -> Fri 12:00 +08 = 04:00 UTC
    pause = (local(2025, 6, 12, 16, 0), local(2025, 6, 12, 16, 30))
    assert CLOCK.deadline(start, hours=5, pauses=[pause]) == utc(2025, 6, 13, 4, 0)
    # 1 day then 2h: Fri 17:30, then Mon 08:30 + 2h -> Mon 06-16 10:30
    assert CLOCK.deadline(start, days=1, hours=2) == local(2025, 6, 16, 10, 30)
    # nothing to count: start itself, in UTC
    assert CLOCK.deadline(start) == utc(2025, 6, 12, 7, 30)


def test_a_pause_across_national_day_pushes_only_by_its_working_time() -> None:
    # reported Mon 9/29 10:00, 2 working days -> Tue 9/30 (1), Thu 10/9 (2) 17:30
    reported = local(2025, 9, 29, 10, 0)
    assert CLOCK.deadline(reported, days=2) == local(2025, 10, 9, 17, 30)
    # suspended Tue 9/30 16:30 -> Thu 10/9 08:30: 1h of working time (16:30-17:30 on 9/30)
    pause = (local(2025, 9, 30, 16, 30), local(2025, 10, 9, 8, 30))
    # Thu 10/9 17:30 + 1h -> Fri 10/10 09:30
    assert CLOCK.deadline(reported, days=2, pauses=[pause]) == local(2025, 10, 10, 9, 30)


# -- refusals ---------------------------------------------------------------------------------


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2025, 6, 13, 19, 0)  # noqa: DTZ001 - on purpose
    aware = local(2025, 6, 13, 19, 0)
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        CLOCK.add_working_days(naive, 1)
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        CLOCK.add_working_hours(naive, 1)
    with pytest.raises(ValueError, match="end must be timezone-aware"):
        CLOCK.elapsed(aware, naive)
    with pytest.raises(ValueError, match="pause start must be timezone-aware"):
        CLOCK.deadline(aware, days=1, pauses=[(naive, aware)])


def test_bad_amounts_are_refused() -> None:
    start = local(2025, 6, 13, 9, 0)
    with pytest.raises(ValueError, match="days"):
        CLOCK.add_working_days(start, -1)
    with pytest.raises(ValueError, match="hours"):
        CLOCK.add_working_hours(start, Decimal("-1"))
    with pytest.raises(ValueError, match="pause must not end"):
        CLOCK.elapsed(start, start + h(1), [(start + h(1), start)])
