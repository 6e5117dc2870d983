"""Write leases against an in-memory stand-in for the lease collection (no server).

The stand-in implements exactly the operations the leases use, with the one guarantee the real
servers give them: `insert_one` of an existing `_id` fails atomically. The real-store proof
(8 writers x 500 saves with the relay running) is in shared/tests/integration/mongo.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from bson import ObjectId
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from shared.errors import DependencyUnavailable
from shared.mongo.guard import TenantGuardListener, cross_tenant_comment
from shared.mongo.leases import (
    LEASES_COLLECTION,
    DocumentBusy,
    LeasePolicy,
    WriteLeases,
    held_by_this_thread,
    lease_id,
)
from shared.mongo.repository import is_duplicate_key


class FakeStore:
    """Collections of dicts keyed by `_id`, one lock for atomic single operations."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: dict[str, dict[str, dict[str, Any]]] = {}
        self.client = object()

    def __getitem__(self, name: str) -> Any:  # a Collection to the code under test
        return FakeCollection(self, name)


def _matches(row: dict[str, Any], query: dict[str, Any]) -> bool:
    for key, want in query.items():
        if isinstance(want, dict) and "$in" in want:
            if row.get(key) not in want["$in"]:
                return False
        elif row.get(key) != want:
            return False
    return True


