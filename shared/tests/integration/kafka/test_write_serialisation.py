"""No acknowledged write is lost: many writers on one document, with the relay running.

On FerretDB 1.x an update is read-change-write with no condition; without the write leases,
4 threads x 100 revision-checked saves ended at revision 135 instead of 401. Here 8 writers
(4 processes x 2 threads, so both the in-process queue and the store-level lease are
exercised) save one document 500 times each while a relay publishes and removes outbox
entries; afterwards the revision counts every successful save, the counter field too, and
Kafka holds every successful save's event exactly once and nothing else.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

import mongoengine as me
import pytest

from shared.errors import Conflict
from shared.kafka.outbox import OutboxRelay
from shared.kafka.producer import make_producer
from shared.mongo.connection import connect
from shared.mongo.documents import PendingEvent, TenantDocument
from shared.mongo.repository import ConcurrentUpdate, TenantRepository
from shared.tests.integration.kafka.helpers import division_created, read_all
from shared.tests.integration.stack import KAFKA_BOOTSTRAP, MONGO_DB, MONGO_URI, TopicFactory

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("mongo_db")]

TENANT = "t-serial"
PROCESSES = int(os.environ.get("GRIDGOV_SERIAL_PROCESSES", "4"))
THREADS = 2
SAVES = int(os.environ.get("GRIDGOV_SERIAL_SAVES", "500"))


class Counter(TenantDocument):
    code = me.StringField(required=True)
    n = me.IntField(required=True, default=0)
    meta: ClassVar[dict[str, Any]] = {
        "collection": "it_serial_counters",
        "indexes": [{"fields": ("tenant_id", "code"), "unique": True}],
    }


class Counters(TenantRepository[Counter]):
    document = Counter


def _save_many(doc_id: str, topic: str, saves: int) -> list[str]:
    """One writer: `saves` successful saves, each with one event; retries lost races."""
    repo = Counters(TENANT)
    done: list[str] = []
    while len(done) < saves:
        doc = repo.require(doc_id)
        doc.n += 1
        envelope = division_created(TENANT, doc_id)
        try:
            repo.save(doc, [PendingEvent(topic=topic, aggregate_id=doc_id, envelope=envelope)])
        except ConcurrentUpdate:
            continue
        done.append(envelope.event_id)
    return done


def _writer_process(database: str, doc_id: str, topic: str, saves: int, threads: int) -> list[str]:
    connect(MONGO_URI, database)  # the parent's: a spawned child draws its own RUN_ID
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(lambda _: _save_many(doc_id, topic, saves), range(threads)))
    return [event_id for result in results for event_id in result]


def _pending(doc_id: str) -> bool:
    doc = Counters(TENANT).require(doc_id)
    return bool(doc.outbox) or doc.outbox_pending


def test_eight_writers_and_the_relay_lose_nothing(make_topic: TopicFactory) -> None:
    topic = make_topic("serial", partitions=1)
    doc = Counters(TENANT).add(Counter(code=f"c-{time.time_ns()}"))
    doc_id = str(doc.pk)
    relay = OutboxRelay(
        documents=[Counter],
        producer_factory=lambda: make_producer(KAFKA_BOOTSTRAP, client_id="it-serial"),
        poll_interval_s=0.05,
    )
    relay_thread = threading.Thread(target=relay.run, daemon=True)
    relay_thread.start()
    try:
        spawn = multiprocessing.get_context("spawn")
        with spawn.Pool(PROCESSES) as pool:
            per_process = pool.starmap(
                _writer_process, [(MONGO_DB, doc_id, topic, SAVES, THREADS)] * PROCESSES
            )
        saved = [event_id for ids in per_process for event_id in ids]
        deadline = time.monotonic() + 60
        while _pending(doc_id) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        relay.stop()
        relay_thread.join(30)

    total = PROCESSES * THREADS * SAVES
    assert len(saved) == total
    final = Counters(TENANT).require(doc_id)
    assert final.revision == 1 + total
    assert final.n == total
    assert final.outbox == []
    assert final.outbox_pending is False
    records = read_all(topic, total, timeout_s=60)
    published = [dict(record.headers)["event_id"].decode() for record in records]
    assert len(published) == total, "every successful save's event, once, and nothing else"
    assert set(published) == set(saved)


def test_a_unique_violation_caused_by_an_update_is_a_conflict() -> None:
    repo = Counters(TENANT)
    suffix = time.time_ns()
    repo.add(Counter(code=f"a-{suffix}"))
    other = repo.add(Counter(code=f"b-{suffix}"))
    other.code = f"a-{suffix}"
    with pytest.raises(Conflict):
        repo.save(other)
    assert repo.require(other.pk).code == f"b-{suffix}"
