"""Patrol tracking (巡查轨迹) at issue 12's speed and memory goals, each against a raw baseline.

* Ingestion end to end: the patrol_tracking API in process (request schema, token check with
  the revocation look-up, the ingestion rate limit, `receive_points`, the Kafka producer
  waiting for acks=all) on a seeded registry of ``BENCH_PATROL_GRIDS`` (300) grids with one
  full-time grid worker (专职网格员) each. Every worker walks a circle inside his grid at
  walking pace (a fix every 10 s or, when today's hours in Shanghai are too few for the run,
  less) and uploads batches of 50 (`POST /points`); his batches follow each other, so his
  stream stays in time order. Its point stream sends to a throw-away topic, and a
  `ConsumerRunner` with the service's `BatchRoute` (`handlers.uploads_received`, chunks of
  500 uploads and 25,000 fixes at most) runs in a process of its own, as the service's
  worker does: points stored, then folded into each worker-day.
  - Latency: ``BENCH_PATROL_LATENCY_RATE`` (2,000) points/s = 40 requests/s for
    ``BENCH_PATROL_LATENCY_SECONDS`` (60) on an open-loop schedule from
    ``BENCH_PATROL_THREADS`` (8) threads: each request starts at its scheduled instant (or as
    soon as a thread is free) and its latency counts from that instant, so a stall shows in
    every request it delayed (no coordinated omission). Goal: API p99 < 50 ms.
  - Sustained: ``BENCH_PATROL_RATE`` (4,400) points/s, the same way, for
    ``BENCH_PATROL_SECONDS`` (60; the issue asks for 10 minutes: set 600). It offers more than
    the goal, since what it proves is what comes out: points/s from the first request to the
    last point stored and folded. Goal: >= 4,000 points/s end to end for 600 s.
  - Burst: the same, unthrottled, for ``BENCH_PATROL_BURST_SECONDS`` (half the sustained run,
    10 to 60 s): the end-to-end ceiling. Goal: >= 4,000 points/s.
  - Ratios: end to end against the bare kafka-python producer (``baselines.json``: 200-byte
    messages) and against the same upload messages produced raw (points/s).
  - Nothing lost, nothing twice: the stored points equal the accepted ones, and every
    worker-day's ``points_accepted`` equals what the API accepted for him.
* Backlog: with the consumer stopped, ``BENCH_PATROL_BACKLOG_SECONDS`` (as long as the
  sustained run; the issue's is 600) worth of uploads at the ingest rate (the latency run's,
  2,000 points/s) go to the topic; a new consumer drains it. Goal: >= 3x the ingest rate.
* Cut-off: ``BENCH_PATROL_WORKERS`` (2,000) full-time workers of one tenant, one grid each,
  half of them with a patrol day (two uploads folded); `finalise_day` of that Wednesday with
  the clock after the cut-off. Goal: <= 30 s. Ratio: a bare pymongo ``insert_many`` of as many
  documents of the same size (the stored days).
* Memory: the consumer process's RSS (VmRSS; the worker's goal) sampled every 0.5 s over the
  latency run, the sustained run and the burst, and the API process's to the backlog's end:
  start, max, end and the growth, the RSS at the end of each phase and at every tenth of the
  span (a plateau or a climb). Goal: the worker flat within 10% over 30 minutes at a steady
  load: each minute's median RSS within 10% of every other's (a chunk's fixes make it saw
  up and down within a minute), judged from the sustained run's sixth minute to its end
  (``BENCH_PATROL_SECONDS`` of 2100 covers 30 minutes; the measured span is printed). The
  consumer's allocator is tuned as the worker's is (`shared.allocator`);
  ``BENCH_PATROL_ALLOCATOR=glibc`` leaves glibc's defaults, for comparison;
  ``BENCH_PATROL_TRACEMALLOC_FROM_S`` (seconds into the consumer's life) prints where its
  Python objects grew from then to its end (slower: that run measures nothing else).

The API's threads and the consumer are two processes, as in production; both share the
machine's two cores with FerretDB, PostgreSQL and Kafka.

Everything lives in a throw-away database and topics, dropped at the end (also on failure);
no demo tenant is touched.

Run: ``python -m bench.patrol`` after ``python -m bench.baselines`` (``make bench`` runs
both); a quick run: ``BENCH_PATROL_SECONDS=15 BENCH_PATROL_WORKERS=300 python -m
bench.patrol``; one part only: ``BENCH_PATROL_ONLY=cut_off`` (or ``ingestion``).
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import mongoengine
import psycopg
from flask import Flask
from kafka import KafkaProducer
from psycopg import sql
from psycopg.types.json import Jsonb
from pymongo import MongoClient
from pymongo.database import Database

from bench.baselines import MONGO_URI, RESULTS
from services.patrol_tracking import consumers, handlers
from services.patrol_tracking.bootstrap import BLUEPRINTS
from services.patrol_tracking.documents.patrol_days import PatrolDayDocument
from services.patrol_tracking.domain import intake
from services.patrol_tracking.domain.compliance import VerdictStatus
from services.patrol_tracking.domain.intake import SHANGHAI, patrol_day
from services.patrol_tracking.domain.points import Point, Provider
from services.patrol_tracking.domain.settings import PatrolSettings
from services.patrol_tracking.repository.patrol_days import DayFilter
from services.patrol_tracking.repository.stream import KafkaPointStream, configure_point_stream
from services.patrol_tracking.use_cases import patrol_days
from services.patrol_tracking.use_cases.context import PatrolContext
from services.patrol_tracking.use_cases.points import store_deliveries
from shared import access, allocator
from shared.access.documents import AccountStateDocument
from shared.audit import AuditRecordDocument
from shared.events.contracts import validate_envelope
from shared.events.envelope import Envelope
from shared.events.topics import Topic, dlq_name
from shared.http import create_app
from shared.kafka import (
    BatchRoute,
    ConsumerRunner,
    Delivery,
    Rejected,
    make_consumer,
    make_producer,
)
from shared.kafka.admin import create_topics, delete_topics
from shared.kafka.direct import DirectMessage
from shared.mongo import tenant_documents
from shared.mongo.indexes import collection_tables, ensure_gin_indexes
from shared.registry import documents as registry_documents
from shared.registry.testing import seed_registry, square
from shared.runtime import connect_database, service_documents
from shared.settings import PlatformSettings, Secret
from shared.testing.tokens import LocalIssuer

BOOTSTRAP = os.environ.get("GRIDGOV_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)
# The API's latency goal is stated at 2,000 points/s; the throughput goal is 4,000 points/s
# end to end, so the sustained run offers more than that (what it reaches is what it proves).
LATENCY_RATE = float(os.environ.get("BENCH_PATROL_LATENCY_RATE", "2000"))
LATENCY_SECONDS = float(os.environ.get("BENCH_PATROL_LATENCY_SECONDS", "60"))
RATE = float(os.environ.get("BENCH_PATROL_RATE", "4400"))  # points/s offered, sustained
SECONDS = float(os.environ.get("BENCH_PATROL_SECONDS", "60"))
BURST_SECONDS = float(
    os.environ.get("BENCH_PATROL_BURST_SECONDS", str(min(60.0, max(10.0, SECONDS / 2))))
)
BACKLOG_SECONDS = float(os.environ.get("BENCH_PATROL_BACKLOG_SECONDS", str(SECONDS)))
WORKERS = int(os.environ.get("BENCH_PATROL_WORKERS", "2000"))  # at the cut-off
# One part only: "ingestion" (sustained, burst, backlog, memory) or "cut_off"; empty: both.
ONLY = os.environ.get("BENCH_PATROL_ONLY", "")
GRIDS = int(os.environ.get("BENCH_PATROL_GRIDS", "300"))  # one uploading worker each
THREADS = int(os.environ.get("BENCH_PATROL_THREADS", "8"))

BATCH = 50  # points per request, as the goal states it
PARTITIONS = 12  # as gridgov.patrol.points (shared/events/topics.py)
MAX_CHUNK = consumers.UPLOADS_PER_CHUNK  # uploads of one chunk, as the service's route
WALK_MPS = 1.3  # walking pace
FIX_EVERY_S = 10.0  # a phone's fix interval at most; less when today's hours are few
MIN_FIX_EVERY_S = 1.0  # a 1 Hz GPS: below that the timeline would not fit a real phone
# Points/s a burst may reach at most (its share of each worker's timeline): far above what
# one process on this machine sends; a burst that used it all ends early.
BURST_CEILING = 10_000
BEHIND_S = 30.0  # a request this late to start is not sent (the goal is missed anyway)
RAW_MESSAGES = 2_000  # upload messages the bare producer sends
DRAIN_TIMEOUT_S = 600.0
RSS_EVERY_S = 0.5
# The worker's memory goal is judged at a steady load: from this long into the sustained run
# to its end. The consumer's working set grows with its chunks until they reach their full
# size (500 uploads, 25,000 fixes): its RSS climbs for 1 to 5 minutes and then holds (154,
# 179, 177, 180, 185, 186, 189, 181, 188, 191, 177 MiB at every tenth of a 35-minute run), so
# a climb after this is growth, one before it is the chunks filling up.
STEADY_AFTER_S = 300.0
TEAM_FROM = date(2026, 1, 1)
# The cut-off's day: a plain Wednesday (no week or month totals, a workday in the calendar).
CUT_OFF_DAY = date(2026, 5, 20)
GOAL_API_P99_MS = 50.0
GOAL_POINTS_PER_S = 4_000.0
GOAL_SUSTAINED_S = 600.0
GOAL_BACKLOG_FACTOR = 3.0
GOAL_CUT_OFF_S = 30.0
GOAL_RSS_GROWTH = 0.10
GOAL_RSS_SPAN_S = 1800.0


# --- figures ------------------------------------------------------------------------------


def _ms(samples: Sequence[float], share: float) -> float:
    """The `share` quantile of `samples` (seconds) in milliseconds."""
    if not samples:
        return float("nan")
    if len(samples) == 1:
        return samples[0] * 1000
    cuts = statistics.quantiles(samples, n=1000, method="inclusive")
    return cuts[round(share * 1000) - 1] * 1000


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _baselines() -> dict[str, Any]:
    if not RESULTS.exists():
        raise SystemExit(f"no baselines at {RESULTS}: run `python -m bench.baselines` first")
    found: dict[str, Any] = json.loads(RESULTS.read_text())
    return found


@dataclass(frozen=True)
class Row:
    """One line of the closing table."""

    measure: str
    figure: str
    goal: str
    ratio: str
    verdict: str


class Memory:
    """A process's resident set (VmRSS), sampled in a thread while `running`: this one's
    (the API's) or, given its pid, the consumer's."""

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid
        self.samples: list[tuple[float, int]] = []
        self.marks: list[tuple[str, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="bench-rss", daemon=True)

    def rss_kib(self) -> int:
        status_file = "/proc/self/status" if self.pid is None else f"/proc/{self.pid}/status"
        try:
            with open(status_file, encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except FileNotFoundError:
            pass
        # Not Linux: the peak is the best the platform tells (KiB on Linux, bytes on macOS).
        who = resource.RUSAGE_SELF if self.pid is None else resource.RUSAGE_CHILDREN
        return int(resource.getrusage(who).ru_maxrss)

    def start(self) -> None:
        self.samples.append((time.perf_counter(), self.rss_kib()))
        self._thread.start()

    def mark(self, phase: str) -> None:
        self.marks.append((phase, self.rss_kib()))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.perf_counter(), self.rss_kib()))

    def _sample(self) -> None:
        while not self._stop.wait(RSS_EVERY_S):
            self.samples.append((time.perf_counter(), self.rss_kib()))


# --- the phones ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Walker:
    """A grid worker circling inside his grid: (lon, lat) of its centre, the circle's radius."""

    worker_id: str
    lon: float
    lat: float
    radius_m: float


class Phones:
    """The simulated workers' uploads: batch ``k`` is worker ``k % len(walkers)``'s
    ``k // len(walkers)``-th batch of `BATCH` fixes, ``step_s`` apart from ``start``."""

    def __init__(self, walkers: Sequence[Walker], start: datetime, step_s: float) -> None:
        self.walkers = walkers
        self.start = start
        self.step_s = step_s

    def worker_of(self, k: int) -> int:
        return k % len(self.walkers)

    def fixes(self, k: int) -> list[Point]:
        walker = self.walkers[self.worker_of(k)]
        first = (k // len(self.walkers)) * BATCH
        step_m = WALK_MPS * self.step_s
        points = []
        for n in range(first, first + BATCH):
            angle = n * step_m / walker.radius_m
            north_m, east_m = walker.radius_m * math.sin(angle), walker.radius_m * math.cos(angle)
            lat = walker.lat + north_m / 111_320
            lon = walker.lon + east_m / (111_320 * math.cos(math.radians(walker.lat)))
            points.append(
                Point(
                    point_id=f"p{n:07d}",
                    at=self.start + timedelta(seconds=n * self.step_s),
                    lat=round(lat, 7),
                    lon=round(lon, 7),
                    accuracy_m=8.0 + n % 7,
                    provider=Provider.GPS,
                    speed_mps=WALK_MPS,
                    bearing_deg=round(math.degrees(angle + math.pi / 2) % 360, 1),
                    battery_pct=max(5, 95 - n // 200),
                )
            )
        return points

    def body(self, k: int) -> dict[str, Any]:
        """The JSON of `POST /points` for batch ``k``, times as a phone in China writes them."""
        return {
            "points": [
                {
                    "point_id": p.point_id,
                    "at": p.at.astimezone(SHANGHAI).isoformat(),
                    "lat": p.lat,
                    "lon": p.lon,
                    "accuracy_m": p.accuracy_m,
                    "provider": p.provider.value,
                    "speed_mps": p.speed_mps,
                    "bearing_deg": p.bearing_deg,
                    "battery_pct": p.battery_pct,
                }
                for p in self.fixes(k)
            ]
        }

    def message(self, tenant_id: str, k: int, now: datetime) -> DirectMessage:
        """Batch ``k`` as the API would publish it (checked by the domain, same envelope)."""
        worker_id = self.walkers[self.worker_of(k)].worker_id
        event = intake.receive_points(
            tenant_id=tenant_id,
            worker_id=worker_id,
            points=self.fixes(k),
            rules=PatrolSettings(tenant_id=tenant_id).ingest,
            now=now,
        )
        origin = PatrolContext(tenant_id=tenant_id, actor=worker_id).origin
        return DirectMessage.of(event, tenant_id=tenant_id, origin=origin)


def _timeline(batches: int, walkers: int) -> tuple[datetime, float]:
    """The first fix's instant and the fix interval that fit ``batches`` batches of every
    worker into today's hours in Shanghai so far: a day whose cut-off has passed would be
    judged (and corrected) on every fold, which is not the path being measured."""
    now = datetime.now(UTC)
    midnight = datetime.combine(now.astimezone(SHANGHAI).date(), datetime.min.time(), SHANGHAI)
    start = midnight.astimezone(UTC) + timedelta(minutes=1)
    per_worker = math.ceil(batches / walkers) * BATCH
    step = min(FIX_EVERY_S, (now - start).total_seconds() / per_worker)
    if step < MIN_FIX_EVERY_S:
        raise SystemExit(
            f"today in Shanghai is {(now - start) / timedelta(hours=1):.1f} h old: too short for "
            f"{per_worker:,} fixes per worker at {MIN_FIX_EVERY_S:g} s; raise BENCH_PATROL_GRIDS "
            "or run later in the day"
        )
    return start, step


# --- the consumer -------------------------------------------------------------------------


# The consumer runs in a process of its own, started afresh (not forked from the API's
# threads and connections).
UPLOADS_ROUTE = next(
    route
    for route in consumers.ROUTES
    if isinstance(route, BatchRoute) and route.topic == Topic.PATROL_POINTS
)
PROCESSES = multiprocessing.get_context("spawn")
# "tuned": the consumer's allocator as the service's worker has it (`shared.allocator`);
# "glibc": glibc's defaults, to show what the tuning does to its memory.
ALLOCATOR = os.environ.get("BENCH_PATROL_ALLOCATOR", "tuned")
# Seconds into the consumer's life for tracemalloc's first snapshot (`_Tracer`); 0: off.
TRACE_FROM_S = float(os.environ.get("BENCH_PATROL_TRACEMALLOC_FROM_S", "0"))


class Progress:
    """The points of each message the consumer process completed once, shared with this
    process (its clock is the machine's monotonic clock, as `time.perf_counter` here)."""

    def __init__(self) -> None:
        self._points = PROCESSES.Value("q", 0)
        self._last = PROCESSES.Value("d", 0.0)
        self._first = PROCESSES.Value("d", 0.0)  # 0: no chunk yet

    @property
    def points(self) -> int:
        return int(self._points.value)

    @property
    def first_call(self) -> float | None:
        first = float(self._first.value)
        return first or None

    def rearm(self) -> None:
        self._first.value = 0.0

    def counted(self, points: int) -> None:
        """In the consumer: a chunk's new points are done."""
        with self._points.get_lock():
            self._points.value += points
            self._last.value = time.perf_counter()

    def started(self) -> None:
        """In the consumer: a chunk arrived (the first one after `rearm` is remembered)."""
        with self._first.get_lock():
            if not self._first.value:
                self._first.value = time.perf_counter()

    def wait_for(self, points: int, timeout_s: float = DRAIN_TIMEOUT_S) -> float | None:
        """The instant the ``points``-th point was folded, or None after ``timeout_s``."""
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            with self._points.get_lock():
                if self._points.value >= points:
                    return float(self._last.value)
            time.sleep(0.02)
        return None


class _Counting:
    """The service's batch handler, counting the points of each message it completed once
    (offsets per partition: a redelivered message is not counted again)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self._next: dict[int, int] = {}

    def handle(self, deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
        self.progress.started()
        rejected = handlers.uploads_received(deliveries)
        poison = {(r.delivery.partition, r.delivery.offset) for r in rejected}
        points = 0
        for delivery in deliveries:
            at = (delivery.partition, delivery.offset)
            if at in poison or delivery.offset < self._next.get(delivery.partition, 0):
                continue
            self._next[delivery.partition] = delivery.offset + 1
            points += len(delivery.envelope.payload["points"])
        self.progress.counted(points)
        return rejected


def _consume(
    topic: str, group: str, progress: Progress, settings: PlatformSettings, stop: Any
) -> None:
    """The consumer process: the service's batch route on the bench topic until ``stop``."""
    if ALLOCATOR == "tuned":
        allocator.tune()  # as `run_service_worker` does
    connect_database(settings)
    for document in tenant_documents():
        document._collection = None  # this run's database
    runner = ConsumerRunner(
        consumer=make_consumer(BOOTSTRAP, group_id=group, client_id="bench-patrol-consumer"),
        dlq_producer=make_producer(BOOTSTRAP, client_id="bench-patrol-dlq"),
        group_id=group,
        # The service's own route (its chunk bounds) on the bench topic.
        routes=[replace(UPLOADS_ROUTE, topic=topic, handler=_Counting(progress).handle)],
    )
    thread = threading.Thread(target=runner.run, name="bench-consumer", daemon=True)
    tracer = _Tracer.start(TRACE_FROM_S) if TRACE_FROM_S else None
    thread.start()
    stop.wait()
    runner.stop()
    thread.join(timeout=60)
    if tracer is not None:
        tracer.report()


class _Tracer:
    """Where the consumer's Python objects grew (tracemalloc): a snapshot ``from_s`` into the
    process's life against one at its end, the largest growths with their call stacks. For
    hunting a climb the RSS shows; it slows the consumer down, so its run measures nothing
    else."""

    def __init__(self, from_s: float) -> None:
        self.timer = threading.Timer(from_s, self.take)
        self.timer.daemon = True
        self.first: tracemalloc.Snapshot | None = None

    @classmethod
    def start(cls, from_s: float) -> _Tracer:
        tracer = cls(from_s)
        tracer.timer.start()
        return tracer

    def take(self) -> None:
        # Tracing starts here, not with the process: what is alive at the end and was
        # allocated since is the growth, and the warm-up runs at full speed.
        tracemalloc.start(12)
        self.first = tracemalloc.take_snapshot()

    def report(self, top: int = 12) -> None:
        self.timer.cancel()
        if self.first is None:
            print("  tracemalloc: the run ended before its first snapshot", flush=True)
            return
        last = tracemalloc.take_snapshot()
        grown = last.compare_to(self.first, "traceback")
        total = sum(stat.size_diff for stat in grown)
        print(f"  tracemalloc: Python objects grew {total / 2**20:+.1f} MiB; largest:", flush=True)
        for stat in grown[:top]:
            print(f"    {stat.size_diff / 2**20:+.2f} MiB in {stat.count_diff:+,} blocks")
            for line in stat.traceback.format(limit=6, most_recent_first=True):
                print(f"      {line}")
        sys.stdout.flush()


class Consumer:
    """A `ConsumerRunner` of the bench topic (the service's batch route) in a process of its
    own, as the service's worker is: the API's threads here and the consumer do not share an
    interpreter (and its lock) any more than in production."""

    def __init__(
        self, topic: str, group: str, progress: Progress, settings: PlatformSettings
    ) -> None:
        self._stop = PROCESSES.Event()
        self.process = PROCESSES.Process(
            target=_consume,
            args=(topic, group, progress, settings, self._stop),
            name="bench-consumer",
            daemon=True,
        )
        self.process.start()

    def stop(self) -> None:
        self._stop.set()
        self.process.join(timeout=90)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=10)


class BenchStream:
    """The service's `KafkaPointStream`, every upload sent to the bench topic instead of the
    service topic it names (counted, to show they were all `gridgov.patrol.points`)."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.inner = KafkaPointStream.connect(
            BOOTSTRAP, client_id="bench-patrol-points", ack_timeout_s=3.0
        )
        self.named: Counter[str] = Counter()
        self._lock = threading.Lock()

    def publish(self, message: DirectMessage) -> None:
        with self._lock:
            self.named[message.topic] += 1
        self.inner.publish(replace(message, topic=self.topic))


# --- 1. ingestion ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Shot:
    """One upload: when it was due, when it started and ended, the answer, its worker."""

    due: float
    began: float
    ended: float
    status: int
    worker: int


@dataclass
class Fired:
    shots: list[Shot]
    start: float
    next_batch: int  # the first batch index not taken

    @property
    def accepted(self) -> list[Shot]:
        return [shot for shot in self.shots if shot.status == 202]

    def points(self) -> int:
        return len(self.accepted) * BATCH

    def statuses(self) -> str:
        counts = Counter(shot.status for shot in self.shots)
        return ", ".join(f"{status}: {n:,}" for status, n in sorted(counts.items()))


def _fire(
    app: Flask,
    phones: Phones,
    tokens: Sequence[str],
    first: int,
    count: int,
    *,
    rate: float | None,
    for_s: float | None = None,
) -> Fired:
    """POST batches ``first`` .. ``first + count - 1`` from THREADS threads: each at its
    scheduled instant (``rate`` points/s), or back to back for ``for_s`` seconds."""
    start = time.perf_counter() + 0.2
    stop_at = None if for_s is None else start + for_s
    shots: list[Shot | None] = [None] * count
    taken = iter(range(count))
    highest = [-1]
    lock = threading.Lock()

    def fire() -> None:
        client = app.test_client()
        while True:
            with lock:
                i = next(taken, None)
                if i is not None:
                    highest[0] = max(highest[0], i)
            if i is None:
                return
            k = first + i
            body = phones.body(k)  # the phone's work: before its instant, not in its latency
            if rate is None:
                time.sleep(max(0.0, start - time.perf_counter()))
                due = time.perf_counter()
                if stop_at is not None and due >= stop_at:
                    return
            else:
                due = start + i * BATCH / rate
                if time.perf_counter() - due > BEHIND_S:
                    continue  # hopelessly behind: counted as not sent, the run stays bounded
                time.sleep(max(0.0, due - time.perf_counter()))
            worker = phones.worker_of(k)
            began = time.perf_counter()
            response = client.post(
                "/points", json=body, headers={"Authorization": f"Bearer {tokens[worker]}"}
            )
            ended = time.perf_counter()
            shots[i] = Shot(due, began, ended, response.status_code, worker)

    threads = [threading.Thread(target=fire) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Fired([s for s in shots if s is not None], start, first + highest[0] + 1)


def patrol_app(settings: PlatformSettings) -> tuple[Flask, LocalIssuer]:
    """patrol_tracking's API as `bootstrap.api` builds it (the database already connected),
    with tokens of a local issuer: no Keycloak in the path."""
    issuer = LocalIssuer()
    app = create_app(
        service="patrol_tracking",
        settings=settings,
        blueprints=BLUEPRINTS,
        readiness_checks={},
        verifier=access.RevokingVerifier(issuer.verifier(), access.StoredRevocations()),
        configure_logs=False,
    )
    return app, issuer


def _lattice(count: int, west: float, south: float) -> list[tuple[float, float]]:
    """(west, south) of ``count`` grid squares of 0.01 degree side by side, 40 to a row."""
    return [(west + 0.01 * (n % 40), south + 0.01 * (n // 40)) for n in range(count)]


def _seed_walkers(tenant: str) -> list[Walker]:
    corners = _lattice(GRIDS, 120.0, 31.0)
    seed_registry(
        tenant,
        [
            (f"g-{n}", f"div-{n % 8}", f"G{n:04d}", square(w, s), TEAM_FROM)
            for n, (w, s) in enumerate(corners)
        ],
        {f"g-{n}": [(f"w-{n}", "full_time_worker", TEAM_FROM, None)] for n in range(GRIDS)},
    )
    # A circle of 300 m round the square's centre: well inside its ~950 m x 1,100 m.
    return [
        Walker(f"w-{n}", round(w + 0.005, 6), round(s + 0.005, 6), 300.0)
        for n, (w, s) in enumerate(corners)
    ]


def _raw_produce(phones: Phones, tenant: str, topic: str, first: int) -> float:
    """Points/s of the same upload messages sent by a bare kafka-python producer (acks=all,
    idempotent, as the baselines') to a topic nobody reads."""
    now = datetime.now(UTC)
    messages = [phones.message(tenant, first + i, now) for i in range(RAW_MESSAGES)]
    producer = KafkaProducer(
        bootstrap_servers=BOOTSTRAP, acks="all", enable_idempotence=True, linger_ms=5
    )
    try:
        started = time.perf_counter()
        for m in messages:
            producer.send(topic, key=m.key, value=m.value, headers=m.headers)
        producer.flush()
        seconds = time.perf_counter() - started
    finally:
        producer.close()
    return RAW_MESSAGES * BATCH / seconds


def _api_rows(name: str, fired: Fired, offered: float | None) -> tuple[float, float]:
    """Print the API's side of a run; returns (achieved points/s, p99 ms from schedule)."""
    ok = fired.accepted
    latency = [shot.ended - shot.due for shot in fired.shots]
    service = [shot.ended - shot.began for shot in ok]
    span = max(shot.ended for shot in fired.shots) - fired.start
    achieved = fired.points() / span
    p99 = _ms(latency, 0.99)
    print(
        f"  {name}: {len(fired.shots):,} requests of {BATCH} in {span:.1f} s, answers "
        f"{fired.statuses()}; API {achieved:,.0f} points/s"
        + ("" if offered is None else f" (offered {offered:,.0f}/s)")
    )
    print(
        f"    latency from schedule p50 {_ms(latency, 0.5):.1f} p99 {p99:.1f} max "
        f"{max(latency) * 1000:.1f} ms; service time p50 {_ms(service, 0.5):.1f} p99 "
        f"{_ms(service, 0.99):.1f} ms"
    )
    return achieved, p99


@dataclass
class Rig:
    """What the ingestion phases share: the app, the phones, the topic and its consumer."""

    app: Flask
    phones: Phones
    tokens: list[str]
    tenant: str
    topic: str
    group: str
    kafka_per_s: float  # the bare producer's messages/s (baselines.json)
    progress: Progress
    memory: Memory  # this process: the API
    settings: PlatformSettings  # the consumer process connects with them
    consumer: Consumer | None = None
    worker_memory: Memory | None = None  # the consumer process of the sustained run and burst
    steady: tuple[float, float] | None = None  # the sustained run's steady span (perf_counter)
    target: int = 0  # points accepted so far: the consumer is done when it folded them all
    next_batch: int = 0
    sent: Counter[str] | None = None  # points accepted per worker

    def fire(self, count: int, *, rate: float | None, for_s: float | None = None) -> Fired:
        fired = _fire(
            self.app, self.phones, self.tokens, self.next_batch, count, rate=rate, for_s=for_s
        )
        self.next_batch = fired.next_batch
        for shot in fired.accepted:
            self.count(self.phones.walkers[shot.worker].worker_id)
        return fired

    def count(self, worker_id: str) -> None:
        if self.sent is None:
            self.sent = Counter()
        self.sent[worker_id] += BATCH
        self.target += BATCH


def _latency(rig: Rig, rows: list[Row]) -> None:
    """LATENCY_RATE points/s for LATENCY_SECONDS: the API's latency goal."""
    expected = math.ceil(LATENCY_RATE * LATENCY_SECONDS / BATCH)
    fired = rig.fire(expected, rate=LATENCY_RATE)
    done = rig.progress.wait_for(rig.target)
    rig.memory.mark("latency")
    if rig.worker_memory is not None:
        rig.worker_memory.mark("latency")
    print(f"  latency run of {LATENCY_SECONDS:g} s at {LATENCY_RATE:,.0f} points/s:")
    achieved, p99 = _api_rows("latency", fired, LATENCY_RATE)
    met = (
        p99 < GOAL_API_P99_MS
        and achieved >= 0.98 * LATENCY_RATE
        and len(fired.accepted) == expected
        and done is not None
    )
    rows.append(
        Row(
            f"API p99 at {LATENCY_RATE:,.0f} points/s",
            f"{p99:.1f} ms",
            f"< {GOAL_API_P99_MS:g} ms",
            f"{achieved / LATENCY_RATE:.2f} of offered",
            _verdict(met),
        )
    )


def _sustained(rig: Rig, rows: list[Row]) -> None:
    """RATE points/s for SECONDS until every point is folded."""
    expected = math.ceil(RATE * SECONDS / BATCH)
    began = time.perf_counter()
    fired = rig.fire(expected, rate=RATE)
    rig.steady = (began + STEADY_AFTER_S, time.perf_counter())
    done = rig.progress.wait_for(rig.target)
    rig.memory.mark("sustained")
    if rig.worker_memory is not None:
        rig.worker_memory.mark("sustained")
    print(f"  sustained run of {SECONDS:g} s at {RATE:,.0f} points/s (the goal: 600 s):")
    _api_rows("sustained", fired, RATE)
    if done is None:
        print(f"    NOT every point folded within {DRAIN_TIMEOUT_S:g} s")
        rows.append(Row("sustained e2e", "incomplete", "keeps up", "", "MISSED"))
    else:
        e2e = fired.points() / (done - fired.start)
        behind = done - max(shot.ended for shot in fired.shots)
        print(
            f"    end to end (request to stored and folded): {e2e:,.0f} points/s, the last "
            f"point folded {behind:.2f} s after the last answer; {e2e / rig.kafka_per_s:.2f}x "
            f"the bare producer's {rig.kafka_per_s:,.0f} msg/s"
        )
        rows.append(
            Row(
                f"sustained e2e, {SECONDS:g} s",
                f"{e2e:,.0f} pts/s",
                f">= {GOAL_POINTS_PER_S:,.0f} pts/s",
                f"{e2e / rig.kafka_per_s:.2f}x kafka msg/s",
                _verdict(e2e >= GOAL_POINTS_PER_S and SECONDS >= GOAL_SUSTAINED_S)
                + ("" if SECONDS >= GOAL_SUSTAINED_S else f" (ran {SECONDS:g} s)"),
            )
        )


def _burst(rig: Rig, raw_topic: str, rows: list[Row]) -> None:
    """Back-to-back uploads for BURST_SECONDS: the end-to-end ceiling, against the same
    messages produced raw."""
    fired = rig.fire(
        math.ceil(BURST_CEILING * BURST_SECONDS / BATCH), rate=None, for_s=BURST_SECONDS
    )
    done = rig.progress.wait_for(rig.target)
    print(f"  unthrottled burst of {BURST_SECONDS:g} s:")
    burst_api, _ = _api_rows("burst", fired, None)
    raw = _raw_produce(rig.phones, rig.tenant, raw_topic, rig.next_batch)
    rig.next_batch += RAW_MESSAGES
    if done is None:
        print(f"    NOT every point folded within {DRAIN_TIMEOUT_S:g} s")
        rows.append(Row("burst e2e ceiling", "incomplete", "", "", "MISSED"))
        return
    ceiling = fired.points() / (done - fired.start)
    behind = done - max(shot.ended for shot in fired.shots)
    print(
        f"    end to end: {ceiling:,.0f} points/s (the API alone {burst_api:,.0f}/s; the last "
        f"point folded {behind:.2f} s after the last answer)"
    )
    print(
        f"    the same upload messages produced raw: {raw:,.0f} points/s -> ratio "
        f"{ceiling / raw:.2f}; bare producer of 200-byte messages {rig.kafka_per_s:,.0f} msg/s "
        f"-> ratio {ceiling / rig.kafka_per_s:.2f}"
    )
    rows.append(
        Row(
            "burst e2e ceiling",
            f"{ceiling:,.0f} pts/s",
            f">= {GOAL_POINTS_PER_S:,.0f} pts/s",
            f"{ceiling / raw:.2f}x raw uploads",
            _verdict(ceiling >= GOAL_POINTS_PER_S),
        )
    )


def _backlog(rig: Rig, rows: list[Row]) -> None:
    """BACKLOG_SECONDS of uploads at RATE produced with the consumer stopped, then drained
    by a new one."""
    if rig.consumer is not None:
        rig.consumer.stop()
        rig.consumer = None
    batches = math.ceil(LATENCY_RATE * BACKLOG_SECONDS / BATCH)
    producer = make_producer(BOOTSTRAP, client_id="bench-patrol-backlog")
    now = datetime.now(UTC)
    started = time.perf_counter()
    try:
        for k in range(rig.next_batch, rig.next_batch + batches):
            m = rig.phones.message(rig.tenant, k, now)
            producer.send(rig.topic, key=m.key, value=m.value, headers=m.headers)
            rig.count(rig.phones.walkers[rig.phones.worker_of(k)].worker_id)
        producer.flush()
    finally:
        producer.close()
    rig.next_batch += batches
    points = batches * BATCH
    print(
        f"  backlog: {points:,} points ({BACKLOG_SECONDS:g} s at {LATENCY_RATE:,.0f}/s) produced "
        f"in {time.perf_counter() - started:.1f} s with the consumer stopped"
    )
    rig.progress.rearm()
    restarted = time.perf_counter()
    rig.consumer = Consumer(rig.topic, rig.group, rig.progress, rig.settings)
    done = rig.progress.wait_for(rig.target)
    first_call = rig.progress.first_call
    if done is None or first_call is None:
        print(f"    NOT drained within {DRAIN_TIMEOUT_S:g} s")
        rows.append(Row("backlog drain", "incomplete", "", "", "MISSED"))
        return
    drain = points / (done - first_call)
    with_join = points / (done - restarted)
    print(
        f"    drained at {drain:,.0f} points/s from the first chunk ({with_join:,.0f}/s "
        f"counting the group join: {done - restarted:.1f} s); {drain / LATENCY_RATE:.1f}x the "
        f"ingest rate, {drain / GOAL_POINTS_PER_S:.1f}x the issue's {GOAL_POINTS_PER_S:,.0f}/s"
    )
    rows.append(
        Row(
            f"backlog drain ({BACKLOG_SECONDS:g} s)",
            f"{drain:,.0f} pts/s",
            f">= {GOAL_BACKLOG_FACTOR:g}x {LATENCY_RATE:,.0f} pts/s",
            f"{drain / LATENCY_RATE:.1f}x ingest",
            _verdict(drain >= GOAL_BACKLOG_FACTOR * LATENCY_RATE),
        )
    )


def _phases(rig: Rig, raw_topic: str, rows: list[Row]) -> None:
    """The sustained run, the burst and the backlog, with both processes' memory sampled."""
    assert rig.consumer is not None
    memory = rig.memory
    rig.worker_memory = Memory(rig.consumer.process.pid)
    memory.start()
    rig.worker_memory.start()
    _latency(rig, rows)
    _sustained(rig, rows)
    _burst(rig, raw_topic, rows)
    memory.mark("burst")
    rig.worker_memory.mark("burst")
    rig.worker_memory.stop()  # the backlog stops this consumer and starts another
    _backlog(rig, rows)
    memory.mark("backlog")
    memory.stop()
    _memory_rows("the API process", memory, rows, goal=None)
    _memory_rows("the consumer process (the worker)", rig.worker_memory, rows, goal=rig.steady)


def ingestion(
    database: Database[Any], settings: PlatformSettings, run: str, rows: list[Row]
) -> None:
    """Measure sustained ingestion, the burst ceiling, the backlog drain and the memory."""
    kafka_per_s = float(_baselines()["kafka_produce"]["per_second"])
    topic, raw_topic = f"bench.patrol.{run}", f"bench.patrol.{run}.raw"
    names = [topic, dlq_name(topic), raw_topic]
    create_topics(
        BOOTSTRAP,
        {name: {"num_partitions": PARTITIONS, "replication_factor": 1} for name in names},
    )
    stream = BenchStream(topic)
    configure_point_stream(stream)
    rig: Rig | None = None
    try:
        tenant = f"bench-patrol-{run}"
        started = time.perf_counter()
        walkers = _seed_walkers(tenant)
        planned = (
            GRIDS
            + RAW_MESSAGES
            + math.ceil(
                (
                    LATENCY_RATE * (LATENCY_SECONDS + BACKLOG_SECONDS)
                    + RATE * SECONDS
                    + BURST_CEILING * BURST_SECONDS
                )
                / BATCH
            )
        )
        phones = Phones(walkers, *_timeline(planned, GRIDS))
        app, issuer = patrol_app(settings)
        lifetime = int(LATENCY_SECONDS + SECONDS + BURST_SECONDS + 3600)
        tokens = [
            issuer.token(
                subject=w.worker_id, tenant_id=tenant, roles=("grid-worker",), expires_in=lifetime
            )
            for w in walkers
        ]
        print(
            f"ingestion: {GRIDS} grids with a full-time worker each seeded in "
            f"{time.perf_counter() - started:.1f} s; a fix every {phones.step_s:.1f} s at "
            f"{WALK_MPS} m/s from {phones.start.astimezone(SHANGHAI):%H:%M} Shanghai; "
            f"{THREADS} threads, batches of {BATCH}, chunks of {MAX_CHUNK} uploads and "
            f"{consumers.ENTRIES_PER_CHUNK:,} fixes at most for the consumer"
        )
        progress = Progress()
        group = f"bench.patrol.{run}"
        memory = Memory()
        rig = Rig(
            app, phones, tokens, tenant, topic, group, kafka_per_s, progress, memory, settings
        )
        rig.consumer = Consumer(topic, group, progress, settings)
        # One batch per phone first, untimed: JWKS, producer, consumer group, day documents.
        rig.fire(GRIDS, rate=RATE)
        if progress.wait_for(rig.target, 180) is None:
            raise SystemExit("the warm-up uploads were not folded within 180 s")
        _phases(rig, raw_topic, rows)
        print(f"    uploads named {dict(stream.named)} (all sent to {topic})")
        if rig.consumer is not None:
            rig.consumer.stop()
            rig.consumer = None
        _check_once(database, tenant, patrol_day(phones.start), rig.sent or Counter(), rows)
    finally:
        if rig is not None and rig.consumer is not None:
            rig.consumer.stop()
        configure_point_stream(None)
        stream.inner.close()
        delete_topics(BOOTSTRAP, names)


def _memory_rows(
    who: str, memory: Memory, rows: list[Row], *, goal: tuple[float, float] | None
) -> None:
    """Print a process's RSS over the run (a plateau or a climb); with ``goal`` (the steady
    span of the sustained run) judge its growth over that span against the worker's goal."""
    (first_at, start), (last_at, end) = memory.samples[0], memory.samples[-1]
    peak = max(kib for _, kib in memory.samples)
    growth = (end - start) / start
    span = last_at - first_at
    phases = ", ".join(f"{phase} {kib / 1024:.0f}" for phase, kib in memory.marks)
    print(
        f"  RSS of {who} over {span:.0f} s ({len(memory.samples)} samples): start "
        f"{start / 1024:.0f} MiB, max {peak / 1024:.0f} MiB, end {end / 1024:.0f} MiB, growth "
        f"{growth:+.1%}; at each phase's end (MiB): {phases}"
    )
    tenths = [_rss_at(memory, first_at + span * n / 10) for n in range(11)]
    print("    every tenth of the span (MiB): " + " ".join(f"{kib / 1024:.0f}" for kib in tenths))
    if goal is None:
        rows.append(
            Row(
                f"RSS growth, {who.removeprefix('the ').split(' (')[0]}, {span:.0f} s",
                f"{growth:+.1%}",
                "",
                f"max {peak / start:.2f}x start",
                "(no goal)",
            )
        )
        return
    steady_from, steady_to = goal
    held = [(at, kib) for at, kib in memory.samples if steady_from <= at <= steady_to]
    if not held:
        rows.append(Row("RSS growth, consumer, steady", "no samples", "", "", "MISSED"))
        return
    # Flat is judged on each minute's median: within a minute the RSS saws up and down with
    # every chunk (its fixes held, then freed), which is the working set, not growth.
    minutes: dict[int, list[int]] = {}
    for at, kib in held:
        minutes.setdefault(int((at - steady_from) // 60), []).append(kib)
    medians = [statistics.median(kibs) for _, kibs in sorted(minutes.items())]
    steady_span = steady_to - steady_from
    steady_growth = (medians[-1] - medians[0]) / medians[0]
    spread = max(medians) / min(medians) - 1
    raw_peak = max(kib for _, kib in held) / held[0][1]
    print(
        f"    at the sustained run's steady load ({steady_span:.0f} s after its first "
        f"{STEADY_AFTER_S / 60:g} minutes), each minute's median (MiB): "
        + " ".join(f"{kib / 1024:.0f}" for kib in medians)
    )
    print(
        f"    first to last minute {steady_growth:+.1%}, highest to lowest minute "
        f"{spread:+.1%}; single samples {min(k for _, k in held) / 1024:.0f} to "
        f"{max(k for _, k in held) / 1024:.0f} MiB (max {raw_peak:.2f}x the first)"
    )
    met = abs(steady_growth) <= GOAL_RSS_GROWTH and spread <= GOAL_RSS_GROWTH
    rows.append(
        Row(
            f"RSS growth, consumer, {steady_span:.0f} s steady",
            f"{steady_growth:+.1%}",
            f"within {GOAL_RSS_GROWTH:.0%} over {GOAL_RSS_SPAN_S / 60:.0f} min",
            f"minutes within {spread:.1%}",
            _verdict(met) + ("" if steady_span >= GOAL_RSS_SPAN_S else " (short run)"),
        )
    )


def _rss_at(memory: Memory, at: float) -> int:
    """The last sample taken at or before ``at``."""
    found = memory.samples[0][1]
    for when, kib in memory.samples:
        if when > at:
            break
        found = kib
    return found


def _check_once(
    database: Database[Any], tenant: str, day: date, sent: Counter[str], rows: list[Row]
) -> None:
    """Stored points = accepted points, and each worker-day's accepted fixes = what the API
    and the backlog took from that worker (all on ``day``, the run's first: `_timeline`; a
    run may end after midnight)."""
    expected = sum(sent.values())
    stored = _stored_points(database, tenant)
    ctx = PatrolContext(tenant_id=tenant, actor="bench")
    found = {d.worker_id: d for d in ctx.days.every(DayFilter(day=day), cap=100_000).items}
    folded = Counter({worker: d.state.points_accepted for worker, d in found.items()})
    rejected = sum(d.state.points_rejected for d in found.values())
    wrong = sum(1 for worker in sent.keys() | folded.keys() if sent[worker] != folded[worker])
    ok = stored == expected and wrong == 0 and rejected == 0
    print(
        f"  exactly once: {'yes' if ok else 'NO'} (accepted {expected:,} points, stored "
        f"{stored:,}, folded {sum(folded.values()):,} in {len(found)} worker-days of which "
        f"{wrong} differ from what the worker sent; {rejected:,} rejected as noise)"
    )
    rows.append(
        Row(
            "nothing lost, nothing twice",
            f"{stored:,} stored",
            f"= {expected:,} accepted",
            f"{wrong} worker-days off",
            _verdict(ok),
        )
    )


def _stored_points(database: Database[Any], tenant: str) -> int:
    """The tenant's stored points, counted by the PostgreSQL behind FerretDB when there is
    one: FerretDB 1.24 counts by reading every matching document into its own memory (a
    30-minute run's 9 million points took it to 20 GB and the kernel killed it)."""
    if "ferretdbVersion" not in database.client.admin.command("buildInfo"):
        return database["patrol_points"].count_documents({"tenant_id": tenant})
    with psycopg.connect(POSTGRES_URL) as conn:
        table = collection_tables(conn, database.name)["patrol_points"]
        statement = sql.SQL("SELECT count(*) FROM {} WHERE _jsonb -> 'tenant_id' @> %s").format(
            sql.Identifier(database.name, table)
        )
        row = conn.execute(statement, (Jsonb(tenant),)).fetchone()
    return 0 if row is None else int(row[0])


# --- 3. the cut-off -------------------------------------------------------------------------


def _deliveries(phones: Phones, tenant: str, batches: int) -> list[Delivery]:
    """``batches`` uploads as the consumer runner hands them over (contract-loaded payloads),
    each accepted a minute after its last fix."""
    found = []
    for k in range(batches):
        fixes = phones.fixes(k)
        message = phones.message(tenant, k, fixes[-1].at + timedelta(minutes=1))
        envelope = Envelope.parse(message.value)
        envelope = replace(envelope, payload=validate_envelope(envelope))
        found.append(Delivery(envelope, "bench", 0, k))
    return found


def cut_off(database: Database[Any], run: str, rows: list[Row]) -> None:
    """`finalise_day` for WORKERS full-time workers, half of them with a folded day."""
    tenant = f"bench-patrol-{run}-cut-off"
    corners = _lattice(WORKERS, 121.0, 31.0)
    started = time.perf_counter()
    seed_registry(
        tenant,
        [
            (f"g-{n}", f"div-{n % 20}", f"G{n:04d}", square(w, s), TEAM_FROM)
            for n, (w, s) in enumerate(corners)
        ],
        {f"g-{n}": [(f"w-{n}", "full_time_worker", TEAM_FROM, None)] for n in range(WORKERS)},
    )
    seeded = time.perf_counter() - started

    # Every other worker patrolled from 09:00: two uploads of 50 fixes 30 s apart, stored and
    # folded as the consumer does, with the clock on the day itself (before its cut-off).
    patrolled = [
        Walker(f"w-{n}", round(w + 0.005, 6), round(s + 0.005, 6), 300.0)
        for n, (w, s) in enumerate(corners)
        if n % 2 == 0
    ]
    nine = datetime(CUT_OFF_DAY.year, CUT_OFF_DAY.month, CUT_OFF_DAY.day, 9, tzinfo=SHANGHAI)
    phones = Phones(patrolled, nine.astimezone(UTC), 30.0)
    evening = (nine + timedelta(hours=9)).astimezone(UTC)
    folding = PatrolContext(tenant_id=tenant, actor=handlers.UPLOAD_ACTOR, clock=lambda: evening)
    started = time.perf_counter()
    deliveries = _deliveries(phones, tenant, 2 * len(patrolled))
    for first in range(0, len(deliveries), MAX_CHUNK):
        for batch in store_deliveries(deliveries[first : first + MAX_CHUNK]).batches:
            patrol_days.fold_stored(folding, batch)
    folded = time.perf_counter() - started
    print(
        f"\ncut-off: {WORKERS:,} full-time workers in {WORKERS:,} grids seeded in {seeded:.1f} s; "
        f"{len(patrolled):,} days folded from {len(deliveries):,} uploads in {folded:.1f} s"
    )

    judge_at = PatrolSettings(tenant_id=tenant).finalises_at(CUT_OFF_DAY) + timedelta(minutes=1)
    ctx = PatrolContext(tenant_id=tenant, actor=patrol_days.CUT_OFF_ACTOR, clock=lambda: judge_at)
    started = time.perf_counter()
    finalised = patrol_days.finalise_day(ctx, CUT_OFF_DAY)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = patrol_days.finalise_day(ctx, CUT_OFF_DAY)
    rerun = time.perf_counter() - started
    verdicts = Counter(
        d.judgement.verdict.status.value if d.judgement else "not judged"
        for d in ctx.days.every(DayFilter(day=CUT_OFF_DAY), cap=100_000).items
    )

    days = database[PatrolDayDocument._get_collection_name()]
    docs = list(days.find({"tenant_id": tenant}))
    published = sum(len(doc.get("outbox", [])) for doc in docs)
    bare = database["bare_patrol_days"]
    for doc in docs:
        doc["_id"] = str(uuid.uuid4())
    started = time.perf_counter()
    for first in range(0, len(docs), 1000):
        bare.insert_many(docs[first : first + 1000], ordered=False)
    bare_s = time.perf_counter() - started
    size = statistics.mean(len(json.dumps(doc, default=str)) for doc in docs) if docs else 0
    print(
        f"  finalise_day({CUT_OFF_DAY}, a Wednesday) after its cut-off: {finalised:,} days "
        f"judged in {seconds:.2f} s ({seconds / max(finalised, 1) * 1000:.1f} ms a worker), "
        f"{published:,} events in their outboxes; verdicts {dict(sorted(verdicts.items()))}"
    )
    print(
        f"  bare pymongo insert_many of the {len(docs):,} stored days (~{size:,.0f} bytes "
        f"each as JSON): {bare_s:.2f} s -> ratio {seconds / bare_s:.0f}; a second run judged "
        f"{again} in {rerun:.2f} s ({'as it must' if again == 0 else 'WRONG: must be 0'})"
    )
    ok = seconds <= GOAL_CUT_OFF_S and finalised == WORKERS and again == 0
    if VerdictStatus.NOT_PATROLLED.value not in verdicts:
        ok = False  # the half that sent nothing must be judged not patrolled
    rows.append(
        Row(
            f"cut-off, {WORKERS:,} workers",
            f"{seconds:.2f} s",
            f"<= {GOAL_CUT_OFF_S:g} s",
            f"{seconds / bare_s:.0f}x bare insert",
            _verdict(ok),
        )
    )


def _table(rows: Sequence[Row]) -> None:
    print(f"\n{'measure':<32} {'figure':>16} {'goal':>28} {'ratio':>22}  verdict")
    for row in rows:
        print(f"{row.measure:<32} {row.figure:>16} {row.goal:>28} {row.ratio:>22}  {row.verdict}")


def main() -> None:
    run = uuid.uuid4().hex[:8]
    database_name = f"bench_patrol_{run}"
    client: MongoClient[dict[str, Any]] = MongoClient(MONGO_URI)
    ferret = "ferretdbVersion" in client.admin.command("buildInfo")
    postgres = POSTGRES_URL if ferret else None
    print(
        f"throw-away database {database_name}, topics bench.patrol.{run}(.dlq, .raw); latency "
        f"{LATENCY_SECONDS:g} s at {LATENCY_RATE:,.0f} points/s, sustained {SECONDS:g} s at "
        f"{RATE:,.0f}, burst {BURST_SECONDS:g} s, backlog {BACKLOG_SECONDS:g} s at "
        f"{LATENCY_RATE:,.0f}, cut-off of {WORKERS:,} workers"
    )
    database = client[database_name]
    scratch = tempfile.mkdtemp(prefix="bench-patrol-")
    settings = PlatformSettings.from_env(
        service="patrol_tracking",
        mongo_db=database_name,
        mongo_postgres_url=None if postgres is None else Secret(postgres),
        rate_limit_store=f"sqlite:///{scratch}/ratelimit.sqlite",
    )
    connect_database(settings)  # also the PostgreSQL list reads and the write leases
    for document in tenant_documents():
        document._collection = None  # cached per class: point them at this run's database
    rows: list[Row] = []
    try:
        if postgres is not None:
            # As the service's worker does at start.
            indexed = [
                *service_documents("patrol_tracking"),
                *registry_documents.DOCUMENTS,
                AccountStateDocument,
                AuditRecordDocument,
            ]
            ensure_gin_indexes(postgres, database, indexed)
        if ONLY in ("", "ingestion"):
            ingestion(database, settings, run, rows)
        if ONLY in ("", "cut_off"):
            cut_off(database, run, rows)
        _table(rows)
    finally:
        client.drop_database(database_name)
        client.close()
        mongoengine.disconnect()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
