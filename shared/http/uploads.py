"""File uploads: spreadsheets with the report every import answers with, and images.

An import is a multipart ``file`` (an .xlsx, or a .csv where the importer reads one:
`shared.workbooks.read_upload`) and a ``dry_run`` flag; it answers with its counts and every
problem by row and column (`ImportCountsSchema`, `import_report_body`), never a row's
content. An image upload is a multipart ``file`` read by `uploaded_image` (up to
`photo_limit`), checked by `shared.images`, and served back by `image_response`.

Uploads may be larger than JSON bodies: the app-wide body cap is raised for the uploading
view only, per request, to the file limit plus `MULTIPART_OVERHEAD`; a body declaring more
than that is refused before a byte is read, the form parser stops there too, and at most one
byte over the limit is ever read from the part. A body sent chunked (without
Content-Length) is still held to the app-wide cap, read before any view runs.
"""

from __future__ import annotations

from typing import Any, Protocol

from flask import Response, current_app, request
from marshmallow import fields
from werkzeug.datastructures import FileStorage

from shared.errors import ContentTooLarge, FieldProblem, InvalidInput
from shared.http.schemas import BaseSchema
from shared.images import ACCEPTED_TYPES, DEFAULT_MAX_BYTES, THUMBNAIL_MAX_SIDE
from shared.workbooks import ImportReport, RowOutcome

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_FIELD = "file"
# 5,000 rows with long texts are a few MiB of CSV (GB18030 or UTF-8); an .xlsx of them is
# smaller.
UPLOAD_MAX_BYTES = 8 * 1_048_576
# Boundaries, part headers and the small fields around the file.
MULTIPART_OVERHEAD = 64 * 1024
# What never changes once stored (a new image gets a new id) is cached for a year.
IMMUTABLE = "private, max-age=31536000, immutable"


_BINARY = {"schema": {"type": "string", "format": "binary"}}
# OpenAPI ``responses`` of a view serving a stored photo, and one serving its thumbnail.
PHOTO_RESPONSE: dict[str, Any] = {
    "200": {
        "description": "the photo without location metadata, upright",
        "content": dict.fromkeys(ACCEPTED_TYPES, _BINARY),
    }
}
THUMBNAIL_RESPONSE: dict[str, Any] = {
    "200": {
        "description": f"JPEG, at most {THUMBNAIL_MAX_SIDE} px a side",
        "content": {"image/jpeg": _BINARY},
    }
}


class PhotoPositionSchema(BaseSchema):
    """Where a photo's camera said it was (its GPS metadata), kept apart from the image."""

    lon = fields.Float(required=True, metadata={"description": "经度 / WGS84 longitude"})
    lat = fields.Float(required=True, metadata={"description": "纬度 / WGS84 latitude"})


class StoredPhotoSchema(BaseSchema):
    """What an answer says of any stored photo (`shared.mongo.files.PhotoDocument`); a
    service's schema adds what the photo is of."""

    photo_id = fields.String(required=True)
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
    uploaded_at = fields.DateTime(required=True)
    sha256 = fields.String(
        required=True, metadata={"description": "SHA-256 of the file as uploaded (hex)"}
    )


class ServedImage(Protocol):
    """What `image_response` serves (`shared.mongo.files.StoredImage` is one)."""

    @property
    def data(self) -> bytes: ...

    @property
    def content_type(self) -> str: ...


def upload_body(description: str) -> dict[str, Any]:
    """The OpenAPI requestBody of an upload (the view reads ``request.files``, not a schema):
    ``description`` says what the file holds (its columns, in Chinese)."""
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FILE_FIELD],
                    "properties": {
                        FILE_FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": description,
                        }
                    },
                }
            }
        },
    }


def uploaded_file(
    *, max_bytes: int = UPLOAD_MAX_BYTES, kinds: str = ".xlsx 或 .csv"
) -> tuple[bytes, str]:
    """The multipart ``file`` part's bytes and name: 413 on ``file`` over ``max_bytes``, 422
    on ``file`` when the part is missing (``kinds`` names what to upload)."""
    upload = _file_part(max_bytes, missing=f"必填：上传 {kinds} 文件")
    data: bytes = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    return data, upload.filename or ""


