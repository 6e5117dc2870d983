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
from shared.images import ACCEPTED_TYPES, ImageType
from shared.mongo import TenantDocument

PHOTO_BUCKET = "event_photo_files"


class EventPhotoDocument(TenantDocument):
    """One photo of an event (`_id` = photo id) with its unpublished `event.photo_added`."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "event_photos",
        "indexes": [
            ("tenant_id", "event_id", "uploaded_at"),
            {"fields": ("tenant_id", "event_id", "kind", "sha256"), "unique": True},
        ],
    }

    photo_id = me.StringField(primary_key=True)
    event_id = me.StringField(required=True, max_length=64)
    kind = me.StringField(required=True, choices=KIND_VALUES)
    content_type = me.StringField(required=True, choices=ACCEPTED_TYPES)
    size = me.IntField(required=True, min_value=1)
    width = me.IntField(required=True, min_value=1)
    height = me.IntField(required=True, min_value=1)
    # The GPS position the original carried (WGS84), absent when it had none.
    lon = me.FloatField(min_value=-180, max_value=180)
    lat = me.FloatField(min_value=-90, max_value=90)
    uploaded_by = me.StringField(required=True, max_length=64)
    uploaded_at = me.DateTimeField(required=True)
    sha256 = me.StringField(required=True, min_length=64, max_length=64)
    # GridFS file ids in `PHOTO_BUCKET`: the stored photo and its JPEG thumbnail.
    file_id = me.ObjectIdField(required=True)
    thumbnail_id = me.ObjectIdField(required=True)
    thumbnail_size = me.IntField(required=True, min_value=1)


THUMBNAIL_TYPE = ImageType.JPEG
