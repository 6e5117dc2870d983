"""Event photos (事项前后照片): the before and after pictures a report and its handling carry.

Seed 001 marks an event unqualified when its before/after photos are missing (前后照片缺失),
so the photos are evidence, and the rules protect them as evidence:
- a photo is added, never replaced or removed;
- none can be added once the event is closed (办结) or rejected: the review judged what was
  there (409);
- at most `MAX_PHOTOS_PER_KIND` of each kind per event (409), the phone app's picker limit;
- the same file twice as the same kind is one photo (a phone retrying an upload gets the
  first one back); the same file as both before and after proves nothing (422 on ``file``).

What is stored is the photo without its location (`shared.images.strip_location`): its GPS
position, when the camera recorded one, is kept as `position`, a field only those who may see
the event read. `sha256` is the hash of the file as uploaded (how a retry is recognised, and
how an original kept on the phone can be matched to the stored photo); `size`, `width`,
`height` and `content_type` describe the stored photo.

`PhotoAdded` tells scoring that an event got a before or after photo: ids, kind, instant;
never the position or who took it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from services.event_intake.domain.events import Event, Position, State
from shared.clock import require_aware
from shared.errors import InvalidInput, StateConflict

MAX_PHOTOS_PER_KIND = 9
# The review judged the photos an event had when it was closed or rejected.
FROZEN_STATES = frozenset({State.CLOSED, State.REJECTED})


class PhotoKind(StrEnum):
    """Before (整改前 / as reported) or after (整改后 / as handled)."""

    BEFORE = "before"
    AFTER = "after"


KIND_VALUES = tuple(kind.value for kind in PhotoKind)


@dataclass(frozen=True)
class Photo:
    """One stored photo of an event (its bytes live in the store, see the repository)."""

    photo_id: str
    event_id: str
    kind: PhotoKind
    content_type: str
    size: int
    width: int
    height: int
    position: Position | None
    uploaded_by: str
    uploaded_at: datetime
    sha256: str


@dataclass(frozen=True)
class PhotoAdded:
    """A before or after photo was added to an event."""

    photo_id: str
    event_id: str
    grid_id: str
    kind: PhotoKind
    occurred_at: datetime

    type: ClassVar[str] = "event.photo_added"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        # Keyed by the event: its photos stay in order with its event.* messages.
        return self.event_id

    def payload(self) -> dict[str, Any]:
        """Ids, kind and instant; never the position or the uploader."""
        return {
            "photo_id": self.photo_id,
            "event_id": self.event_id,
            "grid_id": self.grid_id,
            "kind": self.kind.value,
            "uploaded_at": self.occurred_at.isoformat(),
        }


def parse_kind(value: str | None) -> PhotoKind:
    """The kind named by ``value``; `InvalidInput` on ``kind`` otherwise."""
    try:
        return PhotoKind((value or "").strip())
    except ValueError:
        raise InvalidInput.of(
            "kind", f"必填：{' 或 '.join(KIND_VALUES)} / must be one of: {', '.join(KIND_VALUES)}"
        ) from None


def earlier_upload(
    event: Event, photos: Sequence[Photo], *, kind: PhotoKind, sha256: str
) -> Photo | None:
    """Check that ``event`` may get another ``kind`` photo whose upload hashes to ``sha256``.

    Returns the photo already stored from the same file as the same kind (a retried upload:
    the caller answers it and stores nothing); None when a new photo may be added. Raises
    `StateConflict` when the event is closed or rejected, or has its fill of ``kind``, and
    `InvalidInput` on ``file`` when the file is already the event's photo of the other kind.
    """
    same_file = [photo for photo in photos if photo.sha256 == sha256]
    for photo in same_file:
        if photo.kind is kind:
            return photo
    if event.state in FROZEN_STATES:
        raise StateConflict(
            f"event {event.event_id} is {event.state.value}: its photos can no longer change"
        )
    if same_file:
        raise InvalidInput.of(
            "file",
            "同一张照片不能既是整改前又是整改后 / the same photo cannot be both before and after",
        )
    if sum(1 for photo in photos if photo.kind is kind) >= MAX_PHOTOS_PER_KIND:
        raise StateConflict(
            f"event {event.event_id} already has {MAX_PHOTOS_PER_KIND} {kind.value} photos"
        )
    return None


def add_photo(
    event: Event,
    *,
    photo_id: str,
    kind: PhotoKind,
    content_type: str,
    size: int,
    width: int,
    height: int,
    position: Position | None,
    sha256: str,
    uploaded_by: str,
    now: datetime,
) -> tuple[Photo, PhotoAdded]:
    """A new photo of ``event`` (checked by `earlier_upload` first) and its `PhotoAdded`."""
    require_aware(now)
    photo = Photo(
        photo_id=photo_id,
        event_id=event.event_id,
        kind=kind,
        content_type=content_type,
        size=size,
        width=width,
        height=height,
        position=position,
        uploaded_by=uploaded_by,
        uploaded_at=now,
        sha256=sha256,
    )
    added = PhotoAdded(
        photo_id=photo_id,
        event_id=event.event_id,
        grid_id=event.grid_id,
        kind=kind,
        occurred_at=now,
    )
    return photo, added
