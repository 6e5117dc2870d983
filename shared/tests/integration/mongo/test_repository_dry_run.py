"""TenantRepository's dry runs against the real FerretDB: every check a write makes, nothing
written, the pretended writes read back by id."""

from typing import Any

import mongoengine as me
import pytest
from bson import ObjectId

from shared.errors import Conflict, NotFound
from shared.events.domain import EventOrigin
from shared.events.envelope import InvalidMessage
from shared.mongo.repository import ConcurrentUpdate
from shared.tests.integration.mongo.test_repository import DivisionNamed, Parcel, ParcelRepository

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("mongo_db")]

ORIGIN = EventOrigin(producer="it", correlation_id="req-dry")


def stored(tenant: str) -> list[dict[str, Any]]:
    return list(Parcel._get_collection().find({"tenant_id": tenant}).sort("_id"))


def test_a_dry_add_writes_nothing_and_answers_as_if_stored() -> None:
    dry = ParcelRepository("tenant-dry-add", ORIGIN, dry_run=True)

    parcel = dry.add(Parcel(code="p-1", name="new"), [DivisionNamed("d-1", "东风村")])

    assert stored("tenant-dry-add") == []
    assert isinstance(parcel.pk, ObjectId)
    assert (parcel.revision, parcel.outbox_pending, len(parcel.outbox)) == (1, True, 1)
    # The dry run reads its own write back by id; nobody else sees it.
    again = dry.require(parcel.pk)
    assert (again.code, again.name, again.revision) == ("p-1", "new", 1)
    assert again is not parcel
    assert ParcelRepository("tenant-dry-add").get(parcel.pk) is None
    assert dry.list().total == 0  # queries read the database only


def test_a_dry_add_raises_what_a_real_one_would() -> None:
    dry = ParcelRepository("tenant-dry-bad", ORIGIN, dry_run=True)

    with pytest.raises(me.ValidationError):
        dry.add(Parcel(name="no code"))
    with pytest.raises(ValueError, match="another tenant"):
        dry.add(Parcel(code="x", tenant_id="tenant-b"))
    with pytest.raises(InvalidMessage, match="name"):
        dry.add(Parcel(code="y"), [DivisionNamed("d-1", "")])
    with pytest.raises(ValueError, match="EventOrigin"):
        ParcelRepository("tenant-dry-bad", dry_run=True).add(
            Parcel(code="z"), [DivisionNamed("d-1", "x")]
        )
    assert stored("tenant-dry-bad") == []
    assert dry._pretended_documents() == {}


def test_a_dry_add_of_a_taken_id_conflicts_but_a_taken_code_goes_unnoticed() -> None:
    real = ParcelRepository("tenant-dry-ids")
    existing = real.add(Parcel(code="taken"))
    dry = ParcelRepository("tenant-dry-ids", dry_run=True)

    with pytest.raises(Conflict):
        dry.add(Parcel(pk=existing.pk, code="other"))
    pretended = dry.add(Parcel(code="fresh"))
    with pytest.raises(Conflict):
        dry.add(Parcel(pk=pretended.pk, code="fresh-again"))
    # Documented limit: only the server checks the other unique indexes.
    dry.add(Parcel(code="taken"))

    assert [doc["code"] for doc in stored("tenant-dry-ids")] == ["taken"]


def test_a_dry_save_checks_the_revision_and_writes_nothing() -> None:
    real = ParcelRepository("tenant-dry-save", ORIGIN)
    parcel = real.add(Parcel(code="p-s", name="v1"))
    before = stored("tenant-dry-save")
    dry = ParcelRepository("tenant-dry-save", ORIGIN, dry_run=True)

    mine = dry.require(parcel.pk)
    mine.name = "v2"
    saved = dry.save(mine, [DivisionNamed("d-1", "东风村")])

    assert stored("tenant-dry-save") == before
    assert (saved.revision, len(saved.outbox)) == (2, 1)
    # Read back as the dry run left it; the next save matches that revision, a stale one not.
    again = dry.require(parcel.pk)
    assert (again.name, again.revision) == ("v2", 2)
    again.name = "v3"
    dry.save(again)
    assert dry.require(parcel.pk).revision == 3
    stale = real.require(parcel.pk)
    with pytest.raises(ConcurrentUpdate):
        dry.save(stale)
    with pytest.raises(InvalidMessage):
        dry.save(dry.require(parcel.pk), [DivisionNamed("d-1", "")])
    assert dry.require(parcel.pk).revision == 3
    assert stored("tenant-dry-save") == before


def test_a_dry_save_of_a_stale_or_deleted_document_fails_as_a_real_one() -> None:
    real = ParcelRepository("tenant-dry-stale")
    parcel = real.add(Parcel(code="p-st"))
    first, second = real.require(parcel.pk), real.require(parcel.pk)
    real.save(first)
    dry = ParcelRepository("tenant-dry-stale", dry_run=True)

    with pytest.raises(ConcurrentUpdate):
        dry.save(second)
    Parcel._get_collection().delete_one({"tenant_id": "tenant-dry-stale", "_id": parcel.pk})
    with pytest.raises(NotFound):
        dry.save(first)


def test_a_dry_update_answers_what_it_would_match_and_changes_nothing() -> None:
    real = ParcelRepository("tenant-dry-update")
    parcel = real.add(Parcel(code="p-u", name="v1"))
    dry = ParcelRepository("tenant-dry-update", dry_run=True)
    change = {"$set": {"name": "v2"}, "$inc": {"revision": 1}}

    matched = dry._update_one(parcel.pk, change, revision=1)
    stale = dry._update_one(parcel.pk, change, revision=7)
    upserted = dry._update_one(ObjectId(), change, upsert=True)

    assert matched is not None
    assert matched.matched_count == 1
    assert stale is not None
    assert stale.matched_count == 0
    assert upserted is not None
    assert upserted.upserted_id is not None
    assert [(doc["name"], doc["revision"]) for doc in stored("tenant-dry-update")] == [("v1", 1)]
