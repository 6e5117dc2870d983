"""The visit photo document (走访照片): what is known about one photo, and where its bytes are.

The bytes (the stored photo, without its location metadata, and a thumbnail) are GridFS
files in `PHOTO_BUCKET`; this document is the only way to them, so a photo exists for
readers exactly when this document does (the files are written first; see the repository).
A worker's photos of a day are an equality on the top-level (worker, day); the unique index
makes a racing second upload of the same file for the same subject fail instead of storing
it twice.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo.files import PhotoDocument

PHOTO_BUCKET = "patrol_visit_photo_files"


class VisitPhotoDocument(PhotoDocument):
    """One photo of a visit (`_id` = photo id) with its unpublished `patrol.visit_photo_added`;
    its files are in `PHOTO_BUCKET`."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "patrol_visit_photos",
        "indexes": [
            ("tenant_id", "worker_id", "day"),
            {"fields": ("tenant_id", "worker_id", "subject_id", "sha256"), "unique": True},
        ],
    }

    worker_id = me.StringField(required=True, max_length=64)
    subject_id = me.StringField(required=True, max_length=64)
    day = me.StringField(required=True, max_length=10)  # Asia/Shanghai day of taken_at
    taken_at = me.DateTimeField(required=True)
