"""`TenantRepository[T]`: the only way service code reads and writes tenant documents.

Constructed with one tenant id, every query it issues carries `tenant_id`, so an untenanted or
cross-tenant query cannot be written through it; another tenant's id simply is not found.

Writes are single-document and carry the aggregate's new events in the same write (the
outbox). Updates use optimistic concurrency on `revision`: the update matches only the revision
that was read, so two concurrent writers cannot silently overwrite each other or lose each
other's events; the loser gets `ConcurrentUpdate` and retries its use case.

That guarantee needs the server to apply each single-document update atomically. MongoDB does;
FerretDB 1.x does not (it reads, changes and writes back without a condition), so every update
issued here runs under the document's write lease (`shared.mongo.leases`), which makes updates
of one document take turns on FerretDB and costs nothing on MongoDB. Subclasses that update
documents themselves go through `_update_one`, which does the same.

Dry runs: a repository built with ``dry_run=True`` (by a dry-run request context) performs every
read, and every write does all its checks (the document's tenant and `validate()`, its events
against their contracts, the revision a `save` or `_update_one` must match, a taken `_id`) and
returns what it would return, but nothing reaches the database. The repository remembers the
documents it pretended to write: `get` and `require` answer them, so a dry run reads its own
writes by id, and a finder that must see them too asks `_pretended_documents()`; other queries
do not. What only the server can reject is not detected: a duplicate under another unique index
(a second division with a taken code), or a writer that comes between a dry run and the real one.
"""

from __future__ import annotations

import builtins
import copy
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, ClassVar, Generic, TypeVar

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure
from pymongo.results import UpdateResult

from shared.errors import Conflict, NotFound
from shared.events.domain import DomainEvent, EventOrigin
from shared.mongo.documents import PendingEvent, TenantDocument
from shared.mongo.leases import DocumentBusy, Superseded, write_leases
from shared.mongo.pg_reads import EqualityReads, equality_reads

T = TypeVar("T", bound=TenantDocument)
Item = TypeVar("Item")
U = TypeVar("U")

MAX_PAGE_SIZE = 500
_MANAGED_FIELDS = frozenset({"_id", "tenant_id", "revision", "outbox", "outbox_pending"})

# Batch reads and writes (`get_many`, `save_many`) keep this many single-document commands in
# flight: each is FerretDB CPU (a read, or a read and a write of one row), and the server has
# more cores than one command uses. Never bulk update commands: a command holds one pooled
# FerretDB connection per operation until it ends, and together they can exhaust the pool.
BATCH_THREADS = 8
_batch_pool: ThreadPoolExecutor | None = None
_batch_pool_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _batch_pool  # noqa: PLW0603 - one pool per process, made on first use
    with _batch_pool_lock:
        if _batch_pool is None:
            _batch_pool = ThreadPoolExecutor(BATCH_THREADS, thread_name_prefix="repo-batch")
        return _batch_pool


# What `save_many` hands back for a document it could not write, instead of raising (a
# `ConcurrentUpdate` is a `Conflict`).
SaveRefused = Conflict | NotFound | DocumentBusy
DUPLICATE_KEY = 11000  # a unique index refused an insert (MongoDB and FerretDB alike)


class ConcurrentUpdate(Conflict):
    """The document changed since it was read (its `revision` moved on)."""


@dataclass(frozen=True, slots=True)
class Page(Generic[Item]):
    """One page of a list: `items`, the `total` matching, and the window asked for."""

    items: list[Item]
    total: int
    offset: int
    limit: int

    def map(self, convert: Callable[[Item], U]) -> Page[U]:
        """The same page with every item converted (documents to domain objects)."""
        return Page(
            items=[convert(item) for item in self.items],
            total=self.total,
            offset=self.offset,
            limit=self.limit,
        )


