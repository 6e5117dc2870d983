"""Event photo use cases: add a before/after photo, list an event's photos, read their bytes.

Whoever may see an event may see and add its photos (`visible_event`: another tenant's event,
or one outside the caller's grids or department, is a 404, and so are its photos).
"""

from __future__ import annotations

import hashlib
import uuid

from services.event_intake.domain import photos as domain
from services.event_intake.domain.events import Position
from services.event_intake.repository.photos import PHOTO, THUMBNAIL, StoredImage
from services.event_intake.use_cases.context import IntakeContext
from services.event_intake.use_cases.events import visible_event
from shared import images
from shared.clock import to_millisecond
from shared.errors import Conflict, NotFound
from shared.mongo import Page

VARIANTS = (PHOTO, THUMBNAIL)


def add_photo(
    ctx: IntakeContext,
    *,
    event_id: str,
    kind: str | None,
    data: bytes,
    max_bytes: int = images.DEFAULT_MAX_BYTES,
) -> domain.Photo:
    """Add a before/after photo to a visible event; a retried upload answers the first photo.

    404 for an event the caller cannot see; 413 over ``max_bytes``, 415 for anything but
    JPEG/PNG/WebP, 422 for a damaged or oversized-in-pixels file (all on ``file``) or a bad
    ``kind``; 409 when the event is closed or rejected or has its fill of that kind.
    """
    event = visible_event(ctx, event_id)
    photo_kind = domain.parse_kind(kind)
    checked = images.inspect_image(data, max_bytes=max_bytes, max_pixels=images.MAX_PIXELS)
    sha256 = hashlib.sha256(data).hexdigest()
    earlier = domain.earlier_upload(
        event, ctx.photos.photos_of(event.event_id), kind=photo_kind, sha256=sha256
    )
    if earlier is not None:
        return earlier
    stripped = images.strip_location(checked)
    thumbnail = images.thumbnail(stripped.image)
    location = stripped.location
    photo, added = domain.add_photo(
        event,
        photo_id=str(uuid.uuid4()),
        kind=photo_kind,
        content_type=stripped.image.content_type,
        size=stripped.image.size,
        width=stripped.image.width,
        height=stripped.image.height,
        position=None if location is None else Position(lon=location.lon, lat=location.lat),
        sha256=sha256,
        uploaded_by=ctx.actor,
        now=to_millisecond(ctx.now()),
    )
    try:
        return ctx.photos.add_photo(
            photo, image=stripped.image, thumbnail=thumbnail, events=[added]
        )
    except Conflict:
        # The same file as the same kind was stored by a concurrent request (a phone retrying
        # while the first upload was still being processed): answer that one.
        for stored in ctx.photos.photos_of(event.event_id):
            if stored.kind is photo_kind and stored.sha256 == sha256:
                return stored
        raise


def list_photos(
    ctx: IntakeContext, *, event_id: str, offset: int, limit: int
) -> Page[domain.Photo]:
    """One page of a visible event's photos, oldest first."""
    event = visible_event(ctx, event_id)
    return ctx.photos.list_photos(event.event_id, offset=offset, limit=limit)


def get_photo(ctx: IntakeContext, *, event_id: str, photo_id: str) -> domain.Photo:
    """One photo's metadata; 404 when the event is not visible or has no such photo."""
    event = visible_event(ctx, event_id)
    photo = ctx.photos.find_photo(event.event_id, photo_id)
    if photo is None:
        raise NotFound(f"photo {photo_id} not found")
    return photo


def photo_image(
    ctx: IntakeContext, *, event_id: str, photo_id: str, variant: str = PHOTO
) -> StoredImage:
    """The stored photo (no location metadata) or its thumbnail, as bytes and media type."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}")
    event = visible_event(ctx, event_id)
    found = ctx.photos.image_of(event.event_id, photo_id, variant)
    if found is None:
        raise NotFound(f"photo {photo_id} not found")
    return found
