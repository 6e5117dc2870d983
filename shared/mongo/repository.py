"""`TenantRepository[T]`: the only way service code reads and writes tenant documents.

Constructed with one tenant id, every query it issues carries `tenant_id`, so an untenanted or
cross-tenant query cannot be written through it; another tenant's id simply is not found.

Writes are single-document and atomic, and carry the aggregate's new events in the same write
(the outbox). Updates use optimistic concurrency on `revision`: the update matches only the
revision that was read, so two concurrent writers cannot silently overwrite each other or lose
each other's events; the loser gets `ConcurrentUpdate` and retries its use case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from bson import ObjectId
from bson.errors import InvalidId
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from shared.mongo.documents import PendingEvent, TenantDocument

T = TypeVar("T", bound=TenantDocument)
Item = TypeVar("Item")
U = TypeVar("U")

MAX_PAGE_SIZE = 500
_MANAGED_FIELDS = frozenset({"_id", "tenant_id", "revision", "outbox"})


class NotFound(LookupError):
    """No such document in this tenant (including: it exists, but in another tenant)."""


class Conflict(ValueError):
    """A unique index rejected the write (e.g. a duplicate code inside the tenant)."""


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

    def __init__(self, tenant_id: str) -> None:
        if not isinstance(tenant_id, str) or not tenant_id:
            raise ValueError("a repository needs a non-empty tenant_id")
        self.tenant_id = tenant_id

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
        found: T | None = self._query(pk=key).first()
        return found

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
        query = self._query(**filters)
        total = query.count()
        items: list[T] = list(query.order_by(*order_by).skip(offset).limit(limit))
        return Page(items=items, total=total, offset=offset, limit=limit)

    # -- writes --------------------------------------------------------------------------------

    def add(self, doc: T, events: Sequence[PendingEvent] = ()) -> T:
        """Insert a new document with its events in its outbox, in one write.

        Raises `Conflict` when a unique index rejects it.
        """
        self._claim(doc, events)
        doc.revision = 1
        doc.outbox = [event.to_entry() for event in events]
        doc.validate()
        son = doc.to_mongo()
        try:
            result = self._collection().insert_one(son)
        except DuplicateKeyError as exc:
            raise Conflict(f"{self.document.__name__}: duplicate key") from exc
        doc.pk = result.inserted_id
        return doc

    def save(self, doc: T, events: Sequence[PendingEvent] = ()) -> T:
        """Write back a document read from this repository, appending `events` to its outbox.

        The update matches `_id`, `tenant_id` and the `revision` that was read; it `$set`s the
        business fields, `$inc`s the revision and `$push`es the new outbox entries, so entries
        the relay is removing concurrently (`$pull`) are never overwritten. Raises
        `ConcurrentUpdate` when the revision moved on and `NotFound` when the document is gone.
        """
        if doc.pk is None:
            raise ValueError("save() is for documents read from the repository; use add()")
        self._claim(doc, events)
        doc.validate()
        son = doc.to_mongo()
        to_set = {name: value for name, value in son.items() if name not in _MANAGED_FIELDS}
        to_unset = {
            field.db_field: ""
            for field in doc._fields.values()
            if field.db_field not in _MANAGED_FIELDS and field.db_field not in son
        }
        update: dict[str, Any] = {"$inc": {"revision": 1}}
        if to_set:
            update["$set"] = to_set
        if to_unset:
            update["$unset"] = to_unset
        entries = [event.to_entry() for event in events]
        if entries:
            update["$push"] = {"outbox": {"$each": [entry.to_mongo() for entry in entries]}}
        result = self._collection().update_one(
            {"_id": doc.pk, "tenant_id": self.tenant_id, "revision": doc.revision}, update
        )
        if result.matched_count == 0:
            if self.get(doc.pk) is None:
                raise NotFound(f"{self.document.__name__} {doc.pk!s} not found")
            raise ConcurrentUpdate(f"{self.document.__name__} {doc.pk!s} changed since read")
        doc.revision += 1
        doc.outbox = [*doc.outbox, *entries]
        return doc

    # -- helpers -------------------------------------------------------------------------------

    def _claim(self, doc: T, events: Sequence[PendingEvent]) -> None:
        if not isinstance(doc, self.document):
            raise TypeError(f"expected {self.document.__name__}, got {type(doc).__name__}")
        if doc.tenant_id is None:
            doc.tenant_id = self.tenant_id
        elif doc.tenant_id != self.tenant_id:
            raise ValueError("document belongs to another tenant")
        for event in events:
            if event.envelope.tenant_id != self.tenant_id:
                raise ValueError(f"event {event.envelope.event_id} is for another tenant")

    def _collection(self) -> Collection[Any]:
        collection: Collection[Any] = self.document._get_collection()
        return collection


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
