"""The inspection document (督查/整改): one per finding or complaint, its history embedded.

No field about a complainant exists: the centre keeps only the finding.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.event_intake.documents.workflow import HistoryEntryDocument
from services.event_intake.domain.inspections import (
    DESCRIPTION_MAX,
    EVIDENCE_MAX,
    Action,
    Kind,
    Severity,
    State,
)
from shared.mongo import TenantDocument

_STATES = tuple(state.value for state in State)


class InspectionTransitionDocument(HistoryEntryDocument):
    """One history entry of an inspection: its own actions and states only."""

    action = me.StringField(required=True, choices=tuple(a.value for a in Action))
    from_state = me.StringField(choices=_STATES)
    to_state = me.StringField(required=True, choices=_STATES)


class InspectionDocument(TenantDocument):
    """An inspection (`_id` = inspection id). Every list filter is a top-level scalar so
    FerretDB hands the equality to PostgreSQL; `pending` + `due_ms` are the overdue scan."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "inspections",
        "indexes": [
            ("tenant_id", "kind"),
            ("tenant_id", "state"),
            ("tenant_id", "grid_id"),
            ("tenant_id", "overdue"),
            ("tenant_id", "pending"),
        ],
        # The overdue scan (across tenants): deadlines of the pending ones.
        "due_indexes": [("pending", "due_ms")],
    }

    inspection_id = me.StringField(primary_key=True)
    kind = me.StringField(required=True, choices=tuple(k.value for k in Kind))
    grid_id = me.StringField(required=True, max_length=64)
    worker_id = me.StringField(max_length=64)
    # ISO date (Asia/Shanghai day): compares correctly as a string.
    found_on = me.StringField(required=True, max_length=10)
    category = me.StringField(required=True, max_length=64)
    severity = me.StringField(choices=tuple(s.value for s in Severity))
    description = me.StringField(max_length=DESCRIPTION_MAX)
    photo_ids = me.ListField(me.StringField(max_length=64), default=list)
    state = me.StringField(required=True, choices=_STATES)
    recorded_by = me.StringField(required=True, max_length=64)
    recorded_at = me.DateTimeField(required=True)
    rectification_deadline = me.DateTimeField()
    verified = me.BooleanField()
    verified_at = me.DateTimeField()
    rectified_at = me.DateTimeField()
    rectified_on_time = me.BooleanField()
    evidence_text = me.StringField(max_length=EVIDENCE_MAX)
    evidence_photo_ids = me.ListField(me.StringField(max_length=64), default=list)
    rejected_rectifications = me.IntField(required=True, default=0, min_value=0)
    confirmed_at = me.DateTimeField()
    overdue = me.BooleanField(required=True, default=False)
    # True while a rectification is awaited before an unrecorded deadline (epoch ms `due_ms`).
    pending = me.BooleanField(required=True, default=False)
    due_ms = me.IntField()
    history = me.EmbeddedDocumentListField(InspectionTransitionDocument, default=list)
