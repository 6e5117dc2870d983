"""The ledger's documents: entries in two collections (the live one and the one a rebuild
fills), and per tenant a pointer saying which of the two is live.

A rebuild (`python -m services.scoring.rebuild`) replays the topics into the collection that
is *not* live for the tenant, then turns the tenant's pointer to it: one single-document
write, so readers see the old ledger or the new one, never a mix. The swap renames nothing:
renaming collections on FerretDB moves the PostgreSQL table behind it, which the processes'
cached table names (`shared.mongo.pg_reads`) and the index keeper would not follow, and a
ledger read between drop and rename would see nothing. Two fixed collections keep their
tables and indexes; the tenant's entries left in the other one are cleared at the start of
its next rebuild.

Entries are written once and never updated (corrections are appended retractions, see
`services.scoring.domain.ledger`), in a compact stored form (short field names, the figures no
read filters on packed into one column, no outbox): a year of a large tenant is millions of
them and a rebuild writes at least 10,000 a second.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument

# Every index is one more for each of the millions of inserts (a rebuild writes 10,000 a
# second): these three serve every read. (tenant, metric, month) is a period's read (one
# equality per metric and month) and, as its prefix in MongoDB (a GIN index behind FerretDB
# answers any subset of its columns), the list by metric.
_INDEXES = [
    ("tenant_id", "metric", "month"),
    # An aggregate's entries: what one consumed message is compared with.
    ("tenant_id", "aggregate"),
    # The ledger's list (GET /ledger) by subject.
    ("tenant_id", "subject_id"),
]


class _LedgerEntryFields(TenantDocument):
    """One fact learned from one message (or the retraction of one). `_id`:
    ``<event_id>:<subject_kind>:<subject_id>:<metric>[:<key>]``, so a redelivered message
    cannot produce a second entry, whatever the consumer's offsets say.

    The fields reads filter, order or scan on are fields of their own; the entry's other
    figures are one JSON array (`packed`, in `PACKED` order): FerretDB converts every field of
    every document on each write and PostgreSQL extracts every field a read asks for, so one
    column instead of thirteen inserts a rebuild's entries half as fast again and reads a
    period's in a fraction of the time.
    """

    publishes_events: ClassVar[bool] = False  # facts learned, not events recorded
    meta: ClassVar[dict[str, Any]] = {
        "abstract": True,
        "indexes": _INDEXES,
        # What the provisional scores ask: which tenants recorded entries since an instant
        # (`EqualityReads.due_ids` finds rows whose number is at most a bound, hence the
        # negated instant: the newest entries have the smallest `feed_key`).
        "due_indexes": [("feed", "feed_key")],
    }

    entry_id = me.StringField(primary_key=True)
    metric = me.StringField(required=True, db_field="m")
    # The Asia/Shanghai month the fact counts in (its day is in `packed`).
    month = me.StringField(required=True, db_field="mo")
    aggregate = me.StringField(required=True, db_field="ag")
    subject_id = me.StringField(required=True, db_field="sid")
    # The fact's instant in epoch milliseconds (the list's order).
    at_ms = me.IntField(required=True, db_field="at")
    packed = me.StringField(required=True, db_field="x")
    recorded_ms = me.IntField(required=True, db_field="rms")
    feed = me.BooleanField(required=True, default=True, db_field="f")
    feed_key = me.IntField(required=True, db_field="fk")


# The order of `packed`: decimals as their exact text, the day as ISO text, attributes (ids and
# figures for the trace) as an object or null.
PACKED = (
    "event_id",
    "event_type",
    "position",
    "subject_kind",
    "key",
    "value",
    "day",
    "period",
    "grid_id",
    "division_id",
    "worker_id",
    "retracts",
    "attributes",
)


class LedgerEntryDocument(_LedgerEntryFields):
    """The ledger collection a tenant starts with (``ledger``)."""

    meta: ClassVar[dict[str, Any]] = {"collection": "ledger"}


class LedgerEntryAltDocument(_LedgerEntryFields):
    """The other ledger collection (``ledger_b``): the one a rebuild fills."""

    meta: ClassVar[dict[str, Any]] = {"collection": "ledger_b"}


LEDGER_COLLECTIONS: dict[str, type[_LedgerEntryFields]] = {
    "ledger": LedgerEntryDocument,
    "ledger_b": LedgerEntryAltDocument,
}


class LedgerPointerDocument(TenantDocument):
    """Which ledger collection is live for a tenant (`_id`: the tenant id); absent: ``ledger``."""

    publishes_events: ClassVar[bool] = False
    meta: ClassVar[dict[str, Any]] = {"collection": "ledger_pointers", "indexes": [("tenant_id",)]}

    tenant = me.StringField(primary_key=True)
    live = me.StringField(required=True, choices=tuple(LEDGER_COLLECTIONS))
    swapped_ms = me.IntField(required=True)
    rebuilt_entries = me.IntField(required=True, min_value=0)
