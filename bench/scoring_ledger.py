"""The metric ledger at issue 14's speed goals: rebuild from Kafka, and a period's facts.

* ``BENCH_LEDGER_FACTS`` (1,000,000) ledger facts' worth of intake messages in a throw-away
  topic of 6 partitions: a 500-grid tenant's events over four months of 2026, each reported
  (2 facts) and then closed (4 more), keyed ``tenant:event_id`` as event_intake keys them.
* The rebuild as ``python -m services.scoring.rebuild`` runs it (`TopicReader` reading from
  the beginning to the ends, every message checked against its contract, `LedgerReplay`
  deriving the entries and writing them to the collection not live, then the pointer swap),
  into a throw-away database with the ledger's indexes. Goal: >= 10,000 facts/s. Printed with
  the ratio of its time to a bare kafka-python consumer reading the same messages.
* The facts of one month from the rebuilt ledger (``facts_for``: the month's entries of the
  metrics the scheme reads, the registry read model of 500 grids and their workers, the
  manual inputs) for seed 004 (500 workers, the month's ~40,000 events), and then with the
  engine's evaluation: issue 14 wants a 500-grid tenant's month evaluated from the ledger in
  at most 5 s. Also seed 000 over the year (every event of the four months), for scale.

Run: ``python -m bench.scoring_ledger`` (``make bench`` runs it with the others); a quick
run: ``BENCH_LEDGER_FACTS=100000 python -m bench.scoring_ledger``.
"""

from __future__ import annotations

import io
import os
import random
import resource
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import mongoengine
from kafka import KafkaConsumer, KafkaProducer
from pymongo import MongoClient

from bench.baselines import BOOTSTRAP, MONGO_URI
from services.scoring.domain.engine import evaluate
from services.scoring.domain.workdays import period_of_label
from services.scoring.rebuild import TopicReader, replay_all
from services.scoring.templates import load_template
from services.scoring.use_cases.context import ScoringContext
from services.scoring.use_cases.facts import facts_for
from services.scoring.use_cases.rebuild import swap
from shared.events.envelope import Envelope
from shared.kafka.admin import create_topics, delete_topics
from shared.mongo.indexes import ensure_gin_indexes
from shared.registry import documents as registry_documents
from shared.registry.testing import seed_registry, square
from shared.runtime import connect_database, service_documents
from shared.settings import PlatformSettings, Secret

POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)
FACTS = int(os.environ.get("BENCH_LEDGER_FACTS", "1000000"))
GRIDS = 500
DIVISIONS = 20
PARTITIONS = 6
GOAL_FACTS_PER_S = 10_000
# The rebuild in one process, then in as many as the command would start here.
PROCESSES = tuple(
    dict.fromkeys(
        int(n)
        for n in os.environ.get("BENCH_LEDGER_PROCESSES", f"1,{min(os.cpu_count() or 1, 4)}").split(
            ","
        )
    )
)
GOAL_MONTH_S = 5.0
TENANT = "bench-ledger"
CATEGORIES = ("social_security", "public_safety", "comprehensive_enforcement", "dispute")
FACTS_PER_EVENT = (
    6  # reported, worker_reports_valid; then escalated, accepted/closed on time, closed
)
START = datetime(2026, 1, 1, tzinfo=UTC)
DAYS = 120  # January to April


def grid_of(index: int) -> tuple[str, str, str]:
    """(grid, division, worker) of grid number ``index``."""
    return f"g{index:04d}", f"d{index % DIVISIONS:02d}", f"w{index:04d}"