class FakeCollection:
    def __init__(self, store: FakeStore, name: str) -> None:
        self.database = store
        self.name = name
        self._rows = store.rows.setdefault(name, {})

    def insert_one(self, doc: dict[str, Any]) -> None:
        with self.database.lock:
            if doc["_id"] in self._rows:
                raise DuplicateKeyError("E11000 duplicate key")
            self._rows[doc["_id"]] = dict(doc)

    def insert_many(self, docs: list[dict[str, Any]], ordered: bool = True) -> None:
        errors = []
        for index, doc in enumerate(docs):
            try:
                self.insert_one(doc)
            except DuplicateKeyError:
                errors.append({"index": index, "code": 11000})
        if errors:
            raise BulkWriteError({"writeErrors": errors})

    def find_one(self, query: dict[str, Any]) -> dict[str, Any] | None:
        with self.database.lock:
            return next((dict(r) for r in self._rows.values() if _matches(r, query)), None)

    def find(self, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
        with self.database.lock:
            found = [dict(r) for r in self._rows.values() if _matches(r, query)]
        return iter(found)

    def delete_one(self, query: dict[str, Any]) -> None:
        with self.database.lock:
            for key, row in list(self._rows.items()):
                if _matches(row, query):
                    del self._rows[key]
                    return

    def delete_many(self, query: dict[str, Any]) -> None:
        with self.database.lock:
            for key, row in list(self._rows.items()):
                if _matches(row, query):
                    del self._rows[key]


def _holder(store: FakeStore, key: str) -> Any:
    found = store[LEASES_COLLECTION].find_one({"_id": key})
    assert found is not None
    return found["holder"]


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def leases() -> WriteLeases:
    return WriteLeases(LeasePolicy(mode="on", ttl_s=5.0, wait_s=2.0))


def test_a_lease_is_held_inside_the_block_and_released_after(
    store: FakeStore, leases: WriteLeases
) -> None:
    parcels = store["parcels"]
    with leases.hold(parcels, "p1"):
        assert held_by_this_thread("parcels", "p1")
        assert store[LEASES_COLLECTION].find_one({"_id": lease_id("parcels", "p1")})
    assert not held_by_this_thread("parcels", "p1")
    assert store.rows[LEASES_COLLECTION] == {}


def test_hold_is_reentrant_in_one_thread(store: FakeStore, leases: WriteLeases) -> None:
    parcels = store["parcels"]
    with leases.hold(parcels, "p1"), leases.hold(parcels, "p1"):
        assert len(store.rows[LEASES_COLLECTION]) == 1
    assert store.rows[LEASES_COLLECTION] == {}


def test_writers_take_turns(store: FakeStore, leases: WriteLeases) -> None:
    """Unprotected read-modify-write of a counter, the way FerretDB applies `$inc`."""
    parcels = store["parcels"]
    counter = {"n": 0}

    def writer() -> None:
        for _ in range(200):
            with leases.hold(parcels, "p1"):
                value = counter["n"]
                time.sleep(0)  # let another thread in, as a server round trip would
                counter["n"] = value + 1

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counter["n"] == 1200


def test_two_processes_take_turns_through_the_store(store: FakeStore) -> None:
    """Two `WriteLeases` with their own local locks still exclude each other via the store."""
    parcels = store["parcels"]
    first = WriteLeases(LeasePolicy(mode="on", ttl_s=5.0, wait_s=2.0))
    inside = threading.Event()
    release = threading.Event()

    def hold_first() -> None:
        with first.hold(parcels, "p1"):
            inside.set()
            release.wait(2)

    thread = threading.Thread(target=hold_first)
    thread.start()
    inside.wait(2)
    second = WriteLeases(LeasePolicy(mode="on", ttl_s=5.0, wait_s=0.2))
    with pytest.raises(DocumentBusy), second.hold(parcels, "p1"):
        pass
    release.set()
    thread.join()
    with second.hold(parcels, "p1"):
        pass


def test_a_busy_document_is_a_503_kind_of_error() -> None:
    assert issubclass(DocumentBusy, DependencyUnavailable)


def test_a_dead_holders_lease_is_taken_over_after_it_expires(
    store: FakeStore, leases: WriteLeases
) -> None:
    parcels = store["parcels"]
    key = lease_id("parcels", "p1")
    store[LEASES_COLLECTION].insert_one({"_id": key, "holder": "dead", "expires": time.time() - 1})
    with leases.hold(parcels, "p1"):
        assert _holder(store, key) != "dead"
    assert store.rows[LEASES_COLLECTION] == {}  # the steal marker is gone too


def test_a_live_lease_is_not_taken_over(store: FakeStore) -> None:
    parcels = store["parcels"]
    key = lease_id("parcels", "p1")
    store[LEASES_COLLECTION].insert_one(
        {"_id": key, "holder": "alive", "expires": time.time() + 60}
    )
    impatient = WriteLeases(LeasePolicy(mode="on", ttl_s=5.0, wait_s=0.1))
    with pytest.raises(DocumentBusy), impatient.hold(parcels, "p1"):
        pass
    assert _holder(store, key) == "alive"


def test_a_stealer_that_died_is_stolen_from_in_turn(store: FakeStore, leases: WriteLeases) -> None:
    parcels = store["parcels"]
    key = lease_id("parcels", "p1")
    past = time.time() - 1
    store[LEASES_COLLECTION].insert_one({"_id": key, "holder": "dead", "expires": past})
    store[LEASES_COLLECTION].insert_one({"_id": f"{key}!dead", "holder": "x", "expires": past})
    with leases.hold(parcels, "p1"):
        pass
    assert store.rows[LEASES_COLLECTION] == {}


def test_try_hold_many_takes_the_free_ones_and_skips_the_busy(
    store: FakeStore, leases: WriteLeases
) -> None:
    parcels = store["parcels"]
    busy = lease_id("parcels", "b")
    store[LEASES_COLLECTION].insert_one({"_id": busy, "holder": "x", "expires": time.time() + 60})
    with leases.try_hold_many(parcels, ["a", "b", "c"]) as held:
        assert held == {"a", "c"}
        assert held_by_this_thread("parcels", "a")
        assert not held_by_this_thread("parcels", "b")
    assert set(store.rows[LEASES_COLLECTION]) == {busy}


def test_leases_are_off_for_servers_that_apply_updates_atomically(store: FakeStore) -> None:
    parcels = store["parcels"]
    off = WriteLeases(LeasePolicy(mode="off"))
    with off.hold(parcels, "p1"):
        assert not held_by_this_thread("parcels", "p1")
    with off.try_hold_many(parcels, ["a"]) as held:
        assert held == {"a"}
    assert store.rows.get(LEASES_COLLECTION, {}) == {}


def test_lease_ids_keep_id_types_apart() -> None:
    oid = ObjectId()
    assert lease_id("c", oid) != lease_id("c", str(oid))
    assert lease_id("c", 1) != lease_id("c", "1")


def test_the_guard_reports_an_update_without_the_lease(store: FakeStore) -> None:
    guard = TenantGuardListener(
        collections=lambda: frozenset({"parcels"}), leases_active=lambda: True
    )
    update = {"update": "parcels", "updates": [{"q": {"_id": "p1", "tenant_id": "t"}}]}
    guard.check("update", update, "db")
    [violation] = guard.take_violations()
    assert "write lease" in violation.detail
    with WriteLeases(LeasePolicy(mode="on")).hold(store["parcels"], "p1"):
        guard.check("update", update, "db")
    assert guard.take_violations() == []
    relay_style = {**update, "comment": cross_tenant_comment("outbox-relay")}
    guard.check("update", relay_style, "db")
    assert len(guard.take_violations()) == 1, "crossing tenants does not excuse a missing lease"


def test_an_update_caused_unique_violation_counts_as_a_duplicate_key() -> None:
    ferret = OperationFailure(
        'ERROR: duplicate key value violates unique constraint "x_idx" (SQLSTATE 23505)',
        code=1,
        details={"errmsg": 'duplicate key value violates unique constraint "x" (SQLSTATE 23505)'},
    )
    assert is_duplicate_key(ferret)
    assert is_duplicate_key(DuplicateKeyError("E11000 duplicate key", code=11000))
    assert not is_duplicate_key(OperationFailure("boom", code=1, details={"errmsg": "boom"}))
    assert not is_duplicate_key(OperationFailure("unauthorized", code=13))
