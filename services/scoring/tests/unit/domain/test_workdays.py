"""Periods and the working-day calendar."""

from __future__ import annotations

from datetime import date

from services.scoring.domain.workdays import Period, WorkCalendar, parse_period


def test_periods_parse() -> None:
    assert parse_period("month", "2024-02") == Period(
        "month", "2024-02", date(2024, 2, 1), date(2024, 2, 29)
    )
    quarter = parse_period("quarter", "2024-Q3")
    assert isinstance(quarter, Period)
    assert quarter.days == 92
    custom = parse_period("custom", {"start": "2024-01-01", "end": "2024-06-30"})
    assert isinstance(custom, Period)
    assert custom.days == 182
    assert isinstance(parse_period("month", "2024-13"), str)
    assert isinstance(parse_period("custom", {"start": "2024-02-01", "end": "2024-01-01"}), str)


def test_chinese_holidays_and_make_up_days() -> None:
    calendar = WorkCalendar()
    assert not calendar.is_workday(date(2024, 10, 1))  # National Day
    assert calendar.is_workday(date(2024, 2, 4))  # Sunday make-up day before Spring Festival
    assert len(calendar.workdays(date(2020, 1, 1), date(2020, 12, 31))) == 249


def test_overrides_win() -> None:
    calendar = WorkCalendar(
        extra_holidays=frozenset({date(2024, 5, 6)}), extra_workdays=frozenset({date(2024, 5, 5)})
    )
    assert not calendar.is_workday(date(2024, 5, 6))
    assert calendar.is_workday(date(2024, 5, 5))


def test_longest_run_skips_non_working_days() -> None:
    calendar = WorkCalendar()
    # Fri 2024-06-14 and Mon 06-17 are consecutive working days; Wed 06-19 is not next to them
    run = calendar.longest_run([date(2024, 6, 14), date(2024, 6, 17), date(2024, 6, 19)])
    assert run == 2
    # but Sat 2024-05-11 was a make-up working day, so Fri 05-10 and Mon 05-13 are not
    assert calendar.longest_run([date(2024, 5, 10), date(2024, 5, 13)]) == 1
    assert calendar.longest_run([]) == 0


def test_years_outside_the_holiday_data_fall_back_to_weekends() -> None:
    calendar = WorkCalendar()
    assert not calendar.covers(date(2031, 1, 6))
    assert calendar.is_workday(date(2031, 1, 6))
    assert not calendar.is_workday(date(2031, 1, 4))


def test_period_labels_are_canonical() -> None:
    month = parse_period("month", "2024-3")
    quarter = parse_period("quarter", "2024q2")
    year = parse_period("year", 2020)
    assert isinstance(month, Period)
    assert isinstance(quarter, Period)
    assert isinstance(year, Period)
    assert (month.label, quarter.label, year.label) == ("2024-03", "2024-Q2", "2020")
    assert quarter.start == date(2024, 4, 1)
