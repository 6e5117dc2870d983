"""Spreadsheet uploads and the report every import answers with.

An import is a multipart ``file`` (an .xlsx, or a .csv where the importer reads one:
`shared.workbooks.read_upload`) and a ``dry_run`` flag; it answers with its counts and every
problem by row and column (`ImportCountsSchema`, `import_report_body`), never a row's
content. Uploads may be larger than JSON bodies: the app-wide body cap is raised for the
uploading view only, per request; a body declaring more than the limit is refused before a
byte is read, and at most one byte over the limit is ever read from the part.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from marshmallow import fields

from shared.errors import ContentTooLarge, FieldProblem, InvalidInput
from shared.http.schemas import BaseSchema
from shared.workbooks import ImportReport, RowOutcome

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_FIELD = "file"
# 5,000 rows with long texts are a few MiB of CSV (GB18030 or UTF-8); an .xlsx of them is
# smaller.
UPLOAD_MAX_BYTES = 8 * 1_048_576
MULTIPART_OVERHEAD = 64 * 1024


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
    settings = current_app.extensions["gridgov"]["settings"]
    body_limit = max(max_bytes + MULTIPART_OVERHEAD, settings.http_max_body_bytes)
    too_large = ContentTooLarge(
        [FieldProblem(FILE_FIELD, f"文件过大 / larger than {max_bytes / 1_048_576:g} MiB")]
    )
    if request.content_length is not None and request.content_length > body_limit:
        raise too_large
    request.max_content_length = body_limit
    upload = request.files.get(FILE_FIELD)
    if upload is None:
        raise InvalidInput.of(
            FILE_FIELD, f"必填：上传 {kinds} 文件 / required: a multipart part '{FILE_FIELD}'"
        )
    data: bytes = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large
    return data, upload.filename or ""


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