def photo_limit() -> int:
    """The largest photo the app accepts, in bytes: its settings' ``photo_max_bytes``, or
    `shared.images.DEFAULT_MAX_BYTES` for a service that has no such setting."""
    settings = current_app.extensions["gridgov"]["settings"]
    return int(getattr(settings, "photo_max_bytes", DEFAULT_MAX_BYTES))


def uploaded_image(limit: int) -> bytes:
    """The multipart ``file`` part's bytes, at most one byte over ``limit`` (for
    `shared.images.inspect_image` to refuse with 413); a Content-Length over ``limit`` plus
    `MULTIPART_OVERHEAD` is a 413 on ``file`` before a byte is read, a missing part a 422 on
    ``file``. The view reads its other fields from ``request.form`` afterwards."""
    upload = _file_part(limit, missing="必填：上传照片")
    data: bytes = upload.stream.read(limit + 1)
    return data


def image_response(stored: ServedImage, *, etag: str, cache_control: str = IMMUTABLE) -> Response:
    """``stored`` as a response that browsers may cache (``cache_control``) and must not
    sniff, tagged ``etag``: a 304 for a client whose If-None-Match already names it."""
    response = Response(stored.data, mimetype=stored.content_type)
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(etag)
    response.make_conditional(request)
    return response


def _file_part(max_bytes: int, *, missing: str) -> FileStorage:
    """The ``file`` part, the body cap raised for this request before the form is parsed;
    ``missing`` is the (Chinese) reason when there is none."""
    settings = current_app.extensions["gridgov"]["settings"]
    body_limit = max(max_bytes + MULTIPART_OVERHEAD, settings.http_max_body_bytes)
    if request.content_length is not None and request.content_length > body_limit:
        raise _too_large(max_bytes)
    request.max_content_length = body_limit
    upload = request.files.get(FILE_FIELD)
    if upload is None:
        raise InvalidInput.of(FILE_FIELD, f"{missing} / required: a multipart part '{FILE_FIELD}'")
    return upload


def _too_large(max_bytes: int) -> ContentTooLarge:
    return ContentTooLarge(
        [FieldProblem(FILE_FIELD, f"文件过大 / larger than {max_bytes / 1_048_576:g} MiB")]
    )


class ImportQuerySchema(BaseSchema):
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "试导入 / check only: answer the same report, write nothing"},
    )


class ImportProblemSchema(BaseSchema):
    row = fields.Integer(required=True, metadata={"description": "行号 / row number"})
    column = fields.String(allow_none=True, metadata={"description": "列名 / column header"})
    reason = fields.String(required=True)


class ImportCountsSchema(BaseSchema):
    """An import's report: counts and every problem by row and column. An import whose counts
    mean something particular subclasses it and redeclares the field with its description."""

    dry_run = fields.Boolean(required=True)
    rows = fields.Integer(required=True, metadata={"description": "data rows read"})
    created = fields.Integer(required=True, metadata={"description": "records new here"})
    updated = fields.Integer(required=True, metadata={"description": "records changed"})
    unchanged = fields.Integer(required=True)
    failed = fields.Integer(required=True, metadata={"description": "rows with problems"})
    problems = fields.List(fields.Nested(ImportProblemSchema), required=True)


def import_report_body(report: ImportReport) -> dict[str, Any]:
    """``report`` as `ImportCountsSchema` renders it."""
    return {
        "dry_run": report.dry_run,
        "rows": len(report.rows),
        "created": report.count(RowOutcome.CREATED),
        "updated": report.count(RowOutcome.UPDATED),
        "unchanged": report.count(RowOutcome.UNCHANGED),
        "failed": report.count(RowOutcome.REJECTED),
        "problems": [
            {"row": row.number, "column": problem.column, "reason": problem.reason}
            for row in report.rows
            for problem in row.problems
        ],
    }
