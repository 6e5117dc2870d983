"""GPS points and heartbeats: accept an upload (Kafka first), store what Kafka delivers, draw
a worker's track of a day.

The two halves meet only on Kafka: the API checks an upload and answers 202 once Kafka
acknowledged it (`receive_points`, `receive_heartbeats`); the worker's consumer stores each
delivered message's entries (`store_deliveries`) and hands them to the day fold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from services.patrol_tracking import metrics
from services.patrol_tracking.domain import intake
from services.patrol_tracking.domain.intake import (
    HeartbeatsReceived,
    PointsReceived,
    TrackSession,
    patrol_day,
)
from services.patrol_tracking.domain.points import Heartbeat, Point
from services.patrol_tracking.repository.points import PointRepository
from services.patrol_tracking.use_cases.context import PatrolContext
from shared.auth.principal import Role
from shared.errors import NotFound
from shared.events.envelope import InvalidMessage
from shared.kafka.consumer import Delivery, Rejected
from shared.kafka.direct import DirectMessage

# Who reads any worker's track in the tenant; a grid worker reads only his own.
TENANT_TRACK_READERS = frozenset(
    {
        Role.TENANT_ADMIN,
        Role.CENTER_STAFF,
        Role.INSPECTOR,
        Role.GRID_LEADER,
        Role.GRID_INSTRUCTOR,
    }
)


@dataclass(frozen=True, slots=True)
class Accepted:
    """What the phone is told after Kafka acknowledged its upload (202)."""

    batch_id: str
    accepted: int


# -- the API: accept an upload ---------------------------------------------------------------------


def receive_points(ctx: PatrolContext, *, points: Sequence[Mapping[str, Any]]) -> Accepted:
    """Check the caller's fixes and publish them as one message; 202 only after Kafka
    acknowledged it. Nothing is sent when any fix breaks a rule (422 naming each one), and
    `DependencyUnavailable` (503) when Kafka did not take it in time."""
    event = intake.receive_points(
        tenant_id=ctx.tenant_id,
        worker_id=ctx.actor,
        points=[Point.of(item) for item in points],
        rules=ctx.settings.recent().ingest,
        now=ctx.now(),
    )
    ctx.stream.publish(DirectMessage.of(event, tenant_id=ctx.tenant_id, origin=ctx.origin))
    metrics.UPLOADED.labels("points").inc(len(event.points))
    return Accepted(batch_id=event.batch_id, accepted=len(event.points))


def receive_heartbeats(ctx: PatrolContext, *, heartbeats: Sequence[Mapping[str, Any]]) -> Accepted:
    """Like `receive_points`, for the app's heartbeats (心跳)."""
    event = intake.receive_heartbeats(
        tenant_id=ctx.tenant_id,
        worker_id=ctx.actor,
        heartbeats=[Heartbeat.of(item) for item in heartbeats],
        rules=ctx.settings.recent().ingest,
        now=ctx.now(),
    )
    ctx.stream.publish(DirectMessage.of(event, tenant_id=ctx.tenant_id, origin=ctx.origin))
    metrics.UPLOADED.labels("heartbeats").inc(len(event.heartbeats))
    return Accepted(batch_id=event.batch_id, accepted=len(event.heartbeats))