def event_messages(events: int) -> list[tuple[bytes, bytes]]:
    """(key, value) of every message: each event reported, then closed on time."""
    rng = random.Random(14)
    found: list[tuple[bytes, bytes]] = []
    for n in range(events):
        grid, division, _ = grid_of(rng.randrange(GRIDS))
        reported = START + timedelta(seconds=rng.randrange(DAYS * 86_400))
        event_id = f"e{n:07d}"
        state: dict[str, Any] = {
            "event_id": event_id,
            "grid_id": grid,
            "division_id": division,
            "category": CATEGORIES[n % len(CATEGORIES)],
            "source": "grid_app",
            "level": "grid",
            "state": "reported",
            "previous_state": None,
            "action": "report",
            "actor": "u-worker",
            "acting_as": "grid_worker",
            "department_id": None,
            "reported_at": reported,
            "accepted_at": None,
            "resolved_at": None,
            "closed_at": None,
            "acceptance_deadline": reported + timedelta(days=2),
            "closure_deadline": None,
            "accepted_on_time": None,
            "closed_on_time": None,
            "review_outcome": None,
            "unqualified_reason": None,
            "shirked": False,
            "late_report": False,
            "merged_into": None,
        }
        closed_at = reported + timedelta(hours=30)
        closed = {
            **state,
            "state": "closed",
            "previous_state": "resolved",
            "action": "close",
            "acting_as": "centre",
            "level": "town",
            "accepted_at": reported + timedelta(hours=2),
            "resolved_at": closed_at,
            "closed_at": closed_at,
            "closure_deadline": reported + timedelta(days=9),
            "accepted_on_time": True,
            "closed_on_time": True,
        }
        key = f"{TENANT}:{event_id}".encode()
        for type_, payload, at in (
            ("event.reported", state, reported),
            ("event.closed", closed, closed_at),
        ):
            envelope = Envelope.new(
                type=type_,
                version=1,
                tenant_id=TENANT,
                producer="event_intake",
                payload=payload,
                occurred_at=at,
            )
            found.append((key, envelope.to_bytes()))
    return found


def produce(topic: str, messages: list[tuple[bytes, bytes]]) -> float:
    producer = KafkaProducer(
        bootstrap_servers=BOOTSTRAP, acks=1, linger_ms=20, batch_size=512 * 1024
    )
    started = time.perf_counter()
    for key, value in messages:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()
    return time.perf_counter() - started


