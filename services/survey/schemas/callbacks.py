"""12345 callback schemas (12345 回访): the results-file upload and its report, the list."""

from __future__ import annotations

from marshmallow import fields, validate

from services.survey.domain.callbacks import (
    ID_MAX,
    ORIGIN_VALUES,
    OUTCOME_NAMES,
    OUTCOME_VALUES,
    Callback,
)
from shared.http import BaseSchema, FilteredPageQuerySchema
from shared.http.uploads import ImportCountsSchema, upload_body
from shared.periods import PERIOD_KINDS

UPLOAD_BODY = upload_body(
    "12345 回访结果 .xlsx，或 .csv（UTF-8 / GB18030）："
    "工单编号、回访结果、回访时间、网格编码、事项编号"
)


class CallbackImportSchema(ImportCountsSchema):
    created = fields.Integer(required=True, metadata={"description": "work orders new here"})
    updated = fields.Integer(
        required=True,
        metadata={"description": "work orders whose kept callback changed (one event each)"},
    )


class CallbackPageQuerySchema(FilteredPageQuerySchema):
    period_kind = fields.String(
        validate=validate.OneOf(PERIOD_KINDS),
        metadata={"description": "month / quarter / half / year / custom (with period)"},
    )
    period = fields.String(
        validate=validate.Length(min=1, max=32),
        metadata={
            "description": "2026-03, 2026-Q1, 2026-H1, 2026 or 2026-01-01..2026-03-31: "
            "callbacks whose Asia/Shanghai day falls in it"
        },
    )
    grid_id = fields.String(validate=validate.Length(min=1, max=ID_MAX))


class CallbackSchema(BaseSchema):
    work_order_no = fields.String(required=True, metadata={"description": "工单编号"})
    event_id = fields.String(
        allow_none=True, metadata={"description": "事项: null when only the import knows it"}
    )
    grid_id = fields.String(required=True)
    division_id = fields.String(allow_none=True)
    worker_id = fields.String(
        allow_none=True,
        metadata={"description": "the grid's worker on the callback's day (rated by it)"},
    )
    attached_by = fields.Method(
        "_attached_by",
        required=True,
        metadata={"description": "who placed it in the grid: " + ", ".join(ORIGIN_VALUES)},
    )
    outcome = fields.Method(
        "_outcome", required=True, metadata={"description": ", ".join(OUTCOME_VALUES)}
    )
    outcome_label = fields.Method(
        "_outcome_label", required=True, metadata={"description": "回访结果"}
    )
    called_at = fields.DateTime(required=True, metadata={"description": "回访时间"})
    day = fields.Date(required=True, metadata={"description": "Asia/Shanghai day of the call"})
    origin = fields.Method(
        "_origin",
        required=True,
        metadata={"description": "where the kept result came from: " + ", ".join(ORIGIN_VALUES)},
    )
    recorded_at = fields.DateTime(required=True)
    recordings = fields.Integer(
        required=True, metadata={"description": "how many times what is kept changed"}
    )

    def _attached_by(self, callback: Callback) -> str:
        return callback.attached_by.value

    def _outcome(self, callback: Callback) -> str:
        return callback.outcome.value

    def _outcome_label(self, callback: Callback) -> str:
        return OUTCOME_NAMES[callback.outcome.value]

    def _origin(self, callback: Callback) -> str:
        return callback.origin.value
