"""The metric ledger's store: appended entries, read by aggregate, by period and by page.

`LedgerRepository` is bound to one tenant and to the collection that is live for it (the
tenant's pointer, read once per repository: one request or one consumed message). Entries are
only ever inserted (`append`): a retraction is an entry too (`services.scoring.domain.ledger`),
so no write here needs a lease, and an entry already stored (a redelivery) is skipped by its
unique `_id`. A rebuild fills the other collection (`rebuild_target`) and turns the pointer
(`swap`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar

from pymongo.errors import BulkWriteError, OperationFailure

from services.scoring.documents.ledger import (
    LEDGER_COLLECTIONS,
    LedgerEntryAltDocument,
    LedgerEntryDocument,
    LedgerPointerDocument,
)
from services.scoring.domain.ledger import LedgerEntry
from services.scoring.domain.sources import epoch_ms
from shared.events.domain import EventOrigin
from shared.mongo import Page, TenantRepository
from shared.mongo.guard import cross_tenant_comment
from shared.mongo.pg_reads import equality_reads

# The provisional scores' question crosses tenants (which of them recorded facts lately):
# the one cross-tenant read of this service.
RECENT_ENTRIES_SCAN = cross_tenant_comment("ledger-recent-entries")
# The upgrade's question (which tenants still have entries of the first ledger format).
FIRST_FORMAT_SCAN = cross_tenant_comment("ledger-first-format")
FIRST_FORMAT_TRIES = 30
DEFAULT_COLLECTION = "ledger"
DUPLICATE_KEY = 11000

# What a read takes: the few fields of their own and the packed rest (no document is
# decoded: PostgreSQL returns the columns).
_ROW_FIELDS = ("aggregate", "subject_id", "metric", "at_ms", "packed")
_READ_THREADS = 4
_read_pool: ThreadPoolExecutor | None = None
_read_pool_lock = threading.Lock()


def _readers() -> ThreadPoolExecutor:
    """The process's threads for a period's reads: long-lived, so each keeps its PostgreSQL
    connection (`EqualityReads` holds one per thread; a fresh thread would connect again)."""
    global _read_pool  # noqa: PLW0603 - one pool per process, made on first use
    with _read_pool_lock:
        if _read_pool is None:
            _read_pool = ThreadPoolExecutor(_READ_THREADS, thread_name_prefix="ledger-read")
        return _read_pool


class LedgerEntries(TenantRepository[Any]):
    """The entries of one tenant in one of the two ledger collections."""

    document: ClassVar[type[Any]] = LedgerEntryDocument

    def rows(self, **filters: Any) -> list[LedgerEntry]:
        """Every entry matching the equality filters (field names), in no order."""
        values = self.all_values(_ROW_FIELDS, **filters)
        return _Decoder().entries(self.tenant_id, values)

    def facts_of(self, *, month: str, metric: str) -> list[LedgerEntry]:
        """The entries of one metric in one month bucket."""
        return self.rows(month=month, metric=metric)

    def insert(self, entries: Sequence[LedgerEntry], *, recorded_at: datetime) -> list[bool]:
        """Append entries; one flag per entry: stored now (True) or already there (False)."""
        if self.dry_run:
            return [True] * len(entries)
        recorded_ms = epoch_ms(recorded_at)
        return self.insert_stored(
            [stored(entry, tenant_id=self.tenant_id, recorded_ms=recorded_ms) for entry in entries]
        )

    def insert_stored(self, docs: list[dict[str, Any]]) -> list[bool]:
        """Append entries already in their stored form (`stored`), unordered; one flag per
        entry: stored now, or skipped because its `_id` was taken (a redelivery)."""
        if not docs:
            return []
        if any(doc["tenant_id"] != self.tenant_id for doc in docs):
            raise ValueError("an entry of another tenant")
        try:
            self._collection().insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != DUPLICATE_KEY for error in errors):
                raise
            taken = {int(error["index"]) for error in errors}
            return [index not in taken for index in range(len(docs))]
        return [True] * len(docs)

    def clear(self) -> int:
        """Remove every entry of the tenant from this collection (before a rebuild fills it)."""
        if self.dry_run:
            return 0
        deleted = self._collection().delete_many({"tenant_id": self.tenant_id}).deleted_count
        return int(deleted)


class LedgerAltEntries(LedgerEntries):
    document: ClassVar[type[Any]] = LedgerEntryAltDocument


_BY_COLLECTION: dict[str, type[LedgerEntries]] = {
    "ledger": LedgerEntries,
    "ledger_b": LedgerAltEntries,
}
assert set(_BY_COLLECTION) == set(LEDGER_COLLECTIONS)


class LedgerPointers(TenantRepository[LedgerPointerDocument]):
    document = LedgerPointerDocument

    def live(self) -> str:
        found = self.get(self.tenant_id)
        return DEFAULT_COLLECTION if found is None else str(found.live)

    def swap(self, collection: str, *, entries: int, now: datetime) -> None:
        """Make `collection` the tenant's live ledger (one single-document write)."""
        self._update_one(
            self.tenant_id,
            {
                "$set": {
                    "live": collection,
                    "swapped_ms": epoch_ms(now),
                    "rebuilt_entries": entries,
                },
                "$inc": {"revision": 1},
                "$setOnInsert": {"outbox": [], "outbox_pending": False},
            },
            upsert=True,
        )


