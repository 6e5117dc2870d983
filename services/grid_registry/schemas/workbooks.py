"""Excel import/export request and response schemas."""

from __future__ import annotations

from marshmallow import fields

from shared.http import BaseSchema
from shared.http.uploads import upload_body

UPLOAD_BODY = upload_body(".xlsx 工作簿")


class ExportQuerySchema(BaseSchema):
    as_of = fields.Date(metadata={"description": "latest figures on or before this day"})


class RowProblemSchema(BaseSchema):
    column = fields.String(allow_none=True, metadata={"description": "列名 / column header"})
    reason = fields.String(required=True)


class RowReportSchema(BaseSchema):
    row = fields.Integer(required=True, metadata={"description": "Excel 行号 / row number"})
    outcome = fields.String(
        required=True, metadata={"description": "created, updated, unchanged or rejected"}
    )
    key = fields.String(allow_none=True, metadata={"description": "the row's code"})
    problems = fields.List(fields.Nested(RowProblemSchema), required=True)


class ImportSummarySchema(BaseSchema):
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    rejected = fields.Integer(required=True)


class ImportReportSchema(BaseSchema):
    dry_run = fields.Boolean(required=True)
    summary = fields.Nested(ImportSummarySchema, required=True)
    rows = fields.List(fields.Nested(RowReportSchema), required=True)


class TeamExportQuerySchema(BaseSchema):
    day = fields.Date(
        data_key="date",
        metadata={
            "description": "只导出该日在岗人员 / only memberships active on this day "
            "(default: every membership, history included)"
        },
    )
