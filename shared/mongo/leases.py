"""Per-document write serialisation: a short lease per document, for servers whose updates race.

Why: FerretDB 1.x applies an update by reading the document, changing it in Go and writing it
back by `_id`, with no lock and no condition (measured: 4 threads x 100 revision-checked saves
all reported "modified", the document ended at revision 135). So on FerretDB the platform must
make sure that at most one update of a given document is in flight at a time; MongoDB applies
each single-document update atomically and needs none of this (`mode="auto"` turns leases on
only when the server says it is FerretDB).

How: a lease is a small document `{_id: "<collection>/<id>", holder, expires}` in the
`_write_leases` collection of the same database. Taking it is an `insert_one`, which both
servers apply atomically against the unique `_id` index, so exactly one holder wins; the holder
runs its update(s) and deletes the lease (filtered by its own `holder` token). A lease whose
holder died is stolen after `ttl_s`: the stealer first inserts a marker `<lease id>!<holder>`
(again an atomic insert, so only one stealer per dead lease proceeds), deletes the dead lease,
then its marker. Threads of one process queue on a local lock per document first, so only
processes compete through the store.

The one assumption, as with every lease: a holder does not stall for longer than `ttl_s`
between taking the lease and finishing its write (each write is one round trip of
milliseconds; `ttl_s` is seconds). `hold` refuses to start a write on a lease that has less
than half its time left.

The tenant guard checks, in the test suite, that every update of a tenant document on a
serialising server is issued under a lease of this module (`held_by_this_thread`).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final, Literal

from bson import ObjectId
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from shared.errors import DependencyUnavailable

log = logging.getLogger(__name__)

LEASES_COLLECTION: Final = "_write_leases"
Mode = Literal["auto", "on", "off"]


class Superseded(Exception):
    """The writer's `still_wanted` check said no while it waited: nothing was written."""


class DocumentBusy(DependencyUnavailable):
    """Another writer held the document for longer than the caller was willing to wait
    (answered as 503: retrying shortly succeeds)."""


@dataclass(frozen=True, slots=True)
class LeasePolicy:
    """How long a lease lives, how long a writer waits for one, and when leases are used."""

    mode: Mode = "auto"
    ttl_s: float = 15.0
    wait_s: float = 10.0


def lease_id(collection: str, doc_id: object) -> str:
    """The lease key of one document: collection name and a typed rendering of its id."""
    if isinstance(doc_id, ObjectId):
        return f"{collection}/oid:{doc_id}"
    if isinstance(doc_id, str):
        return f"{collection}/s:{doc_id}"
    return f"{collection}/{type(doc_id).__name__}:{doc_id!r}"


# -- which leases this thread holds (read by the tenant guard) ---------------------------------

_held = threading.local()


def _held_set() -> set[str]:
    found: set[str] | None = getattr(_held, "keys", None)
    if found is None:
        found = set()
        _held.keys = found
    return found


def held_by_this_thread(collection: str, doc_id: object) -> bool:
    """True while the calling thread holds the lease of that document."""
    return lease_id(collection, doc_id) in _held_set()


# -- in-process queueing -------------------------------------------------------------------------


class _LocalLocks:
    """One lock per document key, alive while someone waits for or holds it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, list[Any]] = {}  # key -> [lock, users]

    @contextmanager
    def hold(self, key: str, timeout_s: float) -> Iterator[bool]:
        """Hold the key's lock; yields whether another thread had it first."""
        with self._guard:
            slot = self._locks.setdefault(key, [threading.Lock(), 0])
            slot[1] += 1
        try:
            waited = not slot[0].acquire(blocking=False)
            if waited and not slot[0].acquire(timeout=timeout_s):
                raise DocumentBusy(f"{key}: busy in this process for {timeout_s:.1f} s")
            try:
                yield waited
            finally:
                slot[0].release()
        finally:
            with self._guard:
                slot[1] -= 1
                if slot[1] == 0:
                    self._locks.pop(key, None)


