"""Visit photos (走访拍照): a worker adds the photo of a visit; the centre reads a worker-day's
visits with their photos, and the photos themselves.

Who reads them is who reads the worker's track (`points.check_readable`): the worker himself,
and the centre, inspectors, grid leaders and instructors of his tenant; anyone else, and
another tenant, gets 404.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime

from services.patrol_tracking.domain import visit_photos as domain
from services.patrol_tracking.domain.intake import patrol_day
from services.patrol_tracking.domain.visit_photos import (
    DayVisits,
    PhotoPosition,
    VisitPhoto,
    VisitPhotoAdded,
)
from services.patrol_tracking.repository.visit_photos import PHOTO, THUMBNAIL
from services.patrol_tracking.use_cases.context import PatrolContext
from services.patrol_tracking.use_cases.points import check_readable
from shared import images
from shared.clock import to_millisecond
from shared.errors import Conflict, InvalidInput, NotFound
from shared.mongo.files import StoredImage
from shared.text import unsafe_text_reason

VARIANTS = (PHOTO, THUMBNAIL)
SUBJECT_ID_MAX = 64


def add_visit_photo(
    ctx: PatrolContext,
    *,
    subject_id: str | None,
    taken_at: str | None,
    data: bytes,
    max_bytes: int = images.DEFAULT_MAX_BYTES,
) -> VisitPhoto:
    """The caller's photo of key subject ``subject_id`` taken at ``taken_at`` (ISO 8601 with
    an offset); a retried upload of the same file for the same subject answers the first.

    422 on ``subject_id`` when it is not one of the tenant's key subjects, on ``taken_at``
    when it is not an instant or lies outside the tenant's upload window; 413 over
    ``max_bytes``, 415 for anything but JPEG/PNG/WebP, 422 for a damaged or oversized-in-pixels
    file (all on ``file``). Publishes `patrol.visit_photo_added`."""
    subject = _subject(ctx, subject_id)
    when = _instant(taken_at)
    domain.check_taken_at(when, now=ctx.now(), rules=ctx.settings.recent().ingest)
    checked = images.inspect_image(data, max_bytes=max_bytes, max_pixels=images.MAX_PIXELS)
    sha256 = hashlib.sha256(data).hexdigest()
    earlier = ctx.photos.same_file(ctx.actor, subject, sha256)
    if earlier is not None:
        return earlier
    stripped = images.strip_location(checked)
    thumbnail = images.thumbnail(stripped.image)
    location = stripped.location
    photo = VisitPhoto(
        photo_id=str(uuid.uuid4()),
        worker_id=ctx.actor,
        subject_id=subject,
        taken_at=to_millisecond(when),
        uploaded_at=to_millisecond(ctx.now()),
        content_type=stripped.image.content_type,
        size=stripped.image.size,
        width=stripped.image.width,
        height=stripped.image.height,
        position=None if location is None else PhotoPosition(lon=location.lon, lat=location.lat),
        sha256=sha256,
    )
    try:
        return ctx.photos.add_photo(
            photo, image=stripped.image, thumbnail=thumbnail, events=[VisitPhotoAdded(photo)]
        )
    except Conflict:
        # The same file for the same subject was stored by a concurrent request (a phone
        # retrying while the first upload was still being processed): answer that one.
        stored = ctx.photos.same_file(ctx.actor, subject, sha256)
        if stored is None:
            raise
        return stored


def day_visits(ctx: PatrolContext, *, worker_id: str, day: date | None = None) -> DayVisits:
    """The worker's visits of ``day`` (default: today in Shanghai) as his track shows them,
    each with its photos, and the photos of the day no visit explains."""
    check_readable(ctx, worker_id)
    day = patrol_day(ctx.now()) if day is None else day
    stored = ctx.days.find_day(worker_id, day)
    visits = () if stored is None else stored.state.figures().visits
    return domain.match(worker_id, day, visits, ctx.photos.photos_of_day(worker_id, day))


def photo_image(ctx: PatrolContext, *, photo_id: str, variant: str = PHOTO) -> StoredImage:
    """The stored photo (no location metadata) or its thumbnail, for those who may read the
    worker's track; 404 otherwise, as for a photo that does not exist."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}")
    found = ctx.photos.image_of(photo_id, variant)
    if found is None:
        raise NotFound(f"photo {photo_id} not found")
    photo, stored = found
    try:
        check_readable(ctx, photo.worker_id)
    except NotFound:
        raise NotFound(f"photo {photo_id} not found") from None
    return stored


def _subject(ctx: PatrolContext, subject_id: str | None) -> str:
    if not subject_id:
        raise InvalidInput.of("subject_id", "必填：重点对象 / required: the key subject")
    unsafe = unsafe_text_reason(subject_id)
    if unsafe is not None:
        raise InvalidInput.of("subject_id", unsafe)
    if len(subject_id) > SUBJECT_ID_MAX or ctx.registry.subject(subject_id) is None:
        raise InvalidInput.of(
            "subject_id", "不是本单位的重点对象 / not a key subject of the tenant"
        )
    return subject_id


def _instant(text: str | None) -> datetime:
    if not text:
        raise InvalidInput.of("taken_at", "必填：拍摄时间 / required: when the photo was taken")
    if len(text) > 40 or unsafe_text_reason(text) is not None:
        raise InvalidInput.of("taken_at", "不是有效时间 / not an ISO 8601 instant")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput.of("taken_at", "不是有效时间 / not an ISO 8601 instant") from None
    if when.tzinfo is None or when.utcoffset() is None:
        raise InvalidInput.of("taken_at", "需带时区 / needs an offset (e.g. +08:00)")
    return when
