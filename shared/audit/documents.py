"""The stored shape of the audit trail: one ``audit_log`` collection in each service's database."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument

AUDIT_COLLECTION = "audit_log"


class AuditRecordDocument(TenantDocument):
    """One `shared.audit.AuditRecord`, keyed by its event id. Rows are inserted by the outbox
    relay and never updated or deleted (`shared.audit.repository` has no such method).

    Reads go by tenant and UTC day bucket (`day`, an equality FerretDB hands to PostgreSQL),
    newest first within a day: the one index makes each day's rows a small, ordered set
    however long the trail grows."""

    publishes_events: ClassVar[bool] = False  # the record of events, never a source of them
    meta: ClassVar[dict[str, Any]] = {
        "collection": AUDIT_COLLECTION,
        "indexes": [("tenant_id", "day", "-occurred_at")],
    }

    event_id = me.StringField(primary_key=True)
    type = me.StringField(required=True)
    version = me.IntField(required=True, min_value=1)
    aggregate_id = me.StringField(required=True)
    actor = me.StringField()
    correlation_id = me.StringField()
    producer = me.StringField(required=True)
    occurred_at = me.DateTimeField(required=True)
    recorded_at = me.DateTimeField(required=True)
    day = me.StringField(required=True)
    before_ids = me.ListField(me.StringField())
    after_ids = me.ListField(me.StringField())