def bare_read(topic: str, expected: int) -> float:
    """A bare kafka-python consumer reading the same messages (no parsing, no store)."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=BOOTSTRAP,
        group_id=f"bench-ledger-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=5000,
    )
    seen = 0
    started = time.perf_counter()
    deadline = started + 300
    while seen < expected and time.perf_counter() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            seen += len(records)
    elapsed = time.perf_counter() - started
    consumer.close()
    return elapsed


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the replaying processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def rebuild(
    topic: str, settings: PlatformSettings, processes: int
) -> tuple[float, float, int, int]:
    """The rebuild as the command runs it, over the bench topic: (seconds, CPU seconds of the
    replay itself, not the store's, messages, facts)."""
    reader = TopicReader(BOOTSTRAP, [topic])
    cpu = _cpu_seconds()
    started = time.perf_counter()
    try:
        result = replay_all(
            reader.partitions,
            reader.ends(),
            None,
            processes=processes,
            settings=settings,
            out=io.StringIO(),
        )
        written = swap(result.rebuilt, now=datetime.now(UTC))
    finally:
        reader.close()
    elapsed = time.perf_counter() - started
    return elapsed, _cpu_seconds() - cpu, result.messages, sum(written.values())


def month_facts() -> None:
    ctx = ScoringContext(tenant_id=TENANT, actor="bench")
    seed_004 = load_template("seed_004_shanhu_street_full_time_worker")
    march = period_of_label("2026-03")
    assert march is not None
    rounds = []
    for _ in range(3):
        started = time.perf_counter()
        found = facts_for(ctx, seed_004, march)
        read = time.perf_counter() - started
        evaluation = evaluate(seed_004, found.facts)
        rounds.append((time.perf_counter() - started, read, evaluation))
    total, read, evaluation = min(rounds, key=lambda r: r[0])
    reports = sum(
        int(s.values.get("valid_info_reports", 0))  # type: ignore[call-overload]
        for s in found.facts.subjects
    )
    verdict = "ok" if total <= GOAL_MONTH_S else "MISSED"
    print(
        f"seed 004, March ({len(evaluation.sheets)} workers, {reports:,} events' facts): "
        f"facts_for {read:.2f} s + evaluate {total - read:.2f} s = {total:.2f} s "
        f"(goal <= {GOAL_MONTH_S:.0f} s: {verdict})"
    )
    seed_000 = load_template("seed_000_xueyan_town_2020")
    year = period_of_label("2026")
    assert year is not None
    started = time.perf_counter()
    found = facts_for(ctx, seed_000, year)
    read = time.perf_counter() - started
    evaluate(seed_000, found.facts)
    total = time.perf_counter() - started
    events = sum(int(s.values["events_total"]) for s in found.facts.subjects)  # type: ignore[call-overload]
    print(
        f"seed 000, the year ({len(found.facts.subjects)} villages, {events:,} events): "
        f"facts_for {read:.2f} s, with evaluate {total:.2f} s"
    )


def measure(settings: PlatformSettings) -> None:
    events = max(1, FACTS // FACTS_PER_EVENT)
    seed_registry(
        TENANT,
        grids=[
            (grid, division, grid.upper(), square(120.0 + i * 0.01, 31.7), date(2025, 1, 1))
            for i, (grid, division, _) in enumerate(map(grid_of, range(GRIDS)))
        ],
        teams={
            grid: [(worker, "full_time_worker", date(2025, 1, 1), None)]
            for grid, _, worker in map(grid_of, range(GRIDS))
        },
        now=datetime(2025, 1, 1, tzinfo=UTC),
    )
    topic = f"bench.scoring.ledger.{uuid.uuid4().hex[:8]}"
    create_topics(BOOTSTRAP, {topic: {"num_partitions": PARTITIONS, "replication_factor": 1}})
    try:
        messages = event_messages(events)
        produced = produce(topic, messages)
        print(
            f"{len(messages):,} messages ({events:,} events, {events * FACTS_PER_EVENT:,} facts) "
            f"in {PARTITIONS} partitions, produced in {produced:.1f} s"
        )
        bare = bare_read(topic, len(messages))
        print(f"raw: bare kafka-python consumer: {bare:.1f} s ({len(messages) / bare:,.0f} msg/s)")
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        for processes in PROCESSES:
            seconds, cpu, read, facts = rebuild(topic, settings, processes)
            rate = facts / seconds
            verdict = "ok" if rate >= GOAL_FACTS_PER_S else "MISSED"
            print(
                f"rebuild, {processes} process(es): {read:,} messages, {facts:,} facts in "
                f"{seconds:.1f} s = {rate:,.0f} facts/s (goal >= {GOAL_FACTS_PER_S:,}: "
                f"{verdict}); {seconds / bare:.1f}x the bare read; the replay's own CPU "
                f"{cpu:.1f} s = {facts / cpu:,.0f} facts per CPU-second"
            )
        month_facts()
    finally:
        delete_topics(BOOTSTRAP, [topic])


def main() -> None:
    run = uuid.uuid4().hex[:8]
    database_name = f"bench_ledger_{run}"
    client: MongoClient[dict[str, Any]] = MongoClient(MONGO_URI)
    ferret = "ferretdbVersion" in client.admin.command("buildInfo")
    postgres = POSTGRES_URL if ferret else None
    print(f"throw-away database {database_name}, topic of {PARTITIONS} partitions")
    settings = PlatformSettings.from_env(
        service="scoring",
        mongo_db=database_name,
        mongo_postgres_url=None if postgres is None else Secret(postgres),
    )
    connect_database(settings)  # also the PostgreSQL bulk reads and the write leases
    documents = [*service_documents("scoring"), *registry_documents.DOCUMENTS]
    for document in documents:
        document._collection = None  # cached per class: point them at this run's database
    try:
        if postgres is not None:
            ensure_gin_indexes(postgres, client[database_name], documents)
        measure(settings)
    finally:
        client.drop_database(database_name)
        client.close()
        mongoengine.disconnect()


if __name__ == "__main__":
    main()