# -- the consumer: store what Kafka delivered ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """One worker-day's share of a chunk of deliveries, after it was stored.

    `points` and `heartbeats` are ALL the chunk's entries of that worker and day (in time
    order), whether new to the store or not: the day fold keeps its own idempotency by Kafka
    offset. `partition` and `offset` are those of the latest message that carried them.
    """

    tenant_id: str
    worker_id: str
    day: date
    points: tuple[Point, ...]
    heartbeats: tuple[Heartbeat, ...]
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class StoreResult:
    """What `store_deliveries` did: the stored worker-days and the poison messages (for the
    consumer runner to dead-letter; every other delivery was stored)."""

    batches: list[StoredBatch]
    rejected: list[Rejected]
    inserted: int = 0  # entries new to the store (the rest were there already)


@dataclass(frozen=True, slots=True)
class Uploads:
    """A chunk of deliveries read (`read_uploads`), not stored yet: its uploads by tenant,
    its worker-days, and its poison messages."""

    points: dict[str, list[PointsReceived]]
    heartbeats: dict[str, list[HeartbeatsReceived]]
    batches: list[StoredBatch]
    rejected: list[Rejected]

    @property
    def entries(self) -> int:
        return sum(len(batch.points) + len(batch.heartbeats) for batch in self.batches)


@dataclass
class _WorkerDay:
    points: list[Point] = field(default_factory=list)
    heartbeats: list[Heartbeat] = field(default_factory=list)
    position: tuple[int, int] = (-1, -1)


def store_deliveries(deliveries: Sequence[Delivery]) -> StoreResult:
    """Store every point and heartbeat of a chunk of `patrol.*_received` deliveries (any
    tenants and workers) and group them per worker-day: `read_uploads`, then
    `store_uploads`.

    Idempotent: an entry's id is its tenant, worker and the phone's own id, so a redelivered
    message or a resent batch inserts nothing new, and storing the same chunk twice gives
    the same documents. A message whose payload cannot become points or heartbeats is
    returned as `Rejected`; a store failure raises, and the runner redelivers the chunk.
    """
    uploads = read_uploads(deliveries)
    inserted = store_uploads(uploads)
    return StoreResult(batches=uploads.batches, rejected=uploads.rejected, inserted=inserted)


def read_uploads(deliveries: Sequence[Delivery]) -> Uploads:
    """The chunk's uploads grouped by tenant and by worker-day (no I/O): what the store
    takes and what the day fold takes, which may then run side by side."""
    rejected: list[Rejected] = []
    points_by_tenant: dict[str, list[PointsReceived]] = defaultdict(list)
    beats_by_tenant: dict[str, list[HeartbeatsReceived]] = defaultdict(list)
    days: dict[tuple[str, str, date], _WorkerDay] = defaultdict(_WorkerDay)
    for delivery in deliveries:
        try:
            upload = _upload(delivery)
        except ValueError as exc:
            rejected.append(Rejected(delivery, InvalidMessage(str(exc))))
            continue
        tenant_id = delivery.envelope.tenant_id
        position = (delivery.partition, delivery.offset)
        if isinstance(upload, PointsReceived):
            points_by_tenant[tenant_id].append(upload)
            for point in upload.points:
                worker_day = days[(tenant_id, upload.worker_id, patrol_day(point.at))]
                worker_day.points.append(point)
                worker_day.position = max(worker_day.position, position)
        else:
            beats_by_tenant[tenant_id].append(upload)
            for beat in upload.heartbeats:
                worker_day = days[(tenant_id, upload.worker_id, patrol_day(beat.at))]
                worker_day.heartbeats.append(beat)
                worker_day.position = max(worker_day.position, position)
    batches = [
        StoredBatch(
            tenant_id=tenant_id,
            worker_id=worker_id,
            day=day,
            points=tuple(sorted(found.points, key=lambda p: (p.at, p.point_id))),
            heartbeats=tuple(sorted(found.heartbeats, key=lambda b: (b.at, b.heartbeat_id))),
            partition=found.position[0],
            offset=found.position[1],
        )
        for (tenant_id, worker_id, day), found in sorted(days.items())
    ]
    return Uploads(dict(points_by_tenant), dict(beats_by_tenant), batches, rejected)


def store_uploads(uploads: Uploads) -> int:
    """Insert the chunk's entries (each once, whatever was stored before); returns how many
    were new. A store failure raises."""
    inserted = 0
    for tenant_id in sorted(uploads.points.keys() | uploads.heartbeats.keys()):
        # No origin: these documents record no events (the entries are on Kafka already).
        store = PointRepository(tenant_id)
        inserted += store.insert_points(uploads.points.get(tenant_id, []))
        inserted += store.insert_heartbeats(uploads.heartbeats.get(tenant_id, []))
    metrics.STORED.labels("new").inc(inserted)
    metrics.STORED.labels("repeated").inc(max(uploads.entries - inserted, 0))
    return inserted


def _upload(delivery: Delivery) -> PointsReceived | HeartbeatsReceived:
    """The delivery's upload; `ValueError` when it is not one or cannot be read."""
    envelope = delivery.envelope
    if (envelope.type, envelope.version) == (intake.POINTS_RECEIVED, 1):
        return PointsReceived.from_payload(envelope.payload)
    if (envelope.type, envelope.version) == (intake.HEARTBEATS_RECEIVED, 1):
        return HeartbeatsReceived.from_payload(envelope.payload)
    raise ValueError(f"{envelope.type} v{envelope.version} is not an upload of points")


# -- the track of a day ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Track:
    """A worker's raw track of one day: its sessions as drawn and the raw fixes' count."""

    worker_id: str
    day: date
    simplify_m: float
    points: int
    sessions: list[TrackSession]


def worker_track(
    ctx: PatrolContext, *, worker_id: str, day: date | None = None, simplify: float = 0.0
) -> Track:
    """The worker's fixes of ``day`` (Asia/Shanghai) split into sessions at the tenant's
    session gap, simplified by ``simplify`` metres when above 0.

    The worker reads his own track; the centre, inspectors, grid leaders and instructors any
    worker's of the tenant. Another worker, or an id that is not the tenant's user, is not
    found (404), the same answer as another tenant's worker. A day past the tenant's
    retention is empty: its raw points are gone, its summary stays.
    """
    check_readable(ctx, worker_id)
    settings = ctx.settings.recent()
    today = patrol_day(ctx.now())
    day = today if day is None else day
    if day < today - timedelta(days=settings.retention_days):
        points: list[Point] = []
    else:
        points = ctx.points.points_of_day(worker_id, day)
    return Track(
        worker_id=worker_id,
        day=day,
        simplify_m=simplify,
        points=len(points),
        sessions=intake.raw_track(
            points, session_gap_s=settings.track.session_gap_s, simplify_m=simplify
        ),
    )


def check_readable(ctx: PatrolContext, worker_id: str) -> None:
    if worker_id == ctx.actor:
        return
    if TENANT_TRACK_READERS.isdisjoint(ctx.roles) or not ctx.accounts.has_user(worker_id):
        raise NotFound(f"worker {worker_id} not found")
