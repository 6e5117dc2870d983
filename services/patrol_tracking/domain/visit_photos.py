"""Visit photos (走访拍照): the photo a worker takes at a key subject, as the visit's evidence.

A visit is found in the track (`visits.VisitTracker`: a dwell within the tenant's radius of
the subject); the app may add a photo of it. A photo names its subject and the instant the
phone took it, and belongs to the worker who uploaded it. It is matched to that worker's
visit of the same subject when it was taken during the stay, or within `PHOTO_MARGIN` of it
(the photo is often taken on arrival, before the dwell has begun, or on leaving). A photo no
visit explains is still shown, as unmatched: the centre then sees a photo without the stay
the rules ask for (a worker who took the photo but did not stay, or whose phone did not
report). A photo never makes a visit: the dwell does, so the day's verdict is the track's.

The same file uploaded again for the same subject is the same photo (the phone retried).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from services.patrol_tracking.domain.figures import Visit
from services.patrol_tracking.domain.intake import patrol_day
from services.patrol_tracking.domain.settings import IngestRules
from shared.errors import InvalidInput

PHOTO_MARGIN = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class PhotoPosition:
    """Where the camera said it was (WGS84), from the photo's own GPS metadata."""

    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class VisitPhoto:
    """One photo a worker took at a key subject."""

    photo_id: str
    worker_id: str
    subject_id: str
    taken_at: datetime
    uploaded_at: datetime
    content_type: str
    size: int
    width: int
    height: int
    position: PhotoPosition | None
    sha256: str

    @property
    def day(self) -> date:
        """The Asia/Shanghai day it was taken: the patrol day it belongs to."""
        return patrol_day(self.taken_at)


@dataclass(frozen=True, slots=True)
class VisitPhotoAdded:
    """A worker added a photo of a visit (``patrol.visit_photo_added``): which subject, when,
    and the photo's id; never the image, its location or who is in it."""

    type: ClassVar[str] = "patrol.visit_photo_added"
    version: ClassVar[int] = 1

    photo: VisitPhoto

    @property
    def aggregate_id(self) -> str:
        return self.photo.worker_id

    @property
    def occurred_at(self) -> datetime:
        return self.photo.uploaded_at

    def payload(self) -> dict[str, Any]:
        photo = self.photo
        return {
            "photo_id": photo.photo_id,
            "worker_id": photo.worker_id,
            "subject_id": photo.subject_id,
            "day": photo.day.isoformat(),
            "taken_at": photo.taken_at,
            "sha256": photo.sha256,
        }


@dataclass(frozen=True, slots=True)
class VisitWithPhotos:
    """A visit of the day and the photos taken during it (or within the margin)."""

    visit: Visit
    photos: tuple[VisitPhoto, ...]

    @property
    def subject_id(self) -> str:
        return self.visit.subject_id

    @property
    def category(self) -> str:
        return self.visit.category

    @property
    def start(self) -> datetime:
        return self.visit.start

    @property
    def end(self) -> datetime:
        return self.visit.end


@dataclass(frozen=True, slots=True)
class DayVisits:
    """A worker-day's visits with their photos, and the photos no visit explains."""

    worker_id: str
    day: date
    visits: tuple[VisitWithPhotos, ...]
    unmatched: tuple[VisitPhoto, ...]


def check_taken_at(taken_at: datetime, *, now: datetime, rules: IngestRules) -> None:
    """A photo's instant is held to the same window as the track's fixes: at most the
    tenant's skew ahead of the server's clock, at most its upload window (whole 24-hour days)
    behind it (422 on ``taken_at`` otherwise)."""
    if taken_at > now + timedelta(seconds=rules.future_skew_s):
        raise InvalidInput.of("taken_at", "拍摄时间晚于当前时间 / in the future")
    if taken_at < now - timedelta(days=rules.upload_window_days):
        raise InvalidInput.of(
            "taken_at",
            f"超过上传期限 / older than the upload window ({rules.upload_window_days} days)",
        )


def match(
    worker_id: str, day: date, visits: Sequence[Visit], photos: Sequence[VisitPhoto]
) -> DayVisits:
    """Each photo to the first visit of its subject it was taken during (or within
    `PHOTO_MARGIN` of); the rest unmatched. Photos in the order they were taken."""
    matched: list[list[VisitPhoto]] = [[] for _ in visits]
    unmatched: list[VisitPhoto] = []
    for photo in sorted(photos, key=lambda p: (p.taken_at, p.photo_id)):
        for index, visit in enumerate(visits):
            if (
                visit.subject_id == photo.subject_id
                and visit.start - PHOTO_MARGIN <= photo.taken_at <= visit.end + PHOTO_MARGIN
            ):
                matched[index].append(photo)
                break
        else:
            unmatched.append(photo)
    return DayVisits(
        worker_id=worker_id,
        day=day,
        visits=tuple(
            VisitWithPhotos(visit, tuple(found))
            for visit, found in zip(visits, matched, strict=True)
        ),
        unmatched=tuple(unmatched),
    )