_LOCAL = _LocalLocks()


# -- the leases ----------------------------------------------------------------------------------


class WriteLeases:
    """Takes and releases document leases in one database (see the module docstring)."""

    def __init__(self, policy: LeasePolicy | None = None) -> None:
        self.policy = policy or LeasePolicy()
        self._enabled: dict[int, bool] = {}  # id(MongoClient) -> server needs leases

    # -- when --------------------------------------------------------------------------------

    def enabled_for(self, database: Database[Any]) -> bool:
        """Whether writes to `database` must be serialised (asks the server once per client)."""
        if self.policy.mode != "auto":
            return self.policy.mode == "on"
        client = database.client
        known = self._enabled.get(id(client))
        if known is None:
            info = client.admin.command("buildInfo")
            known = "ferretdbVersion" in info
            self._enabled[id(client)] = known
            log.info("write leases %s (server: %s)", "on" if known else "off", info.get("version"))
        return known

    def active(self) -> bool:
        """Whether leases are in force for any server this process has written to."""
        return self.policy.mode == "on" or (
            self.policy.mode == "auto" and any(self._enabled.values())
        )

    # -- one document --------------------------------------------------------------------------

    @contextmanager
    def hold(
        self,
        collection: Collection[Any],
        doc_id: object,
        *,
        wait_s: float | None = None,
        still_wanted: Callable[[], bool] | None = None,
    ) -> Iterator[None]:
        """Serialise the block's writes to one document; a no-op on servers that need none.

        Raises `DocumentBusy` when the lease cannot be had within `wait_s` (default
        `policy.wait_s`). `still_wanted`, when given, is asked each time this writer had to
        wait (after the in-process queue, between polls of the store): once it answers False
        (typically: the document's revision moved on, so the write would be refused anyway),
        `Superseded` is raised without taking the lease. Re-entrant within a thread (a nested
        `hold` of the same document does nothing).
        """
        if not self.enabled_for(collection.database):
            yield
            return
        key = lease_id(collection.name, doc_id)
        held = _held_set()
        if key in held:
            yield
            return
        wait = self.policy.wait_s if wait_s is None else wait_s
        deadline = time.monotonic() + wait
        with _LOCAL.hold(key, wait) as waited:
            if waited and still_wanted is not None and not still_wanted():
                raise Superseded(key)
            leases = collection.database[LEASES_COLLECTION]
            token = uuid.uuid4().hex
            expires = self._acquire(leases, key, token, deadline, still_wanted)
            held.add(key)
            try:
                if time.time() > expires - self.policy.ttl_s / 2:
                    raise DocumentBusy(f"{key}: lease taken too late to write safely")
                yield
            finally:
                held.discard(key)
                self._release(leases, [key], token)

    def _acquire(
        self,
        leases: Collection[Any],
        key: str,
        token: str,
        deadline: float,
        still_wanted: Callable[[], bool] | None,
    ) -> float:
        delay = 0.001
        while True:
            expires = time.time() + self.policy.ttl_s
            try:
                leases.insert_one({"_id": key, "holder": token, "expires": expires})
                return expires
            except DuplicateKeyError:
                pass
            # Held: poll with reads until it is free (a failed insert costs the server more,
            # and FerretDB logs each one as an error).
            while True:
                if time.monotonic() >= deadline:
                    raise DocumentBusy(f"{key}: held by another writer for too long")
                time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not crypto
                delay = min(delay * 1.5, 0.008)
                if still_wanted is not None and not still_wanted():
                    raise Superseded(key)
                current = leases.find_one({"_id": key})
                if current is None:
                    break
                if float(current.get("expires", 0)) < time.time():
                    self._steal(leases, key, str(current.get("holder")))
                    break

    def _steal(self, leases: Collection[Any], key: str, holder: str) -> None:
        """Remove a dead holder's lease; only one stealer per dead lease gets to do it."""
        marker = f"{key}!{holder}"
        token = uuid.uuid4().hex
        try:
            leases.insert_one(
                {"_id": marker, "holder": token, "expires": time.time() + self.policy.ttl_s}
            )
        except DuplicateKeyError:
            # Someone else is stealing it; if that stealer died too, its marker is stolen
            # the same way (a chain only as long as the number of crashed stealers).
            current = leases.find_one({"_id": marker})
            if current is not None and float(current.get("expires", 0)) < time.time():
                self._steal(leases, marker, str(current.get("holder")))
            return
        log.warning("write lease %s expired (holder %s): taking it over", key, holder)
        try:
            leases.delete_one({"_id": key, "holder": holder})
        finally:
            leases.delete_one({"_id": marker, "holder": token})

    def _release(self, leases: Collection[Any], keys: list[str], token: str) -> None:
        try:
            if len(keys) == 1:
                leases.delete_one({"_id": keys[0], "holder": token})
            else:
                leases.delete_many({"_id": {"$in": keys}, "holder": token})
        except PyMongoError:
            # The store is unreachable: the leases expire after ttl_s and are taken over then.
            log.warning("could not release %d write lease(s); they expire", len(keys))

    # -- many documents at once (the outbox relay) ----------------------------------------------

    @contextmanager
    def try_hold_many(
        self, collection: Collection[Any], doc_ids: Iterable[object]
    ) -> Iterator[set[object]]:
        """Take, without waiting, the leases of as many of `doc_ids` as are free.

        Yields the ids whose leases are held for the block (all of them on servers that need
        no leases). One unordered `insert_many` takes them and one `delete_many` releases them,
        so a batch of a few hundred documents costs two round trips, not hundreds.
        """
        ids = list(doc_ids)
        if not ids or not self.enabled_for(collection.database):
            yield set(ids)
            return
        held = _held_set()
        leases = collection.database[LEASES_COLLECTION]
        token = uuid.uuid4().hex
        expires = time.time() + self.policy.ttl_s
        by_key = {lease_id(collection.name, doc_id): doc_id for doc_id in ids}
        fresh = [key for key in by_key if key not in held]
        taken = set(fresh)
        if fresh:
            try:
                leases.insert_many(
                    [{"_id": key, "holder": token, "expires": expires} for key in fresh],
                    ordered=False,
                )
            except BulkWriteError as exc:
                for error in exc.details.get("writeErrors", []):
                    taken.discard(fresh[error["index"]])
                self._steal_expired(leases, [key for key in fresh if key not in taken])
        held.update(taken)
        try:
            yield {doc_id for key, doc_id in by_key.items() if key in held}
        finally:
            held.difference_update(taken)
            if taken:
                self._release(leases, sorted(taken), token)

    @contextmanager
    def lend(self, collection: Collection[Any], doc_ids: Iterable[object]) -> Iterator[None]:
        """Let the calling thread write documents whose leases another thread of this process
        holds for the duration of the block (a thread pool working for the holder). The
        holder must keep its leases until the borrowers are done."""
        held = _held_set()
        keys = {lease_id(collection.name, doc_id) for doc_id in doc_ids} - held
        held.update(keys)
        try:
            yield
        finally:
            held.difference_update(keys)

    def _steal_expired(self, leases: Collection[Any], keys: list[str]) -> None:
        """Clear the dead ones among `keys` so the next pass can take them."""
        if not keys:
            return
        now = time.time()
        for current in leases.find({"_id": {"$in": keys}}):
            if float(current.get("expires", 0)) < now:
                self._steal(leases, str(current["_id"]), str(current.get("holder")))


_default = WriteLeases()


def write_leases() -> WriteLeases:
    """The process-wide leases (configured once at start-up by `configure_write_leases`)."""
    return _default


def configure_write_leases(policy: LeasePolicy) -> WriteLeases:
    """Replace the process-wide lease policy (settings read at start-up; tests)."""
    global _default  # noqa: PLW0603 - one policy per process, set by the composition root
    _default = WriteLeases(policy)
    return _default
