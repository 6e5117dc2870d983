"""The event photo document: what is known about one photo, and where its bytes are.

The bytes (the stored photo and its thumbnail) are GridFS files in the bucket
`PHOTO_BUCKET`; this document is the only way to them, so a photo exists for readers exactly
when this document does (see `services.event_intake.repository.photos` for the write order).
Lists are an equality on the top-level ``event_id``; the unique index makes a racing second
upload of the same file as the same kind fail instead of storing it twice.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.event_intake.domain.photos import KIND_VALUES
from shared.images import ImageType
from shared.mongo.files import PhotoDocument

PHOTO_BUCKET = "event_photo_files"


class EventPhotoDocument(PhotoDocument):
    """One photo of an event (`_id` = photo id) with its unpublished `event.photo_added`; its
    files are in `PHOTO_BUCKET`."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "event_photos",
        "indexes": [
            ("tenant_id", "event_id", "uploaded_at"),
            {"fields": ("tenant_id", "event_id", "kind", "sha256"), "unique": True},
        ],
    }

    event_id = me.StringField(required=True, max_length=64)
    kind = me.StringField(required=True, choices=KIND_VALUES)
    uploaded_by = me.StringField(required=True, max_length=64)
    thumbnail_size = me.IntField(required=True, min_value=1)


THUMBNAIL_TYPE = ImageType.JPEG
