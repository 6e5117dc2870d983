"""Event photo request and response schemas (事项照片)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from services.event_intake.domain.photos import KIND_VALUES, MAX_PHOTOS_PER_KIND
from shared.http import BaseSchema, PageQuerySchema
from shared.http.uploads import PhotoPositionSchema

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


class PhotoSchema(BaseSchema):
    photo_id = fields.String(required=True)
    event_id = fields.String(required=True)
    kind = fields.String(
        required=True,
        metadata={
            "description": f"before or after (at most {MAX_PHOTOS_PER_KIND} of each per event)"
        },
    )
    content_type = fields.String(required=True, metadata={"description": "of the stored photo"})
    size = fields.Integer(required=True, metadata={"description": "bytes of the stored photo"})
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
    position = fields.Nested(
        PhotoPositionSchema,
        allow_none=True,
        required=True,
        metadata={"description": "拍摄位置 / where the camera said it was (GPS), if it did"},
    )
    uploaded_by = fields.String(required=True)
    uploaded_at = fields.DateTime(required=True)
    sha256 = fields.String(
        required=True, metadata={"description": "SHA-256 of the file as uploaded (hex)"}
    )


class PhotoPageQuerySchema(PageQuerySchema):
    """``page`` and ``page_size`` over an event's photos, oldest first."""
