"""12345 work-order import schemas: the upload, the dry-run flag and the report."""

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
                        "description": "12345 工单 .xlsx，或 .csv（UTF-8 / GB18030）",
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


class WorkOrderProblemSchema(BaseSchema):
    row = fields.Integer(required=True, metadata={"description": "行号 / row number"})
    column = fields.String(allow_none=True, metadata={"description": "列名 / column header"})
    reason = fields.String(required=True)


class WorkOrderImportSchema(BaseSchema):
    dry_run = fields.Boolean(required=True)
    rows = fields.Integer(required=True, metadata={"description": "data rows read"})
    created = fields.Integer(required=True, metadata={"description": "new events"})
    updated = fields.Integer(
        required=True,
        metadata={"description": "work orders imported before whose callback was recorded"},
    )
    unchanged = fields.Integer(required=True)
    failed = fields.Integer(required=True, metadata={"description": "rows with problems"})
    problems = fields.List(fields.Nested(WorkOrderProblemSchema), required=True)
