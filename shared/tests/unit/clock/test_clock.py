from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.clock import require_aware, to_millisecond


def test_an_aware_instant_is_returned_as_it_is() -> None:
    shanghai = timezone(timedelta(hours=8))
    moment = datetime(2026, 11, 27, 9, 30, tzinfo=shanghai)
    assert require_aware(moment) is moment
    assert require_aware(datetime(2026, 1, 1, tzinfo=UTC)).tzinfo is UTC


def test_a_naive_instant_is_refused_naming_the_argument() -> None:
    with pytest.raises(ValueError, match="occurred_at must be timezone-aware"):
        require_aware(datetime(2026, 11, 27, 9, 30), "occurred_at")  # noqa: DTZ001 - on purpose


def test_an_instant_is_cut_to_the_millisecond_the_store_keeps() -> None:
    shanghai = timezone(timedelta(hours=8))
    moment = datetime(2026, 3, 2, 9, 30, 15, 123_999, tzinfo=shanghai)
    assert to_millisecond(moment) == datetime(2026, 3, 2, 9, 30, 15, 123_000, tzinfo=shanghai)
    assert to_millisecond(moment).tzinfo is shanghai


def test_a_whole_millisecond_is_kept_as_it_is() -> None:
    moment = datetime(2026, 3, 2, 1, 0, 0, 7_000, tzinfo=UTC)
    assert to_millisecond(moment) == moment
    assert to_millisecond(to_millisecond(moment)) == moment
