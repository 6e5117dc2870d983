"""The store at 100,000 documents: our paths against bare pymongo/kafka-python, in one run.

On a collection of ``BENCH_STORE_DOCUMENTS`` (100,000) documents of 5 tenants, each measure is
taken twice, through the platform and bare, and printed with its ratio:

* point read by id within a tenant: ``TenantRepository.get`` vs. ``find_one({_id, tenant_id})``
  (p50/p95 over ``BENCH_STORE_READS`` random ids; goal p95 < 3 ms);
* one list page (50, newest first, with the total) of a tenant whose equality filter matches
  2,000 documents: ``TenantRepository.list`` vs. ``count_documents`` + ``find().sort().limit()``
  (goal p95 < 100 ms);
* relay throughput, one event per document (``BENCH_STORE_EVENTS`` documents added with their
  event): ``OutboxRelay`` (publish, acks, audit record, removal under leases) vs. the bare
  idempotent producer sending the same envelopes (goal >= 500 events/s); and the relay with its
  audit trail against the relay without (``audit=False``), best of ``BENCH_STORE_ROUNDS`` rounds
  each, alternating (goal >= 0.8);
* saves per second on distinct documents: ``TenantRepository.save`` (revision check, outbox,
  write lease on FerretDB) vs. a bare ``update_one`` of the same fields.

On FerretDB over PostgreSQL the GIN indexes are created first (``GRIDGOV_MONGO_POSTGRES_URL``),
as a service's worker does, and list pages are counted and ordered by PostgreSQL
(``shared.mongo.pg_reads``), as in a service. Everything lives in a throw-away database and
topic.

Run: ``python -m bench.store`` (``make bench`` runs it after the baselines).
"""

from __future__ import annotations

import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

import mongoengine as me
from pymongo import MongoClient

from bench.baselines import MONGO_URI
from bench.platform_paths import drain
from shared.audit import AuditRecordDocument
from shared.events.envelope import Envelope
from shared.kafka import make_producer
from shared.kafka.admin import create_topics, delete_topics
from shared.mongo import PendingEvent, TenantDocument, TenantRepository, connect
from shared.mongo.indexes import ensure_gin_indexes
from shared.mongo.leases import write_leases
from shared.mongo.pg_reads import configure_equality_reads

