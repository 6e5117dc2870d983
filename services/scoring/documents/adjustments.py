"""Fact adjustments (accepted appeals' corrections of ledger-fed inputs): one document per
(scheme, period, subject, input), ``_id`` derived from them, revisions embedded. Read by the
facts bridge with one equality on (tenant, scheme, period). Publishes nothing: the appeal's
``appeal.decided`` and the correction edition's ``scores.published`` announce the change."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument


class AdjustmentRevisionDocument(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    revision = me.IntField(required=True, min_value=1)
    value_json = me.StringField(required=True)
    appeal_id = me.StringField(required=True, max_length=64)
    reason = me.StringField(required=True)
    evidence_ids = me.ListField(me.StringField(max_length=64))
    replaced = me.StringField()
    actor = me.StringField(required=True, max_length=64)
    at = me.DateTimeField(required=True)


class FactAdjustmentDocument(TenantDocument):
    publishes_events: ClassVar[bool] = False
    meta: ClassVar[dict[str, Any]] = {
        "collection": "fact_adjustments",
        "indexes": [("tenant_id", "scheme_id", "period")],
    }

    adjustment_id = me.StringField(primary_key=True)
    scheme_id = me.StringField(required=True, max_length=64)
    period = me.StringField(required=True, max_length=32)
    subject_id = me.StringField(required=True, max_length=64)
    input_id = me.StringField(required=True, max_length=64)
    revisions = me.EmbeddedDocumentListField(AdjustmentRevisionDocument, required=True)
