"""Leave and work-clash request and response schemas (请假/工作冲突)."""

from __future__ import annotations

from marshmallow import fields, validate

from services.patrol_tracking.domain.leave import (
    ID_MAX,
    KIND_VALUES,
    REASON_MAX,
    STATUS_VALUES,
    LeaveFiling,
)
from shared.http import BaseSchema, FilteredPageQuerySchema
from shared.http.schemas import MultilineString

_ID = validate.Length(min=1, max=ID_MAX)


def _reason(description: str) -> MultilineString:
    return MultilineString(
        required=True,
        validate=validate.Length(min=1, max=REASON_MAX),
        metadata={"description": description},
    )


class LeaveCreateSchema(BaseSchema):
    first_day = fields.Date(
        required=True, metadata={"description": "第一天 / first day off patrol (Asia/Shanghai)"}
    )
    last_day = fields.Date(metadata={"description": "最后一天 / last day (default: first_day)"})
    kind = fields.String(
        required=True,
        validate=validate.OneOf(KIND_VALUES),
        metadata={"description": "leave 请假 or clash 工作冲突"},
    )
    reason = _reason("事由 / why (kept here, never published)")
    worker_id = fields.String(
        validate=_ID, metadata={"description": "网格员 / centre staff only (default: yourself)"}
    )
    request_id = fields.String(
        validate=_ID,
        metadata={"description": "客户端请求号 / a retry with the same id files nothing new"},
    )


class LeaveRejectSchema(BaseSchema):
    reason = _reason("驳回原因 / why the filing is rejected")


class LeavePageQuerySchema(FilteredPageQuerySchema):
    worker_id = fields.String(validate=_ID, metadata={"description": "centre and inspectors"})
    status = fields.String(validate=validate.OneOf(STATUS_VALUES))
    date_from = fields.Date(metadata={"description": "filings touching this day or later"})
    date_to = fields.Date(metadata={"description": "filings touching this day or earlier"})


class LeaveSchema(BaseSchema):
    leave_id = fields.String(required=True)
    worker_id = fields.String(required=True)
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    days = fields.List(fields.Date(), required=True)
    kind = fields.String(required=True)
    reason = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": ", ".join(STATUS_VALUES)})
    filed_at = fields.DateTime(required=True)
    filed_on = fields.Date(required=True, metadata={"description": "Asia/Shanghai day filed"})
    filed_by = fields.String(required=True)
    limit_days = fields.Integer(
        required=True, metadata={"description": "备案时限 / the tenant's limit when filed"}
    )
    late = fields.Boolean(
        required=True, metadata={"description": "逾期备案 / too late for at least one day"}
    )
    late_days = fields.List(fields.Date(), required=True)
    excused_days = fields.Method(
        "_excused_days",
        required=True,
        metadata={"description": "the days it excuses (approved and filed in time)"},
    )
    decided_by = fields.Method("_decided_by", allow_none=True)
    decided_at = fields.Method("_decided_at", allow_none=True)
    decision_reason = fields.Method("_decision_reason", allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)
    request_id = fields.String(allow_none=True)

    def _excused_days(self, filing: LeaveFiling) -> list[str]:
        return [day.isoformat() for day in filing.days if filing.excuses(day)]

    def _decided_by(self, filing: LeaveFiling) -> str | None:
        return None if filing.decision is None else filing.decision.by

    def _decided_at(self, filing: LeaveFiling) -> str | None:
        return None if filing.decision is None else filing.decision.at.isoformat()

    def _decision_reason(self, filing: LeaveFiling) -> str | None:
        return None if filing.decision is None else filing.decision.reason
