"""Sampling frame schemas (抽样框): the upload, its report, the counts per grid."""

from __future__ import annotations

from marshmallow import fields

from shared.http import BaseSchema

UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "住户名单 .xlsx，或 .csv（UTF-8 / GB18030）："
                        "户编号、网格编码、联系电话、地址（可选）",
                    }
                },
            }
        }
    },
}
"""OpenAPI requestBody of the import (the view reads ``request.files``, not a schema)."""


class ImportQuerySchema(BaseSchema):
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "试导入 / check only: answer the same report, write nothing"},
    )


class ImportProblemSchema(BaseSchema):
    row = fields.Integer(required=True, metadata={"description": "行号 / row number"})
    column = fields.String(allow_none=True, metadata={"description": "列名 / column header"})
    reason = fields.String(required=True)


class ImportReportSchema(BaseSchema):
    """An import's report: counts and every problem by row and column; never a row's
    content (no household reference, phone or address is echoed)."""

    dry_run = fields.Boolean(required=True)
    rows = fields.Integer(required=True, metadata={"description": "data rows read"})
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    failed = fields.Integer(required=True, metadata={"description": "rows with problems"})
    problems = fields.List(fields.Nested(ImportProblemSchema), required=True)


class GridEntriesSchema(BaseSchema):
    grid_id = fields.String(required=True)
    grid_code = fields.String(allow_none=True)
    entries = fields.Integer(required=True)


class FrameCountsSchema(BaseSchema):
    campaign_id = fields.String(required=True)
    total = fields.Integer(required=True)
    grids = fields.List(fields.Nested(GridEntriesSchema), required=True)


class EventFrameSchema(BaseSchema):
    created = fields.Integer(required=True, metadata={"description": "events added"})
    unchanged = fields.Integer(required=True, metadata={"description": "events already there"})
    total = fields.Integer(required=True, metadata={"description": "entries in the frame"})
