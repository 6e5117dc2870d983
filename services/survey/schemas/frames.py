"""Sampling frame schemas (抽样框): the upload, its report, the counts per grid."""

from __future__ import annotations

from marshmallow import fields

from shared.http import BaseSchema
from shared.http.uploads import upload_body

UPLOAD_BODY = upload_body(
    "住户名单 .xlsx，或 .csv（UTF-8 / GB18030）：户编号、网格编码、联系电话、地址（可选）"
)


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
