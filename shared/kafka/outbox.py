"""`OutboxRelay`: publishes the events stored in tenant documents' outboxes, then removes them.

One pass (`run_once`), per watched document class:
1. find documents with `outbox_pending: true` across tenants (the one sanctioned cross-tenant
   query: it carries `cross_tenant_comment("outbox-relay")`); that flag is written in the same
   update as the outbox, and a top-level equality is what FerretDB hands to PostgreSQL and an
   index answers (`outbox: {$ne: []}` would be evaluated document by document in Go). With
   the PostgreSQL behind FerretDB configured, every watched collection's pending documents
   are first counted in one statement (`EqualityReads.flagged_counts`, also the backlog
   gauge) and FerretDB is asked only where some wait: an idle pass was a count and a find
   per collection through FerretDB, every half second in every worker (about 190 ms a pass
   and most of FerretDB's CPU on an idle stack); it is now one statement of a few ms;
2. send every entry, in outbox order, to its topic with its key and headers
   (`event_id`, `type`, `version`, `tenant_id`);
3. wait for the acknowledgements (`flush`, then each future);
4. record every acknowledged entry in the audit trail (`shared.audit.append`: insert-only,
   one unordered insert per database and pass; an entry already recorded is a duplicate key,
   skipped), so an entry leaves its outbox only once it is audited;
5. remove exactly the acknowledged entries from each document, under the documents' write
   leases (taken for the whole batch at once; see `shared.mongo.leases`), one update per
   document with `REMOVAL_THREADS` in flight (never bulk writes: FerretDB holds a pooled
   connection per operation of a command, and commands that together want more than its pool
   deadlock the server). Each removal is `$pullAll` of the entries as read plus
   `outbox_pending` recomputed, conditional on the `revision` read in step 1; when a save
   slipped in between, a second step pulls the entries and clears the flag only if the outbox
   is then empty. If entry k of a document failed, entries after k stay too, so a retry
   republishes them in order.

Delivery is at-least-once: a crash of the relay between 3 and 5 republishes the same
`event_id`, which consumers dedup, and audits it again, which the audit trail's key (the event
id) dedups: each event is audited exactly once. Entries acknowledged but not removed (the
store failed, or a document's lease was busy) are remembered by event id and not sent again by
this process: a store outage does not duplicate events on Kafka. While Kafka is down nothing
is removed, API writes keep appending to outboxes, and the relay backs off (tenacity,
exponential with jitter) until Kafka returns.

Why `$pullAll` of exact entries instead of `$pull` by `event_id`: FerretDB 1.24 accepts a
conditional `$pull` (`{"outbox": {"event_id": {"$in": [...]}}}`) but silently removes nothing
(matched 1, modified 0). `$pullAll` with the entries exactly as read works on MongoDB and
FerretDB; entries are immutable and their `event_id`s unique, so it removes exactly those.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kafka.errors import KafkaError
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import PyMongoError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    wait_exponential_jitter,
)

from shared.audit import AuditRecord, append
from shared.events.envelope import InvalidMessage
from shared.kafka import metrics
from shared.kafka.clients import Headers, Producer, SendFuture
from shared.mongo.documents import TenantDocument
from shared.mongo.guard import cross_tenant_comment
from shared.mongo.leases import DocumentBusy, write_leases
from shared.mongo.pg_reads import equality_reads

log = logging.getLogger(__name__)

RELAY_COMMENT = cross_tenant_comment("outbox-relay")
PENDING_FILTER: dict[str, Any] = {"outbox_pending": True}
REMOVAL_THREADS = 8  # removals in flight at once, one pooled FerretDB connection each
BUSY_WAIT_S = 1.0  # how long the relay waits for a document being saved
BACKLOG_COUNT_LIMIT = 100_000
_ACKED_MEMORY = 100_000  # event ids acknowledged but not yet removed, remembered per process


class OutboxPublishError(RuntimeError):
    """Some outbox entries were not acknowledged; they stay in their documents."""


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OutboxPublishError,
    KafkaError,
    PyMongoError,
    DocumentBusy,
)


@dataclass(frozen=True, slots=True)
class _Sent:
    collection: str
    doc_id: Any
    tenant_id: str
    revision: int | None
    outbox_size: int
    entry: dict[str, Any]
    future: SendFuture


def entry_headers(entry: dict[str, Any]) -> Headers:
    """Kafka headers for an outbox entry, so consumers can route without parsing the body."""
    headers: Headers = [("event_id", str(entry["event_id"]).encode())]
    try:
        envelope = json.loads(entry["envelope"])
    except (TypeError, ValueError):
        return headers  # the consumer will dead-letter the body; publishing still matters
    if isinstance(envelope, dict):
        for name in ("type", "version", "tenant_id"):
            if name in envelope:
                headers.append((name, str(envelope[name]).encode()))
    return headers


class OutboxRelay:
    """Publishes the outboxes of `documents` through a producer built by `producer_factory`.

    `run()` loops until `stop()`; `run_once()` does one pass and returns the number of entries
    published and removed (tests drive it directly). The relay owns the producer it creates and
    closes it on exit. Run one relay per service worker process: two relays on the same
    collections only duplicate publishes (consumers dedup), they never lose an event.
    ``audit=False`` skips the audit trail: for benchmarks only, never in a service.
    """

    def __init__(
        self,
        *,
        documents: Sequence[type[TenantDocument]],
        producer_factory: Callable[[], Producer],
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
        ack_timeout_s: float = 30.0,
        backoff_initial_s: float = 0.5,
        backoff_max_s: float = 30.0,
        audit: bool = True,
    ) -> None:
        if not documents:
            raise ValueError("the relay needs at least one TenantDocument class to watch")
        self._documents = tuple(documents)
        self._producer_factory = producer_factory
        self._producer: Producer | None = None
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._ack_timeout_s = ack_timeout_s
        self._backoff_initial_s = backoff_initial_s
        self._backoff_max_s = backoff_max_s
        self._audit = audit
        self._stopping = threading.Event()
        self._acked: OrderedDict[str, None] = OrderedDict()
        self._executor: ThreadPoolExecutor | None = None
        self._backlog_every_s = 5.0
        self._backlog: dict[str, tuple[int, float]] = {}  # collection -> (last count, next due)

    # -- lifecycle -------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask `run()` to return after the current pass (safe from signal handlers/threads)."""
        self._stopping.set()

    def run(self) -> None:
        """Relay until `stop()`; transient failures back off instead of crashing the worker."""
        try:
            while not self._stopping.is_set():
                try:
                    published = self._retrying()(self.run_once)
                except TRANSIENT_ERRORS:
                    break  # only reached when stop() interrupted the backoff
                if published < self._batch_size:
                    self._stopping.wait(self._poll_interval_s)
        finally:
            self.close()

    def close(self) -> None:
        """Flush and close the producer and the removal threads (idempotent)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self._producer is not None:
            try:
                self._producer.close(timeout=self._ack_timeout_s)
            finally:
                self._producer = None

    def _retrying(self) -> Retrying:
        def stopped(_: RetryCallState) -> bool:
            return self._stopping.is_set()

        def before_sleep(state: RetryCallState) -> None:
            outcome = state.outcome
            exc = outcome.exception() if outcome is not None else None
            log.warning(
                "outbox relay pass failed (attempt %d), backing off: %r",
                state.attempt_number,
                exc,
            )

        return Retrying(
            retry=retry_if_exception_type(TRANSIENT_ERRORS),
            wait=wait_exponential_jitter(
                multiplier=self._backoff_initial_s, max=self._backoff_max_s
            ),
            stop=stopped,
            sleep=self._interruptible_sleep,
            before_sleep=before_sleep,
            reraise=True,
        )

    def _interruptible_sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    # -- one pass ----------------------------------------------------------------------------

    def run_once(self) -> int:
        """One scan-publish-acknowledge-remove pass over every watched collection.

        Returns how many entries were published and removed. Raises `OutboxPublishError` (after
        removing whatever was acknowledged) when some entries failed, and lets Kafka/Mongo
        errors out, so `run()` backs off.
        """
        started = time.monotonic()
        try:
            producer = self._get_producer()
            sent = self._publish(producer, self._scan())
            producer.flush(timeout=self._ack_timeout_s)
            acked, failures = self._collect_acks(sent)
            if self._audit:
                self._record_audit(acked)
            removed = self._remove_published(acked)
        finally:
            metrics.OUTBOX_RELAY_LOOP.observe(time.monotonic() - started)
        if failures:
            raise OutboxPublishError(f"{failures} outbox entries not acknowledged; will retry")
        return removed

    def _get_producer(self) -> Producer:
        if self._producer is None:
            self._producer = self._producer_factory()
        return self._producer

    def _scan(self) -> list[tuple[str, dict[str, Any]]]:
        found: list[tuple[str, dict[str, Any]]] = []
        collections = [document._get_collection() for document in self._documents]
        pending = self._pending_counts(collections)
        for collection in collections:
            if pending is not None:
                count = pending.get((collection.database.name, collection.name), 0)
                metrics.OUTBOX_BACKLOG.labels(collection.name).set(count)
                if count == 0:
                    continue  # nothing waiting: no read through FerretDB at all
            else:
                self._count_backlog(collection)
            cursor = collection.find(
                PENDING_FILTER,
                {"_id": 1, "tenant_id": 1, "outbox": 1, "revision": 1},
                comment=RELAY_COMMENT,
                limit=self._batch_size,
            )
            found.extend((collection.name, doc) for doc in cursor if doc.get("outbox"))
        return found

    def _pending_counts(
        self, collections: Sequence[Collection[Any]]
    ) -> dict[tuple[str, str], int] | None:
        """Every watched collection's pending documents, counted by the PostgreSQL behind
        FerretDB in one statement when configured (an idle pass then costs that one statement
        instead of a count and a find per collection through FerretDB); None otherwise."""
        reads = equality_reads()
        if reads is None:
            return None
        return reads.flagged_counts(
            [(c.database.name, c.name) for c in collections],
            "outbox_pending",
            limit=BACKLOG_COUNT_LIMIT,
        )

    def _count_backlog(self, collection: Collection[Any]) -> None:
        """Set the backlog gauge: every pass while the backlog is small, every few seconds
        while it is large (counting costs a read per pending document on FerretDB), and never
        past `BACKLOG_COUNT_LIMIT` (the gauge then says "at least that many")."""
        now = time.monotonic()
        last, due = self._backlog.get(collection.name, (0, 0.0))
        if last >= self._batch_size and now < due:
            return
        backlog = collection.count_documents(
            PENDING_FILTER, comment=RELAY_COMMENT, limit=BACKLOG_COUNT_LIMIT
        )
        self._backlog[collection.name] = (backlog, now + self._backlog_every_s)
        metrics.OUTBOX_BACKLOG.labels(collection.name).set(backlog)

    def _publish(self, producer: Producer, docs: list[tuple[str, dict[str, Any]]]) -> list[_Sent]:
        sent: list[_Sent] = []
        for collection, doc in docs:
            outbox = doc["outbox"]
            for entry in outbox:
                if entry["event_id"] in self._acked:
                    # Kafka acknowledged it in an earlier pass; only the removal is missing.
                    sent.append(_sent(collection, doc, entry, _Done()))
                    continue
                try:
                    future = producer.send(
                        entry["topic"],
                        value=entry["envelope"].encode(),
                        key=entry["key"].encode(),
                        headers=entry_headers(entry),
                    )
                except KafkaError as exc:
                    # send() itself failed (e.g. metadata timeout): later entries of this
                    # document must not overtake it, so stop this document here.
                    metrics.OUTBOX_PUBLISH_FAILURES.labels(entry["topic"], type(exc).__name__).inc()
                    log.warning("outbox send failed for %s: %r", entry["event_id"], exc)
                    sent.append(_sent(collection, doc, entry, _Failed(exc)))
                    break
                sent.append(_sent(collection, doc, entry, future))
        return sent

    def _collect_acks(self, sent: list[_Sent]) -> tuple[list[_Sent], int]:
        acked: list[_Sent] = []
        failures = 0
        blocked: set[tuple[str, Any]] = set()  # documents with an earlier failed entry
        for item in sent:
            doc_key = (item.collection, item.doc_id)
            try:
                item.future.get(timeout=self._ack_timeout_s)
            except Exception as exc:
                failures += 1
                blocked.add(doc_key)
                if not isinstance(item.future, _Failed):
                    metrics.OUTBOX_PUBLISH_FAILURES.labels(
                        item.entry["topic"], type(exc).__name__
                    ).inc()
                continue
            if doc_key in blocked:
                continue  # acknowledged, but an earlier entry failed: keep order, resend later
            acked.append(item)
            self._remember(item.entry["event_id"])
        return acked, failures

    def _remember(self, event_id: str) -> None:
        self._acked[event_id] = None
        self._acked.move_to_end(event_id)
        while len(self._acked) > _ACKED_MEMORY:
            self._acked.popitem(last=False)

    def _record_audit(self, acked: list[_Sent]) -> None:
        """Insert the audit records of the acknowledged entries (before their removal); a
        store error raises, so nothing is removed and the next pass audits them again."""
        recorded_at = datetime.now(UTC)
        databases = {
            doc._get_collection().name: doc._get_collection().database for doc in self._documents
        }
        # One insert per database and pass (a service's collections share one database).
        batches: dict[str, tuple[Database[Any], list[AuditRecord]]] = {}
        for item in acked:
            try:
                record = AuditRecord.of_entry(
                    item.entry, tenant_id=item.tenant_id, recorded_at=recorded_at
                )
            except (InvalidMessage, KeyError) as exc:
                # Never stored by the platform (PendingEvent writes canonical envelopes): a
                # hand-made entry is published for the consumers' DLQ, but has no record.
                log.error("outbox entry %s not audited: %r", item.entry.get("event_id"), exc)
                continue
            database = databases[item.collection]
            batches.setdefault(database.name, (database, []))[1].append(record)
        for database, records in batches.values():
            append(database, records)

    def _remove_published(self, acked: list[_Sent]) -> int:
        """Remove exactly the acknowledged entries from their documents; returns how many."""
        by_doc: dict[tuple[str, Any], list[_Sent]] = {}
        for item in acked:
            by_doc.setdefault((item.collection, item.doc_id), []).append(item)
        collections = {doc._get_collection().name: doc._get_collection() for doc in self._documents}
        removed = 0
        for name, collection in collections.items():
            docs = {doc_id: items for (coll, doc_id), items in by_doc.items() if coll == name}
            if docs:
                removed += self._remove_from(collection, docs)
        return removed

    def _remove_from(self, collection: Collection[Any], docs: dict[Any, list[_Sent]]) -> int:
        removed = 0
        leases = write_leases()
        with leases.try_hold_many(collection, docs) as held:
            ready = [doc_id for doc_id in docs if doc_id in held]
            # One update per document, a few in flight at once: each is a read and a write of
            # one document on FerretDB, and the server has more cores than one command uses.
            # Not bulk writes: a command holds one of FerretDB's pooled connections per
            # operation, and commands that together want more than the pool deadlock it.
            for doc_id, error in zip(
                ready,
                self._pool().map(lambda d: self._remove_one(collection, docs[d]), ready),
                strict=True,
            ):
                if error is not None:
                    raise error
                removed += self._removed(docs, [doc_id])
        # Documents being saved right now: wait for each in turn (a hot document would
        # otherwise never be free at the instant of the batch). One still busy keeps its
        # entries until the next pass; they are remembered as acknowledged, never resent.
        for doc_id in (doc_id for doc_id in docs if doc_id not in held):
            try:
                with leases.hold(collection, doc_id, wait_s=BUSY_WAIT_S):
                    self._remove_slowly(collection, docs[doc_id])
            except DocumentBusy:
                log.info("outbox of %s/%s busy; removal deferred", collection.name, doc_id)
                continue
            removed += self._removed(docs, [doc_id])
        return removed

    def _remove_one(self, collection: Collection[Any], items: list[_Sent]) -> Exception | None:
        """Remove one document's acknowledged entries, on a pool thread, under the lease the
        pass holds; returns the error instead of raising it (the pass decides)."""
        try:
            with write_leases().lend(collection, [items[0].doc_id]):
                where, update = _removal(items)
                result = collection.update_one(where, update, comment=RELAY_COMMENT)
                if result.matched_count == 0:
                    # A save moved the revision on since the scan.
                    self._remove_slowly(collection, items)
        except (PyMongoError, DocumentBusy) as exc:
            return exc
        return None

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(REMOVAL_THREADS, thread_name_prefix="relay-rm")
        return self._executor

    def _removed(self, docs: dict[Any, list[_Sent]], doc_ids: list[Any]) -> int:
        count = 0
        for doc_id in doc_ids:
            for item in docs[doc_id]:
                self._acked.pop(item.entry["event_id"], None)
                metrics.OUTBOX_PUBLISHED.labels(item.entry["topic"]).inc()
            count += len(docs[doc_id])
        return count

    def _remove_slowly(self, collection: Collection[Any], items: list[_Sent]) -> None:
        """Removal that does not depend on the revision read: pull, then clear the flag only
        where the outbox is empty (re-pulling removed entries is a no-op)."""
        where = {"_id": items[0].doc_id, "tenant_id": items[0].tenant_id}
        collection.update_one(
            where,
            {"$pullAll": {"outbox": [item.entry for item in items]}},
            comment=RELAY_COMMENT,
        )
        collection.update_one(
            {**where, "outbox": {"$size": 0}},
            {"$set": {"outbox_pending": False}},
            comment=RELAY_COMMENT,
        )


def _sent(collection: str, doc: dict[str, Any], entry: dict[str, Any], future: Any) -> _Sent:
    return _Sent(
        collection=collection,
        doc_id=doc["_id"],
        tenant_id=doc["tenant_id"],
        revision=doc.get("revision"),
        outbox_size=len(doc["outbox"]),
        entry=entry,
        future=future,
    )


def _removal(items: list[_Sent]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`$pullAll` of one document's acknowledged entries, if it is still at the revision read."""
    first = items[0]
    where: dict[str, Any] = {"_id": first.doc_id, "tenant_id": first.tenant_id}
    if first.revision is not None:
        where["revision"] = first.revision
    update = {
        "$pullAll": {"outbox": [item.entry for item in items]},
        "$set": {"outbox_pending": first.outbox_size > len(items)},
    }
    return where, update


class _Done:
    """A future that already succeeded (acknowledged by Kafka in an earlier pass)."""

    def get(self, timeout: float | None = None) -> Any:
        return None


class _Failed:
    """A future that already failed (send() raised before the producer queued the record)."""

    def __init__(self, error: BaseException) -> None:
        self._error = error

    def get(self, timeout: float | None = None) -> Any:
        raise self._error
