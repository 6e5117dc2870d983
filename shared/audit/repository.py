"""The audit trail's two doors: `append` (insert-only, used by the outbox relay) and `AuditLog`
(read-only, bound to one tenant). Nothing here updates or deletes a record."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo.database import Database
from pymongo.errors import BulkWriteError

from shared.audit.documents import AuditRecordDocument
from shared.audit.records import AuditRecord
from shared.audit.window import day_slices
from shared.mongo import Page, TenantRepository
from shared.mongo.pg_reads import equality_reads

_DUPLICATE_KEY = frozenset({11000, 11001})
# Newest first; the event id breaks ties the same way in PostgreSQL and in FerretDB.
_ORDER = ("-occurred_at", "event_id")


def to_row(record: AuditRecord) -> dict[str, Any]:
    """The stored document of `record` (an `AuditRecordDocument`'s fields, as inserted)."""
    row = {field.name: getattr(record, field.name) for field in dataclasses.fields(record)}
    return {
        "_id": row.pop("event_id"),
        **row,
        "before_ids": list(record.before_ids),
        "after_ids": list(record.after_ids),
        "day": record.day,
        "revision": 1,
        "outbox": [],
        "outbox_pending": False,
    }


def append(database: Database[Any], records: Sequence[AuditRecord]) -> int:
    """Insert `records` into `database`'s audit trail; returns how many were new.

    Insert-only and unordered: a record already there (its event was published again after a
    crash) is a duplicate key, skipped without touching the stored one, while the others are
    inserted. Any other write error raises (`PyMongoError`), so the caller retries the batch."""
    if not records:
        return 0
    collection = database.get_collection(AuditRecordDocument._get_collection_name())
    try:
        return len(collection.insert_many([to_row(r) for r in records], ordered=False).inserted_ids)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") not in _DUPLICATE_KEY for error in errors):
            raise
        return int(exc.details.get("nInserted", 0))


class _Rows(TenantRepository[AuditRecordDocument]):
    """Tenant-bound reads of the rows; private, so its inherited writes stay unreachable."""

    document = AuditRecordDocument

    def count(self, **filters: Any) -> int:
        """How many rows match: counted by PostgreSQL for equalities (as `list` does),
        by the store otherwise."""
        reads = equality_reads()
        if reads is not None:
            found = reads.page_ids(
                self.document,
                self._collection().database.name,
                {"tenant_id": self.tenant_id, **filters},
                order_by=_ORDER,
                offset=0,
                limit=0,
            )
            if found is not None:
                return found.total
        return int(self._query(**filters).count())


class AuditLog:
    """One tenant's audit trail, read-only: every query carries the tenant (another tenant's
    records are simply not there) and there is no way to write, update or delete through it."""

    def __init__(self, tenant_id: str) -> None:
        self._rows = _Rows(tenant_id)

    @property
    def tenant_id(self) -> str:
        return self._rows.tenant_id

    def get(self, event_id: str) -> AuditRecord | None:
        """The record of one event in this tenant, or None."""
        found = self._rows.get(event_id)
        return None if found is None else _record(found)

    def find(
        self,
        *,
        now: datetime,
        since: datetime | None = None,
        until: datetime | None = None,
        offset: int = 0,
        limit: int = 50,
        type: str | None = None,
        actor: str | None = None,
        aggregate_id: str | None = None,
    ) -> Page[AuditRecord]:
        """Records that occurred in ``[since, until)`` (see `shared.audit.window`), matching
        every filter given, newest first, one page with the total.

        Day by day, newest first: each day's rows are counted and, where the page falls, read
        in order (both by PostgreSQL on FerretDB: equality on tenant, day and filters); only
        the window's first and last day, when a bound cuts them, are filtered by time in the
        store. Cost grows with the days in the window and the rows of one day, never with the
        length of the trail."""
        equalities = {
            name: value
            for name, value in (("type", type), ("actor", actor), ("aggregate_id", aggregate_id))
            if value is not None
        }
        items: list[AuditRecord] = []
        skip, total = offset, 0
        for piece in day_slices(since=since, until=until, now=now):
            filters: dict[str, Any] = {"day": piece.day, **equalities}
            if piece.since is not None:
                filters["occurred_at__gte"] = piece.since
            if piece.until is not None:
                filters["occurred_at__lt"] = piece.until
            if len(items) < limit:
                page = self._rows.list(
                    offset=skip, limit=limit - len(items), order_by=_ORDER, **filters
                )
                items.extend(_record(doc) for doc in page.items)
                matched = page.total
                skip = max(0, skip - matched)
            else:
                matched = self._rows.count(**filters)
            total += matched
        return Page(items=items, total=total, offset=offset, limit=limit)


def _record(doc: AuditRecordDocument) -> AuditRecord:
    values = {field.name: getattr(doc, field.name) for field in dataclasses.fields(AuditRecord)}
    ids = {name: tuple(values[name] or ()) for name in ("before_ids", "after_ids")}
    return AuditRecord(**{**values, **ids})
