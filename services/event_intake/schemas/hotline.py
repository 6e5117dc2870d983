"""12345 work-order import schemas: the upload, the dry-run flag and the report."""

from __future__ import annotations

from marshmallow import fields

from shared.http.uploads import ImportCountsSchema, upload_body

UPLOAD_BODY = upload_body("12345 工单 .xlsx，或 .csv（UTF-8 / GB18030）")


class WorkOrderImportSchema(ImportCountsSchema):
    created = fields.Integer(required=True, metadata={"description": "new events"})
    updated = fields.Integer(
        required=True,
        metadata={"description": "work orders imported before whose callback was recorded"},
    )
