"""Visit photo schemas (走访照片) and a worker-day's visits with their photos."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from services.patrol_tracking.domain.visit_photos import PHOTO_MARGIN
from shared.http import BaseSchema
from shared.http.uploads import StoredPhotoSchema

UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "subject_id", "taken_at"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "照片 / the photo: JPEG, PNG or WebP (judged by content)",
                    },
                    "subject_id": {
                        "type": "string",
                        "description": "重点对象 / the key subject visited",
                    },
                    "taken_at": {
                        "type": "string",
                        "format": "date-time",
                        "description": "拍摄时间 / when the phone took it, ISO 8601 with offset",
                    },
                },
            }
        }
    },
}
"""OpenAPI requestBody of an upload (the view reads ``request.files``, not a schema: the body
limit must be raised before the form is parsed)."""


class VisitDayQuerySchema(BaseSchema):
    day = fields.Date(metadata={"description": "日期 / Asia/Shanghai day (default: today)"})


class VisitPhotoSchema(StoredPhotoSchema):
    worker_id = fields.String(required=True)
    subject_id = fields.String(required=True)
    day = fields.Date(required=True, metadata={"description": "Asia/Shanghai day taken"})
    taken_at = fields.DateTime(required=True)


class VisitWithPhotosSchema(BaseSchema):
    subject_id = fields.String(required=True)
    category = fields.String(required=True)
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)
    photos = fields.List(
        fields.Nested(VisitPhotoSchema),
        required=True,
        metadata={
            "description": "taken during the stay or within "
            f"{int(PHOTO_MARGIN.total_seconds() // 60)} minutes of it"
        },
    )


class DayVisitsSchema(BaseSchema):
    worker_id = fields.String(required=True)
    day = fields.Date(required=True)
    visits = fields.List(fields.Nested(VisitWithPhotosSchema), required=True)
    unmatched = fields.List(
        fields.Nested(VisitPhotoSchema),
        required=True,
        metadata={"description": "photos of the day no visit of the track explains"},
    )
