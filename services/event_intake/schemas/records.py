"""Work record request and response schemas (工作记录)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from services.event_intake.domain.records import (
    FINDING_VALUES,
    FINDINGS_MAX,
    ID_MAX,
    ITEM_VALUES,
    KIND_SPECS,
    KIND_VALUES,
    NOTE_MAX,
    REASON_MAX,
    SEVERITY_VALUES,
    STATUS_VALUES,
    TARGET_VALUES,
    TITLE_MAX,
    RecordKind,
    WorkRecord,
)
from shared.http import BaseSchema, FilteredPageQuerySchema
from shared.http.schemas import MultilineString

_ID = validate.Length(min=1, max=ID_MAX)
_KINDS_DOC = (
    "service_record 服务记录, work_log 民情日志, instability_screening 不稳定因素排查, "
    "home_visit 入户走访, agency_service 代办, meeting_attendance 例会, training_attendance 培训, "
    "written_report 书面汇报, badge_finding 工作证/公示牌, confidentiality_finding 保密"
)


class _DetailFields(BaseSchema):
    """The kind-specific fields; which a kind takes is `KIND_SPECS`."""

    status = fields.String(
        validate=validate.OneOf(STATUS_VALUES),
        metadata={"description": "出勤 / attendance (meeting, training)"},
    )
    session_id = fields.String(
        validate=_ID, metadata={"description": "会议/培训编号 / the meeting or training's id"}
    )
    session_title = fields.String(
        validate=validate.Length(min=1, max=TITLE_MAX),
        metadata={"description": "会议/培训名称 / title, when it has no id (never published)"},
    )
    held_on = fields.Date(metadata={"description": "召开日期 / the day it was held (= date)"})
    report_name = fields.String(
        validate=validate.Length(min=1, max=TITLE_MAX),
        metadata={"description": "汇报名称 / the written report's name (never published)"},
    )
    due_on = fields.Date(metadata={"description": "应报日期 / due day of a report (= date)"})
    submitted_on = fields.Date(
        allow_none=True,
        metadata={
            "description": "报送日期 / when it came in (a worker's own: today; null: not in)"
        },
    )
    week = fields.String(
        validate=validate.Regexp(r"^\d{4}-W\d{2}$", error="must be an ISO year-week (2026-W10)"),
        metadata={"description": "排查周 / ISO week of a screening (default: the date's)"},
    )
    findings_count = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=FINDINGS_MAX),
        metadata={"description": "发现问题数 / problems a screening found"},
    )
    visit_target = fields.String(
        validate=validate.OneOf(TARGET_VALUES), metadata={"description": "走访对象类别"}
    )
    subject_id = fields.String(
        validate=_ID, metadata={"description": "重点对象编号 / a registry subject id, an id only"}
    )
    item = fields.String(
        validate=validate.OneOf(ITEM_VALUES), metadata={"description": "代办事项 / agency item"}
    )
    completed = fields.Boolean(metadata={"description": "已办结 / the agency service was done"})
    finding_type = fields.String(
        validate=validate.OneOf(FINDING_VALUES),
        metadata={"description": "问题类型 / badge, signboard or confidentiality finding"},
    )
    found_on = fields.Date(metadata={"description": "发现日期 / the day found (= date)"})
    severity = fields.String(
        validate=validate.OneOf(SEVERITY_VALUES), metadata={"description": "default minor"}
    )


_DETAIL_NAMES = frozenset(_DetailFields._declared_fields)


def _kind_problems(kind: RecordKind, data: dict[str, Any], *, creating: bool) -> dict[str, str]:
    """Fields ``kind`` does not take (and, when creating, required ones missing), by name."""
    spec = KIND_SPECS[kind]
    problems = {
        name: f"is not a field of a {kind.value} record"
        for name in sorted(_DETAIL_NAMES & set(data))
        if name not in spec.allowed and name != spec.anchor
    }
    if creating:
        for name in sorted(spec.required):
            if data.get(name) is None:
                problems.setdefault(name, f"is required for a {kind.value} record")
    return problems


class RecordCreateSchema(_DetailFields):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(KIND_VALUES),
        metadata={"description": f"记录类型 / kind ({_KINDS_DOC})"},
    )
    grid_id = fields.String(required=True, validate=_ID, metadata={"description": "网格"})
    worker_id = fields.String(
        validate=_ID, metadata={"description": "网格员 / the worker (default: yourself)"}
    )
    date = fields.Date(
        metadata={"description": "日期 / Asia/Shanghai day (or send held_on, due_on, found_on)"}
    )
    note = MultilineString(
        validate=validate.Length(max=NOTE_MAX),
        metadata={"description": "备注 / free text (a work log's text); never published"},
    )
    request_id = fields.String(
        validate=_ID,
        metadata={"description": "客户端请求号 / a retry with the same id makes nothing new"},
    )

    @validates_schema
    def _fits_kind(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("kind") in KIND_VALUES:
            problems = _kind_problems(RecordKind(data["kind"]), data, creating=True)
            if problems:
                raise ValidationError({name: [reason] for name, reason in problems.items()})


class RecordCorrectSchema(_DetailFields):
    """Only the fields sent change; ``kind`` and ``worker_id`` never do (void and record
    again)."""

    reason = MultilineString(
        required=True,
        validate=validate.Length(min=1, max=REASON_MAX),
        metadata={"description": "更正原因 / why (kept, never published)"},
    )
    grid_id = fields.String(validate=_ID)
    date = fields.Date()
    note = MultilineString(allow_none=True, validate=validate.Length(max=NOTE_MAX))

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **_: Any) -> None:
        if set(data) <= {"reason"}:
            raise ValidationError("send at least one field to correct", field_name="_schema")


class RecordVoidSchema(BaseSchema):
    reason = MultilineString(
        required=True,
        validate=validate.Length(min=1, max=REASON_MAX),
        metadata={"description": "作废原因 / why the record no longer counts"},
    )


class RecordPageQuerySchema(FilteredPageQuerySchema):
    kind = fields.String(validate=validate.OneOf(KIND_VALUES))
    grid_id = fields.String(validate=_ID)
    worker_id = fields.String(validate=_ID, metadata={"description": "centre only"})
    date_from = fields.Date(metadata={"description": "first day, inclusive"})
    date_to = fields.Date(metadata={"description": "last day, inclusive"})
    voided = fields.Boolean(metadata={"description": "true: only voided; false: only counting"})


class CorrectionSchema(BaseSchema):
    corrected_at = fields.DateTime(required=True)
    corrected_by = fields.String(required=True)
    reason = fields.String(required=True)
    fields_ = fields.List(fields.String(), required=True, data_key="fields", attribute="fields")


class RecordSchema(BaseSchema):
    record_id = fields.String(required=True)
    kind = fields.String(required=True)
    grid_id = fields.String(required=True)
    worker_id = fields.String(required=True)
    date = fields.Date(required=True)
    state = fields.String(required=True, metadata={"description": "active or voided"})
    note = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    status = fields.String(allow_none=True, attribute="details.status")
    session_id = fields.String(allow_none=True, attribute="details.session_id")
    session_title = fields.String(allow_none=True, attribute="details.session_title")
    report_name = fields.String(allow_none=True, attribute="details.report_name")
    due_on = fields.Date(allow_none=True, attribute="details.due_on")
    submitted_on = fields.Date(allow_none=True, attribute="details.submitted_on")
    on_time = fields.Boolean(
        allow_none=True,
        attribute="details.on_time",
        metadata={"description": "按时报送 / a written report came in by its due day"},
    )
    week = fields.String(allow_none=True, attribute="details.week")
    findings_count = fields.Integer(allow_none=True, attribute="details.findings_count")
    visit_target = fields.String(allow_none=True, attribute="details.visit_target")
    subject_id = fields.String(allow_none=True, attribute="details.subject_id")
    item = fields.String(allow_none=True, attribute="details.item")
    completed = fields.Boolean(allow_none=True, attribute="details.completed")
    finding_type = fields.String(allow_none=True, attribute="details.finding_type")
    severity = fields.String(allow_none=True, attribute="details.severity")
    recorded_by = fields.String(required=True)
    recorded_at = fields.DateTime(required=True)
    updated_by = fields.String(required=True)
    updated_at = fields.DateTime(required=True)
    corrections = fields.List(fields.Nested(CorrectionSchema), required=True)
    voided_by = fields.Method("_voided_by", allow_none=True)
    voided_at = fields.Method("_voided_at", allow_none=True)
    void_reason = fields.Method("_void_reason", allow_none=True)

    def _voided_by(self, record: WorkRecord) -> str | None:
        return None if record.voiding is None else record.voiding.voided_by

    def _voided_at(self, record: WorkRecord) -> str | None:
        return None if record.voiding is None else record.voiding.voided_at.isoformat()

    def _void_reason(self, record: WorkRecord) -> str | None:
        return None if record.voiding is None else record.voiding.reason
