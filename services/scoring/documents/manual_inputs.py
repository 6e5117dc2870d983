"""Manual inputs (人工录入指标): one document per (input, subject, period), with its revisions."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument

# The subject key of a value every subject shares (a unique index cannot hold null twice
# the same way on every store).
SHARED_KEY = "*"


class ManualRevisionDocument(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    revision = me.IntField(required=True, min_value=1)
    # The value as canonical JSON text (numbers exact, as text).
    value_json = me.StringField(required=True)
    reason = me.StringField()
    actor = me.StringField(required=True)
    at = me.DateTimeField(required=True)


class ManualInputDocument(TenantDocument):
    """A manual input's value and its history; records `scoring.manual_input_recorded`."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "manual_inputs",
        "indexes": [
            # Entering the same input of the same subject and period twice is one insert too
            # many: the unique index decides, atomically.
            {"fields": ("tenant_id", "period", "input_id", "subject_key"), "unique": True},
            ("tenant_id", "period", "subject_key"),
        ],
    }

    manual_input_id = me.StringField(primary_key=True)
    input_id = me.StringField(required=True)
    subject_key = me.StringField(required=True)
    period = me.StringField(required=True)
    period_kind = me.StringField(required=True)
    evidence = me.StringField(required=True)
    refs = me.ListField(me.StringField())
    revisions = me.EmbeddedDocumentListField(ManualRevisionDocument, required=True)
    # When the latest revision was stored (epoch ms): the provisional scores' question of
    # which tenants changed a manual input since their last pass.
    changed_ms = me.IntField()
