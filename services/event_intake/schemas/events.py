"""Event (事项) request and response schemas."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load, validate

from services.event_intake.domain.events import (
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    REASON_MAX,
    REQUEST_ID_MAX,
    TITLE_MAX,
    Action,
    Event,
    Level,
    ReviewOutcome,
    Source,
    State,
    UnqualifiedReason,
)
from services.event_intake.repository.events import EventFilter, EventSummary
from services.event_intake.schemas.settings import working_hours
from shared.http import BaseSchema, FilteredPageQuerySchema
from shared.http.schemas import MultilineString

_ID = validate.Length(min=1, max=64)
_SOURCES = "; ".join(source.value for source in Source)
_LEVELS = "grid 网格, village 村/社区, town 镇/园区/街道, district 区及以上"


class PositionSchema(BaseSchema):
    lon = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-180, max=180))
    lat = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-90, max=90))


class EventReportSchema(BaseSchema):
    source = fields.String(
        required=True,
        validate=validate.OneOf([source.value for source in Source]),
        metadata={"description": f"来源 / source ({_SOURCES})"},
    )
    category = fields.String(
        required=True, validate=_ID, metadata={"description": "事项分类 / a category code"}
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=TITLE_MAX))
    description = MultilineString(load_default="", validate=validate.Length(max=DESCRIPTION_MAX))
    address = fields.String(load_default="", validate=validate.Length(max=ADDRESS_MAX))
    position = fields.Nested(PositionSchema, allow_none=True, load_default=None)
    grid_id = fields.String(
        allow_none=True,
        load_default=None,
        validate=_ID,
        metadata={"description": "所属网格 / located from the position when absent"},
    )
    level = fields.String(
        load_default=Level.GRID.value,
        validate=validate.OneOf([level.value for level in Level]),
        metadata={"description": f"层级 / level ({_LEVELS})"},
    )
    request_id = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(min=1, max=REQUEST_ID_MAX),
        metadata={"description": "客户端请求号 / a retry with the same id creates nothing new"},
    )


class EventActionSchema(BaseSchema):
    """One action on an event; the fields an action needs are named in its description."""

    action = fields.String(
        required=True,
        validate=validate.OneOf([a.value for a in Action if a is not Action.REPORT]),
        metadata={
            "description": "accept 受理, dispatch 派遣 (department_id), escalate 上报 (level), "
            "start 办理, resolve 办结待审, close 结案, return 回退 (reason), reopen 重办 "
            "(reason), reject_invalid 无效 (reason), suspend 挂起 (reason), resume 恢复, "
            "extend 延期 (reason; extended_until or extra_days/extra_hours), review 审核 "
            "(outcome, unqualified_reason), mark_shirked 推诿 (reason), merge 合并 "
            "(merged_into: the earlier report), flag_late_report 迟报 (reason)"
        },
    )
    reason = MultilineString(
        allow_none=True, load_default=None, validate=validate.Length(max=REASON_MAX)
    )
    request_id = fields.String(
        allow_none=True, load_default=None, validate=validate.Length(min=1, max=REQUEST_ID_MAX)
    )
    level = fields.String(validate=validate.OneOf([level.value for level in Level]))
    department_id = fields.String(validate=_ID)
    extended_until = fields.AwareDateTime()
    extra_days = fields.Integer(validate=validate.Range(min=0, max=365))
    extra_hours = fields.Decimal(as_string=True, places=2, validate=working_hours)
    outcome = fields.String(validate=validate.OneOf([o.value for o in ReviewOutcome]))
    unqualified_reason = fields.String(
        validate=validate.OneOf([r.value for r in UnqualifiedReason])
    )
    merged_into = fields.String(validate=_ID)


def _overdue(event: Event | EventSummary | dict[str, Any]) -> list[str]:
    """Which deadlines were missed (``acceptance``, ``closure``), sorted."""
    return sorted(event["overdue"] if isinstance(event, dict) else event.overdue)


class EventHistoryEntrySchema(BaseSchema):
    action = fields.String(required=True)
    actor = fields.String(required=True)
    acting_as = fields.String(required=True)
    at = fields.DateTime(required=True)
    from_state = fields.String(required=True, allow_none=True)
    to_state = fields.String(required=True)
    reason = fields.String(required=True, allow_none=True)
    request_id = fields.String(required=True, allow_none=True)
    level = fields.String(required=True, allow_none=True)
    department_id = fields.String(required=True, allow_none=True)


class EventPauseSchema(BaseSchema):
    kind = fields.String(required=True)
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True, allow_none=True)


class EventSchema(BaseSchema):
    event_id = fields.String(required=True)
    grid_id = fields.String(required=True)
    division_id = fields.String(required=True, allow_none=True)
    reporter_id = fields.String(required=True)
    reporter_role = fields.String(required=True)
    source = fields.String(required=True)
    category = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    address = fields.String(required=True)
    position = fields.Nested(PositionSchema, required=True, allow_none=True)
    level = fields.String(required=True)
    state = fields.String(required=True)
    reported_at = fields.DateTime(required=True)
    acceptance_deadline = fields.DateTime(required=True)
    closure_deadline = fields.DateTime(required=True, allow_none=True)
    accepted_at = fields.DateTime(required=True, allow_none=True)
    resolved_at = fields.DateTime(required=True, allow_none=True)
    closed_at = fields.DateTime(required=True, allow_none=True)
    accepted_on_time = fields.Boolean(required=True, allow_none=True)
    closed_on_time = fields.Boolean(required=True, allow_none=True)
    department_id = fields.String(required=True, allow_none=True)
    suspended_from = fields.String(required=True, allow_none=True)
    pauses = fields.List(fields.Nested(EventPauseSchema), required=True)
    extended_until = fields.DateTime(required=True, allow_none=True)
    review_outcome = fields.String(required=True, allow_none=True)
    unqualified_reason = fields.String(required=True, allow_none=True)
    shirked = fields.Boolean(required=True)
    late_report = fields.Boolean(required=True)
    merged_into = fields.String(required=True, allow_none=True)
    overdue = fields.Method("_overdue", required=True)
    history = fields.List(fields.Nested(EventHistoryEntrySchema), required=True)
    revision = fields.Integer(required=True)

    def _overdue(self, event: Event | EventSummary | dict[str, Any]) -> list[str]:
        return _overdue(event)


class EventSummarySchema(BaseSchema):
    """An event in a list: no description, no history."""

    event_id = fields.String(required=True)
    grid_id = fields.String(required=True)
    category = fields.String(required=True)
    source = fields.String(required=True)
    title = fields.String(required=True)
    level = fields.String(required=True)
    state = fields.String(required=True)
    reported_at = fields.DateTime(required=True)
    acceptance_deadline = fields.DateTime(required=True)
    closure_deadline = fields.DateTime(required=True, allow_none=True)
    accepted_on_time = fields.Boolean(required=True, allow_none=True)
    closed_on_time = fields.Boolean(required=True, allow_none=True)
    overdue = fields.Method("_overdue", required=True)

    def _overdue(self, event: Event | EventSummary | dict[str, Any]) -> list[str]:
        return _overdue(event)


class SuggestionSchema(BaseSchema):
    event_id = fields.String(required=True)
    state = fields.String(required=True)
    grid_id = fields.String(required=True)
    reported_at = fields.DateTime(required=True)
    distance_m = fields.Integer(required=True, allow_none=True)


class ReportedSchema(EventSchema):
    """The new (or, for a retried request id, the first) event and the earlier reports that
    may be the same matter."""

    possible_duplicates = fields.List(fields.Nested(SuggestionSchema), required=True)


class SuggestionListSchema(BaseSchema):
    items = fields.List(fields.Nested(SuggestionSchema), required=True)


class MergedListSchema(BaseSchema):
    event_id = fields.String(required=True)
    merged = fields.List(fields.String(), required=True)


class EventListQuerySchema(FilteredPageQuerySchema):
    state = fields.String(validate=validate.OneOf([state.value for state in State]))
    category = fields.String(validate=_ID)
    grid_id = fields.String(validate=_ID)
    division_id = fields.String(validate=_ID)
    source = fields.String(validate=validate.OneOf([source.value for source in Source]))
    overdue = fields.Boolean(
        metadata={"description": "true: overdue and still waiting for what it is late for"}
    )
    reported_from = fields.Date(metadata={"description": "上报日期起 (Asia/Shanghai day)"})
    reported_to = fields.Date(metadata={"description": "上报日期止, inclusive"})

    @post_load
    def make_page_request(self, data: dict[str, Any], **kwargs: Any) -> Any:
        loaded = super().make_page_request(data, **kwargs)
        paging = loaded.pop("paging")
        for name, kind in (("state", State), ("source", Source)):
            if name in loaded:
                loaded[name] = kind(loaded[name])
        return {"paging": paging, "where": EventFilter(**loaded)}
