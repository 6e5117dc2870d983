"""kill -9 of FerretDB, then of PostgreSQL, under a write load: nothing acknowledged is lost,
no update is lost, and every applied save's event is on Kafka exactly once.

Writers save a few hot documents through `TenantRepository` (revision check, outbox, write
lease) while an `OutboxRelay` publishes; the store is killed twice and restarted by the stack's
own script. A save that raised may or may not have been applied (the connection died with it);
one that returned must be there. Each save also increments a counter, so after the dust
settles `n == revision - 1` proves no applied update overwrote another, and the topic must
hold exactly `n` distinct events for the document, none twice.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import mongoengine as me
import psycopg
import pytest
from pymongo.errors import PyMongoError

from shared.errors import DependencyUnavailable
from shared.kafka.outbox import OutboxRelay
from shared.kafka.producer import make_producer
from shared.mongo.connection import connect
from shared.mongo.documents import PendingEvent, TenantDocument
from shared.mongo.leases import LeasePolicy, configure_write_leases
from shared.mongo.repository import ConcurrentUpdate, TenantRepository
from shared.tests.integration.kafka.helpers import division_created, read_all
from shared.tests.integration.stack import (
    KAFKA_BOOTSTRAP,
    MONGO_URI,
    TopicFactory,
    kafka_bootstrap,
    make_topic,
    mongo_db,
)
from tests.conftest import ROOT, stack

pytestmark = pytest.mark.e2e

TENANT = "t-crash-store"
DOCUMENTS = 4
WRITERS = 4
INFRA = ROOT / os.environ.get("GRIDGOV_INFRA_DIR", ".infra")
POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)


class Tally(TenantDocument):
    code = me.StringField(required=True)
    n = me.IntField(required=True, default=0)
    meta: ClassVar[dict[str, Any]] = {"collection": "it_crash_tallies"}


class Tallies(TenantRepository[Tally]):
    document = Tally


__all__ = ["kafka_bootstrap", "make_topic", "mongo_db"]  # fixtures of the shared suite


@pytest.fixture
def store(mongo_db: str) -> Iterator[None]:
    # The services' suites re-register the default alias for their own databases meanwhile.
    connect(MONGO_URI, mongo_db)
    # Short leases: a lease left behind by a write the crash interrupted expires in seconds.
    configure_write_leases(LeasePolicy(ttl_s=3.0, wait_s=2.0))
    yield
    configure_write_leases(LeasePolicy())
    stack("up", "postgres", "ferretdb")


def _postgres_data() -> Path:
    """The running cluster's folder (inside .infra, or outside when the clone is closed to
    the postgres user: deploy/local/components/postgres.sh)."""
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        row = conn.execute("SHOW data_directory").fetchone()
    assert row is not None
    return Path(str(row[0]))


def _kill(pid_file: Any) -> None:
    pid = int(pid_file.read_text().split()[0])
    os.kill(pid, signal.SIGKILL)


def test_kill_9_of_ferretdb_and_postgresql_loses_nothing(
    store: None, make_topic: TopicFactory
) -> None:
    topic = make_topic("crash", partitions=1)
    ids = [
        str(Tallies(TENANT).add(Tally(code=f"k{i}-{time.time_ns()}")).pk) for i in range(DOCUMENTS)
    ]
    acknowledged: dict[str, list[str]] = {doc_id: [] for doc_id in ids}
    lock = threading.Lock()
    stop = threading.Event()

    def writer(index: int) -> None:
        repo = Tallies(TENANT)
        doc_id = ids[index % DOCUMENTS]
        while not stop.is_set():
            try:
                doc = repo.require(doc_id)
                doc.n += 1
                envelope = division_created(TENANT, doc_id)
                event = PendingEvent(topic=topic, aggregate_id=doc_id, envelope=envelope)
                repo.save(doc, [event])
            except (ConcurrentUpdate, PyMongoError, DependencyUnavailable):
                time.sleep(0.05)
                continue
            with lock:
                acknowledged[doc_id].append(envelope.event_id)

    relay = OutboxRelay(
        documents=[Tally],
        producer_factory=lambda: make_producer(KAFKA_BOOTSTRAP, client_id="it-crash"),
        poll_interval_s=0.05,
        backoff_max_s=2.0,
    )
    threads = [threading.Thread(target=relay.run, daemon=True)]
    threads += [threading.Thread(target=writer, args=(i,), daemon=True) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(3)
        _kill(INFRA / "run" / "ferretdb.pid")
        time.sleep(1)
        stack("up", "ferretdb")
        time.sleep(3)
        _kill(_postgres_data() / "postmaster.pid")
        time.sleep(1)
        stack("up", "postgres")
        time.sleep(4)
        stop.set()
        for thread in threads[1:]:
            thread.join(30)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            docs = [Tallies(TENANT).require(doc_id) for doc_id in ids]
            if not any(doc.outbox_pending or doc.outbox for doc in docs):
                break
            time.sleep(0.5)
    finally:
        stop.set()
        relay.stop()
        for thread in threads:
            thread.join(30)

    applied = 0
    for doc in docs:
        assert doc.n == doc.revision - 1, "an applied update was overwritten by another"
        assert doc.n >= len(acknowledged[str(doc.pk)]), "an acknowledged save is missing"
        assert doc.outbox == []
        applied += doc.n
    assert sum(len(events) for events in acknowledged.values()) > 0
    acked = sum(len(events) for events in acknowledged.values())
    print(f"saves acknowledged {acked}, applied {applied}")  # shown with -s
    records = read_all(topic, applied, timeout_s=60)
    published = [dict(record.headers)["event_id"].decode() for record in records]
    assert len(published) == len(set(published)), "an event was published twice"
    assert len(published) == applied, "every applied save's event, and nothing else"
    assert {e for events in acknowledged.values() for e in events} <= set(published)
