from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.clock import require_aware


def test_an_aware_instant_is_returned_as_it_is() -> None:
    shanghai = timezone(timedelta(hours=8))
    moment = datetime(2026, 11, 27, 9, 30, tzinfo=shanghai)
    assert require_aware(moment) is moment
    assert require_aware(datetime(2026, 1, 1, tzinfo=UTC)).tzinfo is UTC


def test_a_naive_instant_is_refused_naming_the_argument() -> None:
    with pytest.raises(ValueError, match="occurred_at must be timezone-aware"):
        require_aware(datetime(2026, 11, 27, 9, 30), "occurred_at")  # noqa: DTZ001 - on purpose