class TenantRepository(Generic[T]):
    """Base repository bound to one tenant. Subclasses set `document` and add finders.

    ```python
    class DivisionRepository(TenantRepository[Division]):
        document = Division
    ```
    """

    document: ClassVar[type[Any]]

    def __init__(
        self, tenant_id: str, origin: EventOrigin | None = None, *, dry_run: bool = False
    ) -> None:
        if not isinstance(tenant_id, str) or not tenant_id:
            raise ValueError("a repository needs a non-empty tenant_id")
        self.tenant_id = tenant_id
        self.origin = origin
        self.dry_run = dry_run
        # A dry run's pretended writes: `_id` -> the document as it would be stored.
        self._pretended: dict[object, dict[str, Any]] = {}

    # -- reads ---------------------------------------------------------------------------------

    def _query(self, **filters: Any) -> Any:
        """A mongoengine QuerySet already restricted to this tenant; the one place reads start."""
        if "tenant_id" in filters:
            raise ValueError("tenant_id comes from the repository, not from the caller")
        return self.document.objects(tenant_id=self.tenant_id, **filters)

    def get(self, doc_id: object) -> T | None:
        """The document with this id in this tenant, or None (also for another tenant's id)."""
        key = _coerce_id(self.document, doc_id)
        if key is None:
            return None
        if key in self._pretended:
            return self._as_read(self._pretended[key])
        found: T | None = self._query(pk=key).first()
        return found

    def get_many(self, doc_ids: Sequence[object]) -> builtins.list[T | None]:
        """`get` for each id, in order: in one statement from the PostgreSQL behind FerretDB
        when configured (`EqualityReads.documents`), else a few point reads in flight
        (FerretDB evaluates an ``$in`` of ids in Go over every document of the tenant; one
        point read per id uses its index, about 4 ms each)."""
        if self.dry_run or len(doc_ids) < 2:
            return [self.get(doc_id) for doc_id in doc_ids]
        reads = equality_reads()
        if reads is not None:
            keys = [_coerce_id(self.document, doc_id) for doc_id in doc_ids]
            collection = self._collection()
            wanted = [key for key in keys if key is not None]
            found = reads.documents(self.document, collection.database.name, self.tenant_id, wanted)
            if found is not None:
                by_key = dict(zip(wanted, found, strict=True))
                return [
                    None if raw is None else self.document._from_son(raw)
                    for raw in (by_key.get(key) if key is not None else None for key in keys)
                ]
        return list(_pool().map(self.get, doc_ids))

    def require(self, doc_id: object) -> T:
        """Like `get`, but raise `NotFound` (the HTTP layer maps it to 404)."""
        found = self.get(doc_id)
        if found is None:
            raise NotFound(f"{self.document.__name__} {doc_id!s} not found")
        return found

    def list(
        self,
        *,
        offset: int = 0,
        limit: int = 50,
        order_by: Sequence[str] = ("-id",),
        **filters: Any,
    ) -> Page[T]:
        """One page of this tenant's documents matching `filters` (mongoengine syntax)."""
        if offset < 0 or not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"offset >= 0 and 1 <= limit <= {MAX_PAGE_SIZE} required")
        reads = equality_reads()
        if reads is not None:
            page = self._list_via_postgres(reads, offset, limit, order_by, filters)
            if page is not None:
                return page
        query = self._query(**filters)
        total = query.count()
        items: list[T] = list(query.order_by(*order_by).skip(offset).limit(limit))
        return Page(items=items, total=total, offset=offset, limit=limit)

    def list_values(
        self,
        fields: Sequence[str],
        *,
        offset: int = 0,
        limit: int = 50,
        order_by: Sequence[str] = ("-id",),
        **filters: Any,
    ) -> Page[dict[str, Any]]:
        """Like `list`, a page of plain dicts of ``_id`` and the scalar ``fields`` (stored names;
        datetimes aware UTC): what a list shows, read from PostgreSQL in one statement when it
        can answer, else from FerretDB with only those fields decoded."""
        if offset < 0 or not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"offset >= 0 and 1 <= limit <= {MAX_PAGE_SIZE} required")
        if "tenant_id" in filters:
            raise ValueError("tenant_id comes from the repository, not from the caller")
        reads = equality_reads()
        if reads is not None and not self.dry_run:
            found = reads.page_rows(
                self.document,
                self._collection().database.name,
                {"tenant_id": self.tenant_id, **filters},
                order_by=order_by,
                offset=offset,
                limit=limit,
                fields=fields,
            )
            if found is not None:
                return Page(items=found.rows, total=found.total, offset=offset, limit=limit)
        query = self._query(**filters)
        total = query.count()
        rows = query.order_by(*order_by).skip(offset).limit(limit).only(*fields).as_pymongo()
        items = [
            {
                "_id": raw["_id"],
                **{name: _utc(raw.get(self.document._fields[name].db_field)) for name in fields},
            }
            for raw in rows
        ]
        return Page(items=items, total=total, offset=offset, limit=limit)

    def all_values(self, fields: Sequence[str], **filters: Any) -> builtins.list[dict[str, Any]]:
        """Every document matching the equality ``filters``, as plain dicts of ``_id`` and the
        scalar ``fields`` (as `list_values`), in no order: for reads that need a whole large
        selection (a period's answers), from PostgreSQL in one statement when it can answer,
        else from FerretDB with only those fields decoded. Not for dry runs' own writes."""
        if "tenant_id" in filters:
            raise ValueError("tenant_id comes from the repository, not from the caller")
        reads = equality_reads()
        if reads is not None:
            found = reads.all_rows(
                self.document,
                self._collection().database.name,
                {"tenant_id": self.tenant_id, **filters},
                fields=fields,
            )
            if found is not None:
                return found
        rows = self._query(**filters).only(*fields).as_pymongo()
        return [
            {
                "_id": raw["_id"],
                **{name: _utc(raw.get(self.document._fields[name].db_field)) for name in fields},
            }
            for raw in rows
        ]

    def _list_via_postgres(
        self,
        reads: EqualityReads,
        offset: int,
        limit: int,
        order_by: Sequence[str],
        filters: dict[str, Any],
    ) -> Page[T] | None:
        """The same page, counted and ordered by PostgreSQL behind FerretDB (see
        `shared.mongo.pg_reads`), its documents read by id; None when it cannot answer."""
        if "tenant_id" in filters:
            raise ValueError("tenant_id comes from the repository, not from the caller")
        collection = self._collection()
        where = {"tenant_id": self.tenant_id, **filters}
        found = reads.page_ids(
            self.document,
            collection.database.name,
            where,
            order_by=order_by,
            offset=offset,
            limit=limit,
        )
        if found is None:
            return None

        def read(doc_id: object) -> T | None:
            raw = collection.find_one({"_id": doc_id, "tenant_id": self.tenant_id})
            return None if raw is None else self.document._from_son(raw)

        docs = reads.fetch([partial(read, doc_id) for doc_id in found.ids])
        # A document deleted between the two reads is simply not on the page.
        items = [doc for doc in docs if doc is not None]
        return Page(items=items, total=found.total, offset=offset, limit=limit)

    # -- writes --------------------------------------------------------------------------------

    def add(self, doc: T, events: Sequence[DomainEvent | PendingEvent] = ()) -> T:
        """Insert a new document with its events in its outbox, in one write.

        Raises `Conflict` when a unique index rejects it.
        """
        pending = self._claim(doc, events)
        doc.revision = 1
        doc.outbox = [event.to_entry() for event in pending]
        doc.outbox_pending = bool(doc.outbox)
        doc.validate()
        son = doc.to_mongo()
        if self.dry_run:
            doc.pk = self._pretend_insert(son)
            return doc
        try:
            result = self._collection().insert_one(son)
        except DuplicateKeyError as exc:
            raise Conflict(f"{self.document.__name__}: duplicate key") from exc
        doc.pk = result.inserted_id
        return doc

    def add_many(
        self, items: Sequence[tuple[T, Sequence[DomainEvent | PendingEvent]]]
    ) -> builtins.list[T | Conflict]:
        """`add` for a batch of new documents, each with its events, in one unordered insert:
        one command for the batch where FerretDB spends about 8 ms per revision-checked
        update. Each result is the inserted document, or `Conflict` when a unique index
        rejected it (the others are inserted all the same): an insert-only record whose key
        names the fact is then written, and its events published, exactly once however many
        writers race (the overdue scans' marks)."""
        prepared: builtins.list[tuple[T, Any]] = []
        for doc, events in items:
            pending = self._claim(doc, events)
            doc.revision = 1
            doc.outbox = [event.to_entry() for event in pending]
            doc.outbox_pending = bool(doc.outbox)
            doc.validate()
            prepared.append((doc, doc.to_mongo()))
        if self.dry_run:
            return [self._pretend_add(doc, son) for doc, son in prepared]
        refused: set[int] = set()
        if prepared:
            try:
                self._collection().insert_many([son for _, son in prepared], ordered=False)
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors", [])
                if any(error.get("code") != DUPLICATE_KEY for error in errors):
                    raise
                refused = {int(error["index"]) for error in errors}
        results: builtins.list[T | Conflict] = []
        for n, (doc, son) in enumerate(prepared):
            if n in refused:
                results.append(Conflict(f"{self.document.__name__}: duplicate key"))
            else:
                doc.pk = son["_id"]
                results.append(doc)
        return results

    def _pretend_add(self, doc: T, son: Any) -> T | Conflict:
        try:
            doc.pk = self._pretend_insert(son)
        except Conflict as exc:
            return exc
        return doc

    def save(self, doc: T, events: Sequence[DomainEvent | PendingEvent] = ()) -> T:
        """Write back a document read from this repository, appending `events` to its outbox.

        The update matches `_id`, `tenant_id` and the `revision` that was read; it `$set`s the
        business fields (and `outbox_pending` when there are events), `$inc`s the revision and
        `$push`es the new outbox entries, so entries the relay is removing concurrently
        (`$pullAll`) are never overwritten. Raises `ConcurrentUpdate` when the revision moved
        on, `NotFound` when the document is gone, `Conflict` when a unique index rejects it and
        `DocumentBusy` when another writer held the document too long.
        """
        if doc.pk is None:
            raise ValueError("save() is for documents read from the repository; use add()")
        pending = self._claim(doc, events)
        doc.validate()
        son = doc.to_mongo()
        to_set = {name: value for name, value in son.items() if name not in _MANAGED_FIELDS}
        to_unset = {
            field.db_field: ""
            for field in doc._fields.values()
            if field.db_field not in _MANAGED_FIELDS and field.db_field not in son
        }
        entries = [event.to_entry() for event in pending]
        if entries:
            to_set["outbox_pending"] = True
        update: dict[str, Any] = {"$inc": {"revision": 1}}
        if to_set:
            update["$set"] = to_set
        if to_unset:
            update["$unset"] = to_unset
        if entries:
            update["$push"] = {"outbox": {"$each": [entry.to_mongo() for entry in entries]}}
        result = self._update_one(doc.pk, update, revision=doc.revision)
        if result is None or result.matched_count == 0:
            found = doc.pk in self._pretended or self._collection().find_one(
                {"_id": doc.pk, "tenant_id": self.tenant_id}, {"_id": 1}
            )
            if not found:
                raise NotFound(f"{self.document.__name__} {doc.pk!s} not found")
            raise ConcurrentUpdate(f"{self.document.__name__} {doc.pk!s} changed since read")
        doc.revision += 1
        doc.outbox = [*doc.outbox, *entries]
        doc.outbox_pending = doc.outbox_pending or bool(entries)
        if self.dry_run:
            self._pretended[doc.pk] = copy.deepcopy(doc.to_mongo().to_dict())
        return doc

    def save_many(
        self, items: Sequence[tuple[T, Sequence[DomainEvent | PendingEvent]]]
    ) -> builtins.list[T | SaveRefused]:
        """`save` for a batch of documents read from this repository, each with its events.

        The leases of the whole batch are taken in one command and released in one, the writes
        go a few at a time, so a batch costs about one revision-checked update per document
        (one at a time, each save also takes and releases its lease: three round trips).
        Documents another writer holds are saved after the batch, one at a time, waiting for
        their lease as `save` does. Each result is the saved document or the error `save`
        raised for it (`ConcurrentUpdate`, `NotFound`, `Conflict`, `DocumentBusy`), in order:
        one refused write never stops the others."""

        def one(index: int) -> T | SaveRefused:
            doc, events = items[index]
            try:
                with leases.lend(collection, [doc.pk]):
                    return self.save(doc, events)
            except (Conflict, NotFound, DocumentBusy) as exc:
                return exc

        if self.dry_run or len(items) < 2:
            return [self._save_or_refused(doc, events) for doc, events in items]
        collection = self._collection()
        leases = write_leases()
        results: dict[int, T | SaveRefused] = {}
        with leases.try_hold_many(collection, [doc.pk for doc, _ in items]) as held:
            ready = [n for n, (doc, _) in enumerate(items) if doc.pk in held]
            results.update(zip(ready, _pool().map(one, ready), strict=True))
        for n, (doc, events) in enumerate(items):
            if n not in results:
                results[n] = self._save_or_refused(doc, events)
        return [results[n] for n in range(len(items))]

    def _save_or_refused(
        self, doc: T, events: Sequence[DomainEvent | PendingEvent]
    ) -> T | SaveRefused:
        try:
            return self.save(doc, events)
        except (Conflict, NotFound, DocumentBusy) as exc:
            return exc

    def _update_one(
        self,
        doc_id: object,
        update: dict[str, Any],
        *,
        revision: int | None = None,
        upsert: bool = False,
    ) -> UpdateResult | None:
        """The one way this repository updates a document: by `_id` within the tenant (and at
        `revision` when given), under the document's write lease; a unique-index violation
        raises `Conflict` whichever way the server reports it.

        Returns None, without writing, when a writer that had to wait for the lease saw the
        stored revision move past `revision` while waiting: the losers of a race for a hot
        document give up without taking turns. A writer that got the lease at once just
        updates; the revision in the filter makes a stale write match nothing.

        In a dry run it answers, from a read, what the update would match and changes nothing,
        not even the documents the dry run reads back.
        """
        query: dict[str, Any] = {"_id": doc_id, "tenant_id": self.tenant_id}
        if revision is not None:
            query["revision"] = revision
        if self.dry_run:
            return self._pretend_update(query, upsert=upsert)
        collection = self._collection()
        leases = write_leases()

        def unchanged() -> bool:
            stored = collection.find_one(
                {"_id": doc_id, "tenant_id": self.tenant_id}, {"revision": 1}
            )
            return stored is not None and stored.get("revision") == revision

        check = None if revision is None else unchanged
        try:
            with leases.hold(collection, doc_id, still_wanted=check):
                # Under the lease the revision in the filter is exact: no read first.
                return collection.update_one(query, update, upsert=upsert)
        except Superseded:
            return None
        except OperationFailure as exc:
            if is_duplicate_key(exc):
                raise Conflict(f"{self.document.__name__}: duplicate key") from exc
            raise

    # -- dry runs ------------------------------------------------------------------------------

    def _pretend_insert(self, son: Any) -> object:
        """A dry run's insert: `Conflict` when the `_id` is taken in this tenant or by this dry
        run (other unique indexes go unchecked); remember the document, answer its id."""
        doc_id = son.get("_id")
        if doc_id is None:
            doc_id = son["_id"] = ObjectId()
        elif doc_id in self._pretended or self._collection().find_one(
            {"_id": doc_id, "tenant_id": self.tenant_id}, {"_id": 1}
        ):
            raise Conflict(f"{self.document.__name__}: duplicate key")
        self._pretended[doc_id] = copy.deepcopy(son.to_dict())
        return doc_id

    def _pretend_update(self, query: dict[str, Any], *, upsert: bool) -> UpdateResult:
        """What `update_one(query)` would report: matched when the document, as this dry run
        left it or else as stored, is there at the queried revision."""
        pretended = self._pretended.get(query["_id"])
        if pretended is not None:
            matched = query.get("revision", pretended.get("revision")) == pretended.get("revision")
        else:
            matched = self._collection().find_one(query, {"_id": 1}) is not None
        raw: dict[str, Any] = {"n": int(matched or upsert), "nModified": int(matched)}
        if upsert and not matched:
            raw["upserted"] = query["_id"]
        return UpdateResult(raw, acknowledged=True)

    def _pretended_documents(self) -> dict[object, T]:
        """The documents this dry run pretended to write, by `_id`, as a read would return them
        (none outside dry runs): for finders whose queries must see them, as `get` does."""
        return {doc_id: self._as_read(son) for doc_id, son in self._pretended.items()}

    def _as_read(self, son: dict[str, Any]) -> T:
        found: T = self.document._from_son(copy.deepcopy(son))
        return found

    # -- helpers -------------------------------------------------------------------------------

    def _claim(
        self, doc: T, events: Sequence[DomainEvent | PendingEvent]
    ) -> tuple[PendingEvent, ...]:
        """Check `doc` is this tenant's and turn `events` into outbox entries."""
        if not isinstance(doc, self.document):
            raise TypeError(f"expected {self.document.__name__}, got {type(doc).__name__}")
        if doc.tenant_id is None:
            doc.tenant_id = self.tenant_id
        elif doc.tenant_id != self.tenant_id:
            raise ValueError("document belongs to another tenant")
        return tuple(self._pending(event) for event in events)

    def _pending(self, event: DomainEvent | PendingEvent) -> PendingEvent:
        # An already-enveloped PendingEvent is how the platform's own tests and benchmarks
        # write to topics that have no contract; service code records domain events only
        # (tests/ops/test_event_path.py refuses PendingEvent under services/).
        if isinstance(event, PendingEvent):
            if event.envelope.tenant_id != self.tenant_id:
                raise ValueError(f"event {event.envelope.event_id} is for another tenant")
            return event
        if self.origin is None:
            raise ValueError(
                f"{type(self).__name__} was built without an EventOrigin and cannot record "
                "events; build it from the request context"
            )
        return PendingEvent.of(event, tenant_id=self.tenant_id, origin=self.origin)

    def _collection(self) -> Collection[Any]:
        collection: Collection[Any] = self.document._get_collection()
        return collection


def is_duplicate_key(exc: OperationFailure) -> bool:
    """A unique-index violation: MongoDB says 11000; FerretDB 1.x says so for inserts, but
    fails the whole command with code 1 (InternalError) and PostgreSQL's message (SQLSTATE
    23505) when an update causes it."""
    if isinstance(exc, DuplicateKeyError) or exc.code in (11000, 11001):
        return True
    message = str(exc.details.get("errmsg", "") if exc.details else exc).lower()
    return exc.code == 1 and ("duplicate key" in message or "23505" in message)


def _coerce_id(document: type[Any], doc_id: object) -> object | None:
    """The id as stored (ObjectId for default ids); None when it cannot be a valid id."""
    id_field = document._fields[document._meta["id_field"]]
    if type(id_field).__name__ == "ObjectIdField":
        if isinstance(doc_id, ObjectId):
            return doc_id
        try:
            return ObjectId(str(doc_id))
        except (InvalidId, TypeError):
            return None
    return doc_id


def _utc(value: Any) -> Any:
    """Stored datetimes come back naive (UTC); lists speak aware UTC."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
