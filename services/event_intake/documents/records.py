"""The work record document (工作记录): one per record, its corrections embedded."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.event_intake.domain.records import (
    FINDING_VALUES,
    ID_MAX,
    ITEM_VALUES,
    KIND_VALUES,
    NOTE_MAX,
    REASON_MAX,
    SEVERITY_VALUES,
    STATUS_VALUES,
    TARGET_VALUES,
    TITLE_MAX,
)
from shared.mongo import TenantDocument


class CorrectionDocument(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    """One correction (更正): kept forever, the record's audit trail."""

    corrected_at = me.DateTimeField(required=True)
    corrected_by = me.StringField(required=True, max_length=ID_MAX)
    reason = me.StringField(required=True, max_length=REASON_MAX)
    changed = me.ListField(me.StringField(max_length=32), default=list)


class WorkRecordDocument(TenantDocument):
    """A work record (`_id` = record id). Every list filter is a top-level scalar (kind,
    grid_id, worker_id, ISO date, voided) so FerretDB hands the equality to PostgreSQL; the
    kind's own fields sit beside them, empty where the kind has none."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "work_records",
        "indexes": [
            ("tenant_id", "worker_id"),
            ("tenant_id", "grid_id"),
            ("tenant_id", "kind"),
            ("tenant_id", "date"),
            ("tenant_id", "voided"),
        ],
    }

    record_id = me.StringField(primary_key=True)
    kind = me.StringField(required=True, choices=KIND_VALUES)
    grid_id = me.StringField(required=True, max_length=ID_MAX)
    worker_id = me.StringField(required=True, max_length=ID_MAX)
    # ISO day (YYYY-MM-DD, Asia/Shanghai): compares correctly as a string.
    date = me.StringField(required=True, max_length=10)
    note = me.StringField(max_length=NOTE_MAX)
    request_id = me.StringField(max_length=ID_MAX)
    recorded_by = me.StringField(required=True, max_length=ID_MAX)
    recorded_at = me.DateTimeField(required=True)
    updated_by = me.StringField(required=True, max_length=ID_MAX)
    updated_at = me.DateTimeField(required=True)
    voided = me.BooleanField(required=True, default=False)
    voided_by = me.StringField(max_length=ID_MAX)
    voided_at = me.DateTimeField()
    void_reason = me.StringField(max_length=REASON_MAX)
    corrections = me.EmbeddedDocumentListField(CorrectionDocument, default=list)
    # kind-specific fields (see `services.event_intake.domain.records.Details`)
    status = me.StringField(choices=STATUS_VALUES)
    session_id = me.StringField(max_length=ID_MAX)
    session_title = me.StringField(max_length=TITLE_MAX)
    report_name = me.StringField(max_length=TITLE_MAX)
    due_on = me.StringField(max_length=10)
    submitted_on = me.StringField(max_length=10)
    week = me.StringField(max_length=8)
    findings_count = me.IntField(min_value=0)
    visit_target = me.StringField(choices=TARGET_VALUES)
    subject_id = me.StringField(max_length=ID_MAX)
    item = me.StringField(choices=ITEM_VALUES)
    completed = me.BooleanField()
    finding_type = me.StringField(choices=FINDING_VALUES)
    severity = me.StringField(choices=SEVERITY_VALUES)
