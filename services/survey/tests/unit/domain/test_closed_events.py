"""The closed-events read model's rules: closures and reopenings, once per message, in order,
and the month buckets a period reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.survey.domain.closed_events import (
    EVENT_CLOSED,
    EVENT_REOPENED,
    apply_message,
    month_of,
    months_of,
)
from shared.periods import Period, parse_period

T0 = datetime(2026, 3, 31, 17, 30, tzinfo=UTC)  # 01:30 on 2026-04-01 in Shanghai


def state(**changes: Any) -> dict[str, Any]:
    return {
        "event_id": "e-1",
        "grid_id": "g-1",
        "division_id": "div-1",
        "source": "hotline_12345",
        "category": "city_management",
        "closed_at": T0,
        **changes,
    }


def period(kind: str, label: object) -> Period:
    parsed = parse_period(kind, label)
    assert isinstance(parsed, Period)
    return parsed


def test_a_closure_is_kept_with_its_tenant_local_day():
    entry = apply_message(None, type_=EVENT_CLOSED, state=state(), occurred_at=T0, message_id="m1")
    assert entry is not None
    closed = entry.as_closed_event()
    assert closed is not None
    assert (closed.event_id, closed.grid_id, closed.division_id) == ("e-1", "g-1", "div-1")
    assert (closed.source, closed.category, closed.closed_at) == (
        "hotline_12345",
        "city_management",
        T0,
    )
    # Closed late on 31 March UTC, which is already 1 April in Shanghai.
    assert closed.day == date(2026, 4, 1)


def test_the_same_message_twice_and_an_older_one_change_nothing():
    entry = apply_message(None, type_=EVENT_CLOSED, state=state(), occurred_at=T0, message_id="m1")
    assert entry is not None
    again = apply_message(entry, type_=EVENT_CLOSED, state=state(), occurred_at=T0, message_id="m1")
    assert again is None
    older = apply_message(
        entry,
        type_=EVENT_REOPENED,
        state=state(closed_at=None),
        occurred_at=T0 - timedelta(hours=1),
        message_id="m0",
    )
    assert older is None


def test_reopening_un_closes_and_a_new_closure_closes_again():
    closed = apply_message(None, type_=EVENT_CLOSED, state=state(), occurred_at=T0, message_id="m1")
    assert closed is not None
    later = T0 + timedelta(days=2)
    reopened = apply_message(
        closed,
        type_=EVENT_REOPENED,
        state=state(closed_at=None),
        occurred_at=later,
        message_id="m2",
    )
    assert reopened is not None
    assert (reopened.closed, reopened.as_closed_event(), reopened.day) == (False, None, None)
    reclosed = apply_message(
        reopened,
        type_=EVENT_CLOSED,
        state=state(closed_at=later + timedelta(days=1)),
        occurred_at=later + timedelta(days=1),
        message_id="m3",
    )
    assert reclosed is not None
    assert reclosed.closed_at == later + timedelta(days=1)


def test_other_types_and_a_reopening_never_seen_closed_change_nothing():
    assert (
        apply_message(None, type_="event.accepted", state=state(), occurred_at=T0, message_id="m")
        is None
    )
    assert (
        apply_message(
            None, type_=EVENT_REOPENED, state=state(closed_at=None), occurred_at=T0, message_id="m"
        )
        is None
    )


def test_a_naive_instant_is_a_bug_of_the_caller():
    with pytest.raises(ValueError, match="occurred_at"):
        apply_message(
            None,
            type_=EVENT_CLOSED,
            state=state(),
            occurred_at=T0.replace(tzinfo=None),
            message_id="m",
        )


@pytest.mark.parametrize(
    ("kind", "label", "months"),
    [
        ("month", "2026-03", ("2026-03",)),
        ("quarter", "2026-Q4", ("2026-10", "2026-11", "2026-12")),
        ("half", "2026-H1", ("2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06")),
        ("custom", {"start": "2025-12-20", "end": "2026-01-10"}, ("2025-12", "2026-01")),
    ],
)
def test_a_period_reads_the_months_it_touches(kind: str, label: object, months: tuple[str, ...]):
    assert months_of(period(kind, label)) == months


def test_month_of():
    assert month_of(date(2026, 1, 9)) == "2026-01"