class LedgerRepository:
    """The tenant's metric ledger (the collection its pointer names)."""

    def __init__(
        self, tenant_id: str, origin: EventOrigin | None = None, *, dry_run: bool = False
    ) -> None:
        self.tenant_id = tenant_id
        self.origin = origin
        self.dry_run = dry_run
        self.pointers = LedgerPointers(tenant_id, origin, dry_run=dry_run)

    @cached_property
    def collection(self) -> str:
        """The name of the collection live for the tenant now."""
        return self.pointers.live()

    def entries(self, collection: str | None = None) -> LedgerEntries:
        """The tenant's entries in `collection` (default: the live one)."""
        cls = _BY_COLLECTION[collection or self.collection]
        return cls(self.tenant_id, self.origin, dry_run=self.dry_run)

    @cached_property
    def _live(self) -> LedgerEntries:
        return self.entries()

    # -- the consumer's path -------------------------------------------------------------------

    def history(self, aggregate: str) -> list[LedgerEntry]:
        """Every entry of one aggregate, retractions included."""
        return self._live.rows(aggregate=aggregate)

    def append(self, entries: Sequence[LedgerEntry], *, recorded_at: datetime) -> list[bool]:
        """Append entries to the live ledger; per entry, whether it was not stored yet."""
        return self._live.insert(entries, recorded_at=recorded_at)

    # -- reads ---------------------------------------------------------------------------------

    def facts(
        self,
        *,
        offset: int,
        limit: int,
        subject_id: str | None = None,
        metric: str | None = None,
    ) -> Page[LedgerEntry]:
        """One page of the ledger, oldest fact first (retractions are lines of their own)."""
        filters = {k: v for k, v in {"subject_id": subject_id, "metric": metric}.items() if v}
        page = self._live.list(
            offset=offset, limit=limit, order_by=("at_ms", "entry_id"), feed=True, **filters
        )
        return page.map(_Decoder().document)

    def period_entries(self, months: Iterable[str], metrics: Iterable[str]) -> list[LedgerEntry]:
        """Every entry of the given months and metrics (a few equality reads, in parallel)."""
        wanted = [(month, name) for month in sorted(set(months)) for name in sorted(set(metrics))]
        if not wanted:
            return []
        live = self._live
        if len(wanted) == 1:
            month, name = wanted[0]
            return live.facts_of(month=month, metric=name)
        parts = _readers().map(lambda pair: live.facts_of(month=pair[0], metric=pair[1]), wanted)
        return [entry for part in parts for entry in part]

    def of_metric(self, metric: str) -> list[LedgerEntry]:
        """Every entry of one metric, whatever its month (a small metric: divisions)."""
        return self._live.rows(metric=metric)

    # -- rebuilds ------------------------------------------------------------------------------

    def rebuild_target(self) -> str:
        """The collection a rebuild fills: the one not live for the tenant."""
        return next(name for name in _BY_COLLECTION if name != self.collection)

    def swap(self, collection: str, *, entries: int, now: datetime) -> None:
        """Make `collection` the tenant's live ledger."""
        self.pointers.swap(collection, entries=entries, now=now)
        self.__dict__.pop("collection", None)
        self.__dict__.pop("_live", None)

    # -- across tenants ------------------------------------------------------------------------

    @staticmethod
    def tenants_recorded_since(ms: int) -> list[str]:
        """Every tenant whose live ledger changed at or after `ms` (epoch milliseconds): an
        entry recorded then, or a rebuilt ledger swapped in then. Sorted."""
        tenants: set[str] = set()
        for document in LEDGER_COLLECTIONS.values():
            tenants.update(_recent_tenants(document, ms))
        swapped = LedgerPointerDocument.objects(swapped_ms__gte=ms).only("tenant_id")
        tenants.update(doc.tenant_id for doc in swapped.comment(RECENT_ENTRIES_SCAN))
        return sorted(tenants)


