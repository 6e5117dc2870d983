"""Event photo request and response schemas (事项照片)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from services.event_intake.domain.photos import KIND_VALUES, MAX_PHOTOS_PER_KIND
from shared.http import PageQuerySchema
from shared.http.uploads import StoredPhotoSchema

UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "kind"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "照片 / the photo: JPEG, PNG or WebP (judged by content)",
                    },
                    "kind": {
                        "type": "string",
                        "enum": list(KIND_VALUES),
                        "description": "整改前/整改后 / before or after",
                    },
                },
            }
        }
    },
}
"""OpenAPI requestBody of an upload (the view reads ``request.files``, not a schema: the body
limit must be raised before the form is parsed)."""


class PhotoSchema(StoredPhotoSchema):
    event_id = fields.String(required=True)
    kind = fields.String(
        required=True,
        metadata={
            "description": f"before or after (at most {MAX_PHOTOS_PER_KIND} of each per event)"
        },
    )
    uploaded_by = fields.String(required=True)


class PhotoPageQuerySchema(PageQuerySchema):
    """``page`` and ``page_size`` over an event's photos, oldest first."""
