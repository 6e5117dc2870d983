"""Response schemas (答卷): interviews, results files, review."""

from __future__ import annotations

from marshmallow import fields, validate

from services.survey.domain.responses import (
    CHANNEL_VALUES,
    DECISION_VALUES,
    FLAG_VALUES,
    INTERVIEW_OUTCOME_VALUES,
    REASON_MAX,
    REVIEW_VALUES,
    Response,
)
from shared.http import BaseSchema, FilteredPageQuerySchema
from shared.http.schemas import MultilineString
from shared.http.uploads import upload_body

RESULTS_UPLOAD_BODY = upload_body(
    "调查公司结果 .xlsx 或 .csv：样本编号、访问结果（完成/拒访/无法联系）、"
    "开始时间、结束时间（可选），每题一列（题目编号或题目）"
)


class InterviewSchema(BaseSchema):
    respondent_code = fields.String(
        required=True, validate=validate.Length(min=1, max=48), metadata={"description": "样本编号"}
    )
    outcome = fields.String(
        required=True,
        validate=validate.OneOf(INTERVIEW_OUTCOME_VALUES),
        metadata={"description": "completed 完成, refused 拒访, unreachable 无法联系"},
    )
    answers = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=32)),
        values=fields.Raw(allow_none=True),
        load_default=None,
        metadata={
            "description": "{question key: option key | [option keys] | score | text}, "
            "completed only"
        },
    )
    started_at = fields.AwareDateTime(load_default=None)
    finished_at = fields.AwareDateTime(load_default=None)
    request_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "客户端请求号: a retry with the same id records nothing new"},
    )


class ResponseSchema(BaseSchema):
    """A response as the centre reviews it: never who answered."""

    response_id = fields.String(required=True)
    campaign_id = fields.String(required=True)
    period_kind = fields.String(required=True)
    period = fields.String(required=True)
    source = fields.Method("_source", required=True)
    grid_id = fields.String(required=True)
    division_id = fields.String(allow_none=True)
    worker_id = fields.String(allow_none=True, metadata={"description": "worker ratings only"})
    channel = fields.Method(
        "_channel", required=True, metadata={"description": ", ".join(CHANNEL_VALUES)}
    )
    questionnaire_id = fields.String(required=True)
    questionnaire_version = fields.Integer(required=True)
    answers = fields.Dict(required=True)
    satisfaction_option = fields.String(allow_none=True)
    credit = fields.Decimal(as_string=True, allow_none=True)
    duration_seconds = fields.Integer(allow_none=True)
    flags = fields.Method("_flags", required=True, metadata={"description": ", ".join(FLAG_VALUES)})
    received_on = fields.Date(required=True, metadata={"description": "the day, not the time"})
    review = fields.Method(
        "_review", required=True, metadata={"description": ", ".join(REVIEW_VALUES)}
    )
    review_reason = fields.String(allow_none=True)
    reviewed_by = fields.String(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)

    def _source(self, response: Response) -> str:
        return response.source.value

    def _channel(self, response: Response) -> str:
        return response.channel.value

    def _flags(self, response: Response) -> list[str]:
        return sorted(flag.value for flag in response.flags)

    def _review(self, response: Response) -> str:
        return response.review.value


class InterviewResultSchema(BaseSchema):
    outcome = fields.String(required=True)
    response = fields.Nested(ResponseSchema, allow_none=True)
    member_status = fields.Method("_status", allow_none=True)
    replaced_by = fields.String(allow_none=True, metadata={"description": "the replacement's code"})

    def _status(self, interview: object) -> str | None:
        status = getattr(interview, "member_status", None)
        return None if status is None else str(status.value)


class ResponsePageQuerySchema(FilteredPageQuerySchema):
    review = fields.String(validate=validate.OneOf(REVIEW_VALUES))
    flagged = fields.Boolean()


class ReviewSchema(BaseSchema):
    decision = fields.String(
        required=True,
        validate=validate.OneOf(DECISION_VALUES),
        metadata={"description": "approve 通过, reject 不通过"},
    )
    reason = MultilineString(
        load_default=None,
        validate=validate.Length(max=REASON_MAX),
        metadata={"description": "不通过的原因 (required to reject)"},
    )


class CleanApprovalSchema(BaseSchema):
    approved = fields.Integer(required=True)
    skipped = fields.Integer(
        required=True, metadata={"description": "changed meanwhile: left as they are"}
    )