def tenants_in_first_format() -> list[str]:
    """The tenants whose live ledger is still ``ledger`` and holds entries of the first ledger
    format (one `division.created` fact per event, its fields each a column: `event_type`
    among them), which the packed form's reads do not see: a rebuild gives them their facts
    again (`python -m services.scoring.rebuild --first-format`)."""
    # On a fresh stack this runs while the worker creates the database and its tables
    # (FerretDB names a collection before its table exists): such a ledger holds nothing of
    # the first format, and asking again a moment later finds it whole.
    for attempt in range(FIRST_FORMAT_TRIES):
        try:
            return _first_format_tenants()
        except OperationFailure:
            if attempt == FIRST_FORMAT_TRIES - 1:
                raise
            time.sleep(1.0)
    return []


def _first_format_tenants() -> list[str]:
    # Raw collections, looked up first: on a fresh stack this runs while the worker creates
    # the database, and the documents' own collections would create indexes and race it.
    database = LedgerEntryDocument._get_db()
    names = set(database.list_collection_names())
    entries = LedgerEntryDocument._meta["collection"]
    if entries not in names:
        return []
    found = database[entries].distinct(
        "tenant_id", {"event_type": {"$exists": True}}, comment=FIRST_FORMAT_SCAN
    )
    pointers = LedgerPointerDocument._meta["collection"]
    rebuilt = (
        {
            doc["tenant_id"]
            for doc in database[pointers].find({}, {"tenant_id": 1}, comment=FIRST_FORMAT_SCAN)
        }
        if pointers in names
        else set()
    )
    return sorted(str(tenant) for tenant in found if tenant not in rebuilt)


def _recent_tenants(document: type[Any], ms: int) -> set[str]:
    reads = equality_reads()
    if reads is not None:
        rows = reads.due_ids(
            document,
            document._get_db().name,
            flag="feed",
            number="feed_key",
            at_most=-ms,
            limit=None,
        )
        if rows is not None:
            return {tenant for tenant, _ in rows}
    query = (
        document.objects(feed=True, feed_key__lte=-ms)
        .only("tenant_id")
        .comment(RECENT_ENTRIES_SCAN)
    )
    return {doc.tenant_id for doc in query}


def stored(entry: LedgerEntry, *, tenant_id: str, recorded_ms: int) -> dict[str, Any]:
    """An entry as the collection stores it (see `services.scoring.documents.ledger`: the
    packed figures in `PACKED` order)."""
    packed = [
        entry.event_id,
        entry.event_type,
        entry.position,
        entry.subject_kind,
        entry.key,
        str(entry.value),
        entry.day.isoformat(),
        entry.period,
        entry.grid_id,
        entry.division_id,
        entry.worker_id,
        entry.retracts,
        dict(entry.attributes) or None,
    ]
    return {
        "_id": entry.entry_id,
        "tenant_id": tenant_id,
        "m": entry.metric,
        "mo": entry.month,
        "ag": entry.aggregate,
        "sid": entry.subject_id,
        "at": entry.at_ms,
        "x": json.dumps(packed, ensure_ascii=False, separators=(",", ":")),
        "rms": recorded_ms,
        "f": True,
        "fk": -recorded_ms,
    }


class _Decoder:
    """Rows back to entries, reusing the day and value objects of a large read (a month's
    rows share a few dozen days and a handful of values)."""

    def __init__(self) -> None:
        self._days: dict[str, date] = {}
        self._values: dict[str, Decimal] = {}

    def _day(self, text: str) -> date:
        found = self._days.get(text)
        if found is None:
            found = self._days[text] = date.fromisoformat(text)
        return found

    def _value(self, text: str) -> Decimal:
        found = self._values.get(text)
        if found is None:
            found = self._values[text] = Decimal(text)
        return found

    def entries(self, tenant_id: str, rows: Iterable[dict[str, Any]]) -> list[LedgerEntry]:
        return [self.row(tenant_id, row) for row in rows]

    def row(self, tenant_id: str, row: dict[str, Any]) -> LedgerEntry:
        (
            event_id,
            event_type,
            position,
            subject_kind,
            key,
            value,
            day,
            period,
            grid_id,
            division_id,
            worker_id,
            retracts,
            attributes,
        ) = json.loads(row["packed"])
        return LedgerEntry(
            tenant_id=tenant_id,
            stored_id=row["_id"],
            event_id=event_id,
            event_type=event_type,
            aggregate=row["aggregate"],
            position=position,
            subject_kind=subject_kind,
            subject_id=row["subject_id"],
            metric=row["metric"],
            value=self._value(value),
            day=self._day(day),
            at_ms=int(row["at_ms"]),
            key=key,
            period=period,
            grid_id=grid_id,
            division_id=division_id,
            worker_id=worker_id,
            attributes=attributes or {},
            retracts=retracts,
        )

    def document(self, doc: Any) -> LedgerEntry:
        return self.row(
            doc.tenant_id,
            {"_id": doc.entry_id, **{name: getattr(doc, name) for name in _ROW_FIELDS}},
        )
