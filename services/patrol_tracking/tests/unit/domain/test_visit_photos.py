"""Visit photos matched to the visits of a worker-day, and the window a photo's instant must
fall in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.patrol_tracking.domain.figures import Visit
from services.patrol_tracking.domain.settings import IngestRules
from services.patrol_tracking.domain.visit_photos import (
    PHOTO_MARGIN,
    VisitPhoto,
    VisitPhotoAdded,
    check_taken_at,
    match,
)
from shared.errors import InvalidInput

DAY = date(2026, 3, 2)
NINE = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
DOOR = Visit("s-door", "key_person", NINE, NINE + timedelta(minutes=5))
SHOP = Visit(
    "s-shop", "hazard_place", NINE + timedelta(hours=1), NINE + timedelta(hours=1, minutes=3)
)
DOOR_AGAIN = Visit(
    "s-door", "key_person", NINE + timedelta(hours=3), NINE + timedelta(hours=3, minutes=4)
)


def photo(photo_id: str, subject_id: str, taken_at: datetime) -> VisitPhoto:
    return VisitPhoto(
        photo_id=photo_id,
        worker_id="u-w1",
        subject_id=subject_id,
        taken_at=taken_at,
        uploaded_at=taken_at + timedelta(minutes=1),
        content_type="image/jpeg",
        size=1000,
        width=800,
        height=600,
        position=None,
        sha256="0" * 64,
    )


def test_a_photo_belongs_to_its_subjects_visit_during_the_stay_or_within_the_margin() -> None:
    during = photo("p-during", "s-door", NINE + timedelta(minutes=2))
    arriving = photo("p-arriving", "s-door", NINE - PHOTO_MARGIN)
    leaving = photo("p-leaving", "s-door", DOOR.end + PHOTO_MARGIN)
    later = photo("p-later", "s-door", NINE + timedelta(hours=3, minutes=1))
    day = match("u-w1", DAY, [DOOR, SHOP, DOOR_AGAIN], [later, leaving, during, arriving])
    assert [p.photo_id for p in day.visits[0].photos] == ["p-arriving", "p-during", "p-leaving"]
    assert day.visits[1].photos == ()
    assert [p.photo_id for p in day.visits[2].photos] == ["p-later"]
    assert day.unmatched == ()


def test_a_photo_outside_every_stay_or_of_another_subject_is_unmatched() -> None:
    too_early = photo("p-early", "s-door", NINE - PHOTO_MARGIN - timedelta(seconds=1))
    wrong_subject = photo("p-wrong", "s-shop", NINE + timedelta(minutes=2))
    day = match("u-w1", DAY, [DOOR], [wrong_subject, too_early])
    assert day.visits[0].photos == ()
    assert [p.photo_id for p in day.unmatched] == ["p-early", "p-wrong"]


def test_a_day_without_visits_shows_its_photos_as_unmatched() -> None:
    day = match("u-w1", DAY, [], [photo("p", "s-door", NINE)])
    assert (day.visits, [p.photo_id for p in day.unmatched]) == ((), ["p"])


@pytest.mark.parametrize(
    ("taken_at", "accepted"),
    [
        (NINE + timedelta(seconds=600), True),  # the phone's clock a little ahead
        (NINE + timedelta(seconds=601), False),
        (NINE - timedelta(days=3), True),  # as far back as the track's fixes may be
        (NINE - timedelta(days=3, seconds=1), False),
    ],
)
def test_a_photos_instant_is_held_to_the_upload_window(taken_at: datetime, accepted: bool) -> None:
    if accepted:
        check_taken_at(taken_at, now=NINE, rules=IngestRules())
    else:
        with pytest.raises(InvalidInput) as error:
            check_taken_at(taken_at, now=NINE, rules=IngestRules())
        assert error.value.field == "taken_at"


def test_the_event_names_the_subject_and_day_never_the_place() -> None:
    added = VisitPhotoAdded(photo("p", "s-door", NINE))
    assert added.aggregate_id == "u-w1"
    assert added.payload() == {
        "photo_id": "p",
        "worker_id": "u-w1",
        "subject_id": "s-door",
        "day": "2026-03-02",
        "taken_at": NINE,
        "sha256": "0" * 64,
    }
