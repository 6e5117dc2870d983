"""TenantRepository against the real FerretDB: tenancy, pagination, outbox, optimistic writes."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import mongoengine as me
import pytest

from shared.errors import Conflict, NotFound
from shared.events.domain import EventOrigin
from shared.events.envelope import Envelope, InvalidMessage
from shared.events.topics import Topic
from shared.mongo.documents import PendingEvent, TenantDocument
from shared.mongo.repository import ConcurrentUpdate, TenantRepository

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("mongo_db")]

WHEN = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class Parcel(TenantDocument):
    code = me.StringField(required=True)
    name = me.StringField()
    meta: ClassVar[dict[str, Any]] = {
        "collection": "it_parcels",
        "indexes": [{"fields": ("tenant_id", "code"), "unique": True}],
    }


class ParcelRepository(TenantRepository[Parcel]):
    document = Parcel


def event(tenant: str, code: str) -> PendingEvent:
    envelope = Envelope.new(
        type="parcel.created", version=1, tenant_id=tenant, producer="it", payload={"code": code}
    )
    return PendingEvent(topic="it.parcels", aggregate_id=code, envelope=envelope)


def test_add_stores_the_document_and_its_events_in_one_write() -> None:
    repo = ParcelRepository("tenant-a")
    pending = event("tenant-a", "p-add")
    parcel = repo.add(Parcel(code="p-add", name="first"), [pending])
    stored = repo.require(parcel.pk)
    assert stored.tenant_id == "tenant-a"
    assert stored.revision == 1
    assert [e.event_id for e in stored.outbox] == [pending.envelope.event_id]
    assert stored.outbox[0].key == "tenant-a:p-add"
    assert Envelope.parse(stored.outbox[0].envelope) == pending.envelope


def test_add_many_inserts_the_new_and_refuses_the_known_in_one_command() -> None:
    repo = ParcelRepository("tenant-many")
    repo.add(Parcel(code="p-known"))
    batch = [
        (Parcel(code=code), [event("tenant-many", code)]) for code in ("p-1", "p-known", "p-2")
    ]
    results = repo.add_many(batch)
    assert [type(r).__name__ for r in results] == ["Parcel", "Conflict", "Parcel"]
    stored = {p.code: p for p in Parcel.objects(tenant_id="tenant-many")}
    assert set(stored) == {"p-known", "p-1", "p-2"}
    assert stored["p-known"].outbox == []  # the refused one's event was never written
    assert [e.event_id for e in stored["p-2"].outbox] == [batch[2][1][0].envelope.event_id]
    assert stored["p-2"].outbox_pending is True
    assert repo.add_many([]) == []
    with pytest.raises(ValueError, match="another tenant"):
        repo.add_many([(Parcel(code="p-3", tenant_id="tenant-other"), [])])


def test_another_tenants_document_is_not_found() -> None:
    parcel = ParcelRepository("tenant-a").add(Parcel(code="p-private"))
    other = ParcelRepository("tenant-b")
    assert other.get(parcel.pk) is None
    with pytest.raises(NotFound):
        other.require(parcel.pk)
    assert other.get("not-an-object-id") is None


def test_list_is_tenant_scoped_and_paginated() -> None:
    repo = ParcelRepository("tenant-list")
    for i in range(5):
        repo.add(Parcel(code=f"l-{i}"))
    ParcelRepository("tenant-other").add(Parcel(code="l-x"))
    page = repo.list(offset=1, limit=2, order_by=("code",))
    assert page.total == 5
    assert [p.code for p in page.items] == ["l-1", "l-2"]
    assert repo.list(code="l-4").total == 1
    with pytest.raises(ValueError, match="limit"):
        repo.list(limit=0)


def test_unique_index_is_per_tenant() -> None:
    ParcelRepository("tenant-u1").add(Parcel(code="same"))
    ParcelRepository("tenant-u2").add(Parcel(code="same"))
    with pytest.raises(Conflict):
        ParcelRepository("tenant-u1").add(Parcel(code="same"))


def test_save_appends_events_and_concurrent_writer_loses_nothing() -> None:
    repo = ParcelRepository("tenant-c")
    first_event = event("tenant-c", "p-c")
    parcel = repo.add(Parcel(code="p-c", name="v1"), [first_event])
    mine, theirs = repo.require(parcel.pk), repo.require(parcel.pk)
    mine.name = "mine"
    second_event = event("tenant-c", "p-c")
    repo.save(mine, [second_event])
    theirs.name = "theirs"
    with pytest.raises(ConcurrentUpdate):
        repo.save(theirs, [event("tenant-c", "p-c")])
    stored = repo.require(parcel.pk)
    assert stored.name == "mine"
    assert stored.revision == 2
    assert [e.event_id for e in stored.outbox] == [
        first_event.envelope.event_id,
        second_event.envelope.event_id,
    ]


def test_save_unsets_cleared_fields() -> None:
    repo = ParcelRepository("tenant-unset")
    parcel = repo.add(Parcel(code="p-u", name="named"))
    parcel.name = None
    repo.save(parcel)
    raw = Parcel._get_collection().find_one({"tenant_id": "tenant-unset", "_id": parcel.pk})
    assert "name" not in raw


def test_repository_refuses_foreign_documents_and_events() -> None:
    repo = ParcelRepository("tenant-a")
    with pytest.raises(ValueError, match="another tenant"):
        repo.add(Parcel(code="x", tenant_id="tenant-b"))
    with pytest.raises(ValueError, match="another tenant"):
        repo.add(Parcel(code="y"), [event("tenant-b", "y")])
    with pytest.raises(ValueError, match="from the repository"):
        repo.list(tenant_id="tenant-b")


def test_saving_a_deleted_document_is_not_found() -> None:
    repo = ParcelRepository("tenant-gone")
    parcel = repo.add(Parcel(code="gone"))
    Parcel._get_collection().delete_one({"tenant_id": "tenant-gone", "_id": parcel.pk})
    with pytest.raises(NotFound):
        repo.save(parcel)


@dataclass(frozen=True)
class DivisionNamed:
    """A domain event as a domain records it (the ``division.created`` contract)."""

    division_id: str
    name: str
    occurred_at: datetime = WHEN
    type: ClassVar[str] = "division.created"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.division_id

    def payload(self) -> dict[str, Any]:
        return {
            "division_id": self.division_id,
            "code": "A-V01",
            "name": self.name,
            "kind": "village",
            "created_by": "u-1",
        }


def test_domain_events_are_stamped_with_the_origin_and_checked_once() -> None:
    repo = ParcelRepository("tenant-d", EventOrigin(producer="it", correlation_id="req-9"))
    parcel = repo.add(Parcel(code="p-d"), [DivisionNamed("d-1", "东风村")])
    [entry] = repo.require(parcel.pk).outbox
    envelope = Envelope.parse(entry.envelope)
    assert (entry.topic, entry.key) == (Topic.REGISTRY_DIVISIONS, "tenant-d:d-1")
    assert (envelope.type, envelope.tenant_id, envelope.producer) == (
        "division.created",
        "tenant-d",
        "it",
    )
    assert envelope.correlation_id == "req-9"
    assert envelope.occurred_at == WHEN
    assert envelope.payload == DivisionNamed("d-1", "东风村").payload()

    with pytest.raises(InvalidMessage, match="name"):
        repo.save(repo.require(parcel.pk), [DivisionNamed("d-1", "")])
    assert len(repo.require(parcel.pk).outbox) == 1  # nothing half-written


def test_a_repository_without_an_origin_records_no_events() -> None:
    with pytest.raises(ValueError, match="EventOrigin"):
        ParcelRepository("tenant-d").add(Parcel(code="p-none"), [DivisionNamed("d-2", "x")])


def test_get_many_reads_each_id_in_order_and_never_another_tenants() -> None:
    repo = ParcelRepository("tenant-a")
    mine = [repo.add(Parcel(code=f"p-many-{n}")) for n in range(5)]
    theirs = ParcelRepository("tenant-b").add(Parcel(code="p-many-b"))
    ids = [mine[3].pk, theirs.pk, mine[0].pk, "not-an-id", mine[4].pk]
    found = repo.get_many(ids)
    assert [None if doc is None else doc.code for doc in found] == [
        "p-many-3",
        None,
        "p-many-0",
        None,
        "p-many-4",
    ]


def test_save_many_writes_each_document_once_and_reports_the_refused_ones() -> None:
    repo = ParcelRepository("tenant-a")
    parcels = [repo.add(Parcel(code=f"p-batch-{n}", name="before")) for n in range(6)]
    # Another writer moves one on; another document is deleted: both are refused, in place.
    stale, gone = repo.require(parcels[1].pk), parcels[4]
    fresher = repo.require(parcels[1].pk)
    fresher.name = "moved on"
    repo.save(fresher)
    Parcel._get_collection().delete_one({"tenant_id": "tenant-a", "_id": gone.pk})
    batch = [repo.require(p.pk) for p in parcels if p.pk not in (stale.pk, gone.pk)]
    items: list[tuple[Parcel, list[PendingEvent]]] = []
    for doc in [*batch[:1], stale, *batch[1:3], gone, *batch[3:]]:
        doc.name = "after"
        items.append((doc, [event("tenant-a", doc.code)]))
    results = repo.save_many(items)
    assert isinstance(results[1], ConcurrentUpdate)
    assert isinstance(results[4], NotFound)
    saved = [r for n, r in enumerate(results) if n not in (1, 4)]
    assert all(isinstance(r, Parcel) and r.revision == 2 for r in saved)
    for doc in saved:
        assert isinstance(doc, Parcel)
        stored = repo.require(doc.pk)
        assert (stored.name, stored.revision, len(stored.outbox)) == ("after", 2, 1)
    assert repo.require(stale.pk).name == "moved on"
    # Nothing is left holding a lease: a plain save of every batch member goes through.
    for doc in saved:
        assert isinstance(doc, Parcel)
        again = repo.require(doc.pk)
        again.name = "third"
        repo.save(again)
