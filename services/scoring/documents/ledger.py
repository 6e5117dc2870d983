"""MongoDB documents of scoring (tenant_id first in every index)."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument


class LedgerEntryDocument(TenantDocument):
    """One fact learned from one event. `_id` is the event id: a redelivered event cannot
    produce a second entry, whatever the consumer's offsets say."""

    publishes_events: ClassVar[bool] = False  # facts learned, not events recorded
    meta: ClassVar[dict[str, Any]] = {
        "collection": "ledger",
        "indexes": [
            ("tenant_id", "subject_id", "occurred_at"),
            ("tenant_id", "metric", "occurred_at"),
        ],
    }

    event_id = me.StringField(primary_key=True)
    event_type = me.StringField(required=True)
    subject_kind = me.StringField(required=True)
    subject_id = me.StringField(required=True)
    metric = me.StringField(required=True)
    # Decimal as its exact string: FerretDB has no Decimal128 arithmetic we rely on, and the
    # string round-trips exactly.
    value = me.StringField(required=True)
    occurred_at = me.DateTimeField(required=True)
    recorded_at = me.DateTimeField(required=True)
    attributes = me.DictField()
