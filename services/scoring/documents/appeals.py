"""Appeals (申诉/复核) and the tenant's appeal settings.

`AppealDocument`: one per appeal (``_id`` the appeal id, derived from the tenant, the filer and
his request id: a retried filing is the same insert), its evidence files' metadata embedded
(the bytes are GridFS files in `EVIDENCE_BUCKET`), its decision, and its unpublished
`appeal.*` events. ``open_key`` is the subject, line and period while the appeal is open and
the appeal's own id once decided: the unique index lets one appeal per line be open at a
time, however two filings interleave.

`AppealSettingsDocument`: one per tenant (``_id`` the tenant id), absent until the centre
changes the defaults.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.scoring.domain.appeals import REASON_MAX, TEXT_MAX
from shared.mongo import TenantDocument

EVIDENCE_BUCKET = "appeal_evidence_files"
STATUSES = ("open", "accepted", "rejected")


class AppealEvidenceDocument(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    evidence_id = me.StringField(required=True, max_length=64)
    content_type = me.StringField(required=True, max_length=64)
    size = me.IntField(required=True, min_value=1)
    sha256 = me.StringField(required=True, min_length=64, max_length=64)
    filename = me.StringField(max_length=200)
    uploaded_by = me.StringField(required=True, max_length=64)
    uploaded_at = me.DateTimeField(required=True)
    file_id = me.ObjectIdField(required=True)


class AppealCorrectionDocument(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    input_id = me.StringField(required=True, max_length=64)
    value_json = me.StringField(required=True)
    source = me.StringField(required=True, choices=("manual", "platform"))
    previous = me.StringField()


class AppealDocument(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {
        "collection": "appeals",
        "indexes": [
            {"fields": ("tenant_id", "open_key"), "unique": True},
            ("tenant_id", "subject_id"),
            ("tenant_id", "status"),
            ("tenant_id", "scheme_id", "period"),
        ],
    }

    appeal_id = me.StringField(primary_key=True)
    request_id = me.StringField(required=True, max_length=64)
    scheme_id = me.StringField(required=True, max_length=64)
    period = me.StringField(required=True, max_length=32)
    period_kind = me.StringField(required=True, max_length=16)
    subject_id = me.StringField(required=True, max_length=64)
    subject_kind = me.StringField(required=True, max_length=16)
    line = me.StringField(required=True, max_length=64)
    line_kind = me.StringField(required=True, choices=("indicator", "money"))
    edition = me.IntField(required=True, min_value=1)
    text = me.StringField(required=True, max_length=TEXT_MAX)
    filed_by = me.StringField(required=True, max_length=64)
    filed_at = me.DateTimeField(required=True)
    window_ends_on = me.StringField(required=True, max_length=10)
    due_on = me.StringField(required=True, max_length=10)
    status = me.StringField(required=True, choices=STATUSES)
    open_key = me.StringField(required=True, max_length=300)
    evidence = me.EmbeddedDocumentListField(AppealEvidenceDocument)
    outcome = me.StringField(choices=("accepted", "rejected"))
    reason = me.StringField(max_length=REASON_MAX)
    corrections = me.EmbeddedDocumentListField(AppealCorrectionDocument)
    decided_by = me.StringField(max_length=64)
    decided_at = me.DateTimeField()
    overdue_at = me.DateTimeField()
    correction_edition = me.IntField(min_value=1)


class AppealSettingsDocument(TenantDocument):
    publishes_events: ClassVar[bool] = False
    meta: ClassVar[dict[str, Any]] = {"collection": "appeal_settings"}

    key = me.StringField(primary_key=True)
    window_days = me.IntField(required=True, min_value=1)
    review_days = me.IntField(required=True, min_value=1)
    updated_by = me.StringField(required=True, max_length=64)
    updated_at = me.DateTimeField(required=True)
