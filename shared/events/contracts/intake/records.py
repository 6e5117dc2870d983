"""Work record (工作记录) contracts published by event_intake on `Topic.INTAKE_RECORDS`.

Every record.* message carries the record's scoring facts AFTER the change (not a diff), so
scoring rebuilds its view from any single message by upserting on `record_id` and drops the
record when `state` is ``voided``: kind, grid, worker, date, and the kind's own fields
(attendance status, a report's due and submission days and on-time flag, a screening's week
and findings count, a visit's target, an agency item and whether it was completed, a
finding's type and severity). Every key is present; those the kind does not use are null.

No personal data and no free text: never the note (a work log's text), a report's name, a
session's title or a reason; a resident appears only as a registry `subject_id`.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.events.contracts import register
from shared.events.topics import Topic

RECORD_CREATED = "record.created"
RECORD_CORRECTED = "record.corrected"
RECORD_VOIDED = "record.voided"

KINDS = (
    "service_record",
    "work_log",
    "instability_screening",
    "home_visit",
    "agency_service",
    "meeting_attendance",
    "training_attendance",
    "written_report",
    "badge_finding",
    "confidentiality_finding",
)
STATES = ("active", "voided")
ATTENDANCE_STATUSES = ("present", "late", "left_early", "excused", "absent_unexcused")
VISIT_TARGETS = ("general_household", "key_person", "special_group", "care_recipient")
AGENCY_ITEMS = (
    "low_income",
    "hardship_relief",
    "public_housing",
    "veteran_care",
    "disability_service",
    "birth_permit",
    "home_verification",
    "petition",
    "other",
)
FINDING_TYPES = (
    "badge_not_carried",
    "signboard_missing",
    "signboard_noncompliant",
    "data_leak",
    "credentials_shared",
    "terminal_lent",
)
SEVERITIES = ("minor", "major")

# The fields each kind must fill (the others of this list must be null for it).
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "service_record": (),
    "work_log": (),
    "instability_screening": ("week", "findings_count"),
    "home_visit": ("visit_target",),
    "agency_service": ("item", "completed"),
    "meeting_attendance": ("attendance_status",),
    "training_attendance": ("attendance_status",),
    "written_report": ("due_on", "on_time"),
    "badge_finding": ("finding_type", "severity"),
    "confidentiality_finding": ("finding_type", "severity"),
}
_KIND_ONLY = {
    "attendance_status": ("meeting_attendance", "training_attendance"),
    "session_id": ("meeting_attendance", "training_attendance"),
    "due_on": ("written_report",),
    "submitted_on": ("written_report",),
    "on_time": ("written_report",),
    "week": ("instability_screening",),
    "findings_count": ("instability_screening",),
    "visit_target": ("home_visit",),
    "subject_id": ("home_visit", "service_record"),
    "item": ("agency_service",),
    "completed": ("agency_service",),
    "finding_type": ("badge_finding", "confidentiality_finding"),
    "severity": ("badge_finding", "confidentiality_finding"),
}

_ID = validate.Length(min=1, max=64)


def _flag() -> fields.Boolean:
    return fields.Boolean(required=True, allow_none=True, truthy={True}, falsy={False})


class RecordStateV1(Schema):
    """The shared shape of every record.* payload, version 1."""

    record_id = fields.String(required=True, validate=_ID)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    grid_id = fields.String(required=True, validate=_ID)
    worker_id = fields.String(required=True, validate=_ID)
    date = fields.Date(required=True)
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    actor = fields.String(required=True, validate=_ID)
    attendance_status = fields.String(
        required=True, allow_none=True, validate=validate.OneOf(ATTENDANCE_STATUSES)
    )
    session_id = fields.String(required=True, allow_none=True, validate=_ID)
    due_on = fields.Date(required=True, allow_none=True)
    submitted_on = fields.Date(required=True, allow_none=True)
    on_time = _flag()
    week = fields.String(
        required=True, allow_none=True, validate=validate.Regexp(r"^\d{4}-W\d{2}$")
    )
    findings_count = fields.Integer(
        required=True, allow_none=True, strict=True, validate=validate.Range(min=0, max=999)
    )
    visit_target = fields.String(
        required=True, allow_none=True, validate=validate.OneOf(VISIT_TARGETS)
    )
    subject_id = fields.String(required=True, allow_none=True, validate=_ID)
    item = fields.String(required=True, allow_none=True, validate=validate.OneOf(AGENCY_ITEMS))
    completed = _flag()
    finding_type = fields.String(
        required=True, allow_none=True, validate=validate.OneOf(FINDING_TYPES)
    )
    severity = fields.String(required=True, allow_none=True, validate=validate.OneOf(SEVERITIES))
    corrections = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))

    @validates_schema
    def _fits_kind(self, data: dict[str, Any], **_: Any) -> None:
        kind = data.get("kind")
        if kind not in KIND_FIELDS:
            return
        errors: dict[str, list[str]] = {}
        for name in KIND_FIELDS[kind]:
            if data.get(name) is None:
                errors[name] = [f"required for kind {kind}"]
        for name, kinds in _KIND_ONLY.items():
            if kind not in kinds and data.get(name) is not None:
                errors[name] = [f"must be null for kind {kind}"]
        if errors:
            raise ValidationError(errors)


@register(RECORD_CREATED, 1, Topic.INTAKE_RECORDS)
class RecordCreatedV1(RecordStateV1):
    """A work record was made (state ``active``)."""


@register(RECORD_CORRECTED, 1, Topic.INTAKE_RECORDS)
class RecordCorrectedV1(RecordStateV1):
    """A record was corrected (更正); the payload holds its values after the correction and
    `corrections` how many it has had."""


@register(RECORD_VOIDED, 1, Topic.INTAKE_RECORDS)
class RecordVoidedV1(RecordStateV1):
    """The centre voided (作废) the record (state ``voided``): it no longer counts."""