BOOTSTRAP = os.environ.get("GRIDGOV_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)
DOCUMENTS = int(os.environ.get("BENCH_STORE_DOCUMENTS", "100000"))
READS = int(os.environ.get("BENCH_STORE_READS", "500"))
PAGES = int(os.environ.get("BENCH_STORE_PAGES", "30"))
EVENTS = int(os.environ.get("BENCH_STORE_EVENTS", "5000"))
SAVES = int(os.environ.get("BENCH_STORE_SAVES", "1000"))
ROUNDS = int(os.environ.get("BENCH_STORE_ROUNDS", "3"))
TENANTS = 5
# 10 statuses per tenant: an equality on (tenant, status) matches DOCUMENTS / 50 = 2,000.
STATUSES = 10


class BenchCase(TenantDocument):
    """A case-like document: a few scalars and a text, as event intake will store."""

    code = me.StringField(required=True)
    status = me.StringField(required=True)
    title = me.StringField(required=True)
    note = me.StringField()
    meta: ClassVar[dict[str, Any]] = {
        "collection": "bench_cases",
        "indexes": [("tenant_id", "status"), {"fields": ("tenant_id", "code"), "unique": True}],
    }


class BenchCases(TenantRepository[BenchCase]):
    document = BenchCase


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000


def _timed(calls: list[Callable[[], object]]) -> list[float]:
    samples = []
    for call in calls:
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def _row(name: str, ours: list[float], bare: list[float], goal: str) -> None:
    ours50, ours95 = _percentiles(ours)
    bare50, bare95 = _percentiles(bare)
    print(
        f"{name:<34} {ours50:>8.2f} {ours95:>8.2f} {bare50:>8.2f} {bare95:>8.2f} "
        f"{ours95 / bare95:>6.2f}  {goal}"
    )


def _rate(name: str, ours: float, bare: float, goal: str) -> None:
    print(f"{name:<34} {ours:>12,.0f}/s {bare:>12,.0f}/s {ours / bare:>6.2f}  {goal}")


def _fill(collection: Any) -> None:
    text = "村民反映路灯损坏，需要维修。" * 4
    batch: list[dict[str, Any]] = []
    for i in range(DOCUMENTS):
        batch.append(
            {
                "tenant_id": f"bench-t{i % TENANTS}",
                "code": f"C{i:06d}",
                "status": f"s{(i // TENANTS) % STATUSES}",
                "title": f"事项 {i}",
                "note": text,
                "revision": 1,
                "outbox": [],
                "outbox_pending": False,
            }
        )
        if len(batch) == 1000:
            collection.insert_many(batch, ordered=False)
            batch = []
    if batch:
        collection.insert_many(batch, ordered=False)


def _get(tenant: str, doc_id: Any) -> BenchCase | None:
    return BenchCases(tenant).get(doc_id)


def _page(tenant: str, status: str) -> object:
    return BenchCases(tenant).list(offset=0, limit=50, status=status)


def point_reads(collection: Any, ids: list[tuple[str, Any]]) -> None:
    picks = random.sample(ids, min(READS, len(ids)))
    ours = _timed([partial(_get, t, i) for t, i in picks])
    bare = _timed([partial(collection.find_one, {"_id": i, "tenant_id": t}) for t, i in picks])
    _row("point read by id in a tenant", ours, bare, "goal p95 < 3 ms")


def list_pages(collection: Any) -> None:
    picks = [
        (f"bench-t{random.randrange(TENANTS)}", f"s{random.randrange(STATUSES)}")
        for _ in range(PAGES)
    ]
    matched = collection.count_documents({"tenant_id": picks[0][0], "status": picks[0][1]})

    def bare(tenant: str, status: str) -> None:
        where = {"tenant_id": tenant, "status": status}
        collection.count_documents(where)
        list(collection.find(where).sort("_id", -1).limit(50))

    ours = _timed([partial(_page, t, s) for t, s in picks])
    bares = _timed([partial(bare, t, s) for t, s in picks])
    _row(f"list page of {matched:,} matching", ours, bares, "goal p95 < 100 ms")


def _envelope(tenant: str, i: int) -> Envelope:
    return Envelope.new(
        type="bench.case.opened",
        version=1,
        tenant_id=tenant,
        producer="bench",
        payload={"n": i, "pad": "x" * 120},
    )


def _relayed(topic: str, round_: int, *, audit: bool) -> tuple[int, float]:
    """Add `EVENTS` documents with one event each, relay them all: (events, events/s)."""
    tenants = [f"bench-t{i % TENANTS}" for i in range(EVENTS)]
    for i, tenant in enumerate(tenants):
        code = f"E{round_}{int(audit)}-{i:06d}"
        doc = BenchCase(code=code, status="new", title=f"事项 {code}")
        BenchCases(tenant).add(doc, [PendingEvent(topic, code, _envelope(tenant, i))])
    published, seconds = drain([BenchCase], EVENTS, "bench-store-relay", audit=audit)
    return published, published / seconds


def relay_throughput(topic: str) -> None:
    tenants = [f"bench-t{i % TENANTS}" for i in range(EVENTS)]
    rates: dict[bool, list[float]] = {True: [], False: []}
    published = 0
    for round_ in range(ROUNDS):
        for audit in (False, True):
            published, rate = _relayed(topic, round_, audit=audit)
            rates[audit].append(rate)
    ours, unaudited = max(rates[True]), max(rates[False])

    producer = make_producer(BOOTSTRAP, client_id="bench-store-bare")
    envelopes = [_envelope(tenant, i).to_bytes() for i, tenant in enumerate(tenants)]
    started = time.perf_counter()
    for i, value in enumerate(envelopes):
        producer.send(topic, key=f"{tenants[i]}:E{i}".encode(), value=value)
    producer.flush()
    bare = EVENTS / (time.perf_counter() - started)
    producer.close()
    _rate(f"relay, {published:,} events", ours, bare, "goal >= 500 events/s")
    _rate("relay with audit / without", ours, unaudited, "goal >= 0.8")


def saves(collection: Any, ids: list[tuple[str, Any]]) -> None:
    picks = random.sample(ids, min(2 * SAVES, len(ids)))
    loaded = [doc for t, i in picks[:SAVES] if (doc := BenchCases(t).get(i)) is not None]
    started = time.perf_counter()
    for doc in loaded:
        doc.title = f"{doc.title}."
        BenchCases(doc.tenant_id).save(doc)
    ours = len(loaded) / (time.perf_counter() - started)
    started = time.perf_counter()
    for tenant, doc_id in picks[SAVES:]:
        collection.update_one(
            {"_id": doc_id, "tenant_id": tenant},
            {"$set": {"title": "t."}, "$inc": {"revision": 1}},
        )
    bare = (len(picks) - SAVES) / (time.perf_counter() - started)
    leases = "on" if write_leases().enabled_for(collection.database) else "off"
    _rate(f"saves, distinct docs (leases {leases})", ours, bare, "ratio to bare update_one")


def main() -> None:
    run = uuid.uuid4().hex[:8]
    database = f"bench_store_{run}"
    topic = f"bench.store.{run}"
    create_topics(BOOTSTRAP, {topic: {"num_partitions": 3, "replication_factor": 1}})
    connect(MONGO_URI, database)
    BenchCase._collection = None
    collection = BenchCase._get_collection()
    client: MongoClient[dict[str, Any]] = MongoClient(MONGO_URI)
    try:
        started = time.perf_counter()
        _fill(collection)
        filled = time.perf_counter() - started
        indexed = 0.0
        if "ferretdbVersion" in client.admin.command("buildInfo"):
            started = time.perf_counter()
            # The audit trail's indexes too: the relay pays for them as in a service.
            ensure_gin_indexes(POSTGRES_URL, collection.database, [BenchCase, AuditRecordDocument])
            indexed = time.perf_counter() - started
            configure_equality_reads(POSTGRES_URL)  # as runtime.connect_database does
        print(
            f"{DOCUMENTS:,} documents of {TENANTS} tenants: inserted in {filled:.1f} s, "
            f"GIN indexes in {indexed:.1f} s"
        )
        ids = [(d["tenant_id"], d["_id"]) for d in collection.find({}, {"tenant_id": 1})]
        print(
            f"{'path':<34} {'ours p50':>8} {'p95 ms':>8} {'bare p50':>8} {'p95 ms':>8} {'ratio':>6}"
        )
        point_reads(collection, ids)
        list_pages(collection)
        relay_throughput(topic)
        saves(collection, ids)
    finally:
        client.drop_database(database)
        client.close()
        delete_topics(BOOTSTRAP, [topic])


if __name__ == "__main__":
    main()
