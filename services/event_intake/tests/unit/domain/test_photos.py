"""Photos are evidence: added, never replaced; frozen once the event is closed or rejected."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.event_intake.domain import events as ev
from services.event_intake.domain import photos
from services.event_intake.domain.events import Event, Position, Source, State
from services.event_intake.domain.photos import MAX_PHOTOS_PER_KIND, Photo, PhotoAdded, PhotoKind
from services.event_intake.domain.taxonomy import SEED_TAXONOMY
from services.event_intake.tests.unit.domain.fakes import GRID, NOW, TENANT, FakeClock, worker
from shared.errors import InvalidInput, StateConflict
from shared.events.contracts import contract_for, validate_payload
from shared.events.domain import DomainEvent
from shared.events.topics import Topic

SHA_A = "a" * 64
SHA_B = "b" * 64


def reported() -> Event:
    event, _ = ev.report(
        event_id="e-1",
        tenant_id=TENANT,
        grid_id=GRID,
        actor=worker(),
        source=Source.GRID_APP,
        category="city_management",
        title="井盖缺失",
        description="人民路12号井盖缺失",
        address="人民路12号",
        position=None,
        taxonomy=SEED_TAXONOMY,
        clock=FakeClock(),
        now=NOW,
        request_id="r-report",
    )
    return event


def new_photo(event: Event, **overrides: Any) -> tuple[Photo, PhotoAdded]:
    arguments: dict[str, Any] = {
        "photo_id": "p-1",
        "kind": PhotoKind.BEFORE,
        "content_type": "image/jpeg",
        "size": 2048,
        "width": 40,
        "height": 80,
        "position": Position(lon=120.15, lat=30.26),
        "sha256": SHA_A,
        "uploaded_by": "u-worker",
        "now": NOW,
    }
    arguments.update(overrides)
    return photos.add_photo(event, **arguments)


def test_a_photo_and_its_event_carry_ids_but_no_position_or_uploader() -> None:
    photo, added = new_photo(reported())
    assert photo.position == Position(lon=120.15, lat=30.26)
    assert (photo.uploaded_by, photo.uploaded_at, photo.event_id) == ("u-worker", NOW, "e-1")
    assert isinstance(added, DomainEvent)
    assert (added.type, added.version, added.aggregate_id) == ("event.photo_added", 1, "e-1")
    payload = added.payload()
    assert payload == {
        "photo_id": "p-1",
        "event_id": "e-1",
        "grid_id": GRID,
        "kind": "before",
        "uploaded_at": NOW.isoformat(),
    }
    assert contract_for(added.type, added.version).topic is Topic.INTAKE_EVENTS
    validate_payload(added.type, added.version, payload)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        new_photo(reported(), now=datetime(2026, 3, 2, 9, 0))  # noqa: DTZ001 - on purpose


@pytest.mark.parametrize("value", ["", None, "during", "BEFORE", "before\x00"])
def test_a_kind_other_than_before_or_after_is_422_on_kind(value: str | None) -> None:
    with pytest.raises(InvalidInput) as caught:
        photos.parse_kind(value)
    assert caught.value.field == "kind"


def test_before_and_after_parse() -> None:
    assert photos.parse_kind(" after ") is PhotoKind.AFTER
    assert photos.parse_kind("before") is PhotoKind.BEFORE


def test_the_same_file_as_the_same_kind_is_the_first_photo_again() -> None:
    event = reported()
    first, _ = new_photo(event)
    again = photos.earlier_upload(event, [first], kind=PhotoKind.BEFORE, sha256=SHA_A)
    assert again == first
    # Even once the event is closed: a retry of an upload that was accepted is answered.
    closed = replace(event, state=State.CLOSED)
    assert photos.earlier_upload(closed, [first], kind=PhotoKind.BEFORE, sha256=SHA_A) == first


def test_the_same_file_as_before_and_after_is_422_on_file() -> None:
    event = reported()
    first, _ = new_photo(event)
    with pytest.raises(InvalidInput) as caught:
        photos.earlier_upload(event, [first], kind=PhotoKind.AFTER, sha256=SHA_A)
    assert caught.value.field == "file"


@pytest.mark.parametrize("state", [State.CLOSED, State.REJECTED])
def test_no_new_photo_once_closed_or_rejected(state: State) -> None:
    event = replace(reported(), state=state)
    with pytest.raises(StateConflict, match=state.value):
        photos.earlier_upload(event, [], kind=PhotoKind.AFTER, sha256=SHA_B)


@pytest.mark.parametrize("state", [State.REPORTED, State.IN_PROGRESS, State.RESOLVED])
def test_photos_may_be_added_while_the_event_is_open(state: State) -> None:
    event = replace(reported(), state=state)
    assert photos.earlier_upload(event, [], kind=PhotoKind.AFTER, sha256=SHA_B) is None


def test_at_most_nine_of_each_kind() -> None:
    event = reported()
    befores = [
        new_photo(event, photo_id=f"p-{n}", sha256=f"{n:064x}", now=NOW + timedelta(minutes=n))[0]
        for n in range(MAX_PHOTOS_PER_KIND)
    ]
    with pytest.raises(StateConflict, match="already has 9 before"):
        photos.earlier_upload(event, befores, kind=PhotoKind.BEFORE, sha256=SHA_B)
    # The after photos are counted apart.
    assert photos.earlier_upload(event, befores, kind=PhotoKind.AFTER, sha256=SHA_B) is None
