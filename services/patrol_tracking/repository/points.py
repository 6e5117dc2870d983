"""The stored raw points and heartbeats of one tenant: bulk inserts, day reads, retention.

Inserts bypass the document classes on purpose: an upload of 500 fixes becomes 500 plain dicts
(without the revision and outbox fields of documents that are updated or publish: these are
neither) in unordered `insert_many` commands of `INSERT_CHUNK` documents, `INSERTS_IN_FLIGHT`
at a time. Measured on the local FerretDB (2,000 new fixes, 2 cores): one command at a time
3,500-3,700 fixes/s whatever the chunk; four in flight 4,800/s with 50, 5,500/s with 100,
5,800/s with 200 a command. 100 keeps a command within the size FerretDB's pool is safe with
at nearly the best rate. A duplicate `_id` is the same entry again (a resent batch, a
redelivered message): its error is expected and ignored. It is not free: a command holding
duplicates is far slower on FerretDB (2,000 duplicates took 1.5-3 s), a price only
redeliveries and resends pay. Any other write error raises, and the message is redelivered.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Any

from pymongo.collection import Collection
from pymongo.errors import BulkWriteError

from services.patrol_tracking.documents.points import (
    PatrolHeartbeatDocument,
    PatrolPointDocument,
)
from services.patrol_tracking.domain.intake import HeartbeatsReceived, PointsReceived, patrol_day
from services.patrol_tracking.domain.points import Heartbeat, Point
from shared.mongo import TenantRepository

INSERT_CHUNK = 100
INSERTS_IN_FLIGHT = 4
# Days a retention pass looks back from its cut-off: buckets only appear within the upload
# window (at most 30 days behind the clock), so a daily pass that missed up to this many
# runs still finds every bucket that crossed the cut-off since.
RETENTION_LOOKBACK_DAYS = 45
_DUPLICATE_KEY = 11000
_POINT_FIELDS = dict.fromkeys(
    (
        "point_id",
        "at",
        "lat",
        "lon",
        "accuracy_m",
        "provider",
        "speed_mps",
        "bearing_deg",
        "battery_pct",
    ),
    1,
)
_HEARTBEAT_FIELDS = dict.fromkeys(
    (
        "heartbeat_id",
        "at",
        "app_alive",
        "gps_permission",
        "battery_saver",
        "network",
        "battery_pct",
    ),
    1,
)


class PointRepository(TenantRepository[PatrolPointDocument]):
    """A tenant's raw points (and, beside them, its heartbeats)."""

    document = PatrolPointDocument
    _settled: Callable[[], object] | None = None

    def after(self, settled: Callable[[], object] | None) -> PointRepository:
        """This repository with every read waiting for ``settled()`` first (the inserts of
        the chunk being folded; it raises when they failed, and so does the read). A copy:
        this one's reads do not start waiting."""
        waiting = copy.copy(self)
        waiting._settled = settled
        return waiting

    # -- writes (the consumer) -----------------------------------------------------------------

    def insert_points(self, uploads: Sequence[PointsReceived]) -> int:
        """Store every fix of ``uploads`` once; returns how many were new."""
        rows = [self._point_row(upload, point) for upload in uploads for point in upload.points]
        return _insert(self._collection(), rows)

    def insert_heartbeats(self, uploads: Sequence[HeartbeatsReceived]) -> int:
        """Store every heartbeat of ``uploads`` once; returns how many were new."""
        rows = [
            self._heartbeat_row(upload, beat) for upload in uploads for beat in upload.heartbeats
        ]
        return _insert(self._heartbeats(), rows)

    def drop_before(
        self, day: date, *, lookback_days: int = RETENTION_LOOKBACK_DAYS
    ) -> tuple[int, int]:
        """Delete the points and heartbeats of the ``lookback_days`` days before ``day`` (the
        retention cut-off: ``day`` itself is kept); returns (points, heartbeats) deleted.

        One `delete_many` per day bucket and collection, each an equality on tenant and day
        (the only filter FerretDB hands to its database); deletes need no lease.
        """
        points = heartbeats = 0
        for offset in range(1, lookback_days + 1):
            bucket_day = day - timedelta(days=offset)
            bucket = {"tenant_id": self.tenant_id, "day": bucket_day.isoformat()}
            points += self._collection().delete_many(bucket).deleted_count
            heartbeats += self._heartbeats().delete_many(bucket).deleted_count
        return points, heartbeats

    # -- reads (the day fold, the track) -------------------------------------------------------

    def points_of_day(self, worker_id: str, day: date) -> list[Point]:
        """The worker's fixes of ``day`` (Asia/Shanghai), in time order."""
        self._settle()
        rows = self._collection().find(self._bucket(worker_id, day), _POINT_FIELDS)
        points = [Point.of(row) for row in rows]
        points.sort(key=lambda point: (point.at, point.point_id))
        return points

    def heartbeats_of_day(self, worker_id: str, day: date) -> list[Heartbeat]:
        """The worker's heartbeats of ``day`` (Asia/Shanghai), in time order."""
        self._settle()
        rows = self._heartbeats().find(self._bucket(worker_id, day), _HEARTBEAT_FIELDS)
        beats = [Heartbeat.of(row) for row in rows]
        beats.sort(key=lambda beat: (beat.at, beat.heartbeat_id))
        return beats

    # -- helpers -------------------------------------------------------------------------------

    def _settle(self) -> None:
        if self._settled is not None:
            self._settled()

    def _bucket(self, worker_id: str, day: date) -> dict[str, str]:
        return {"tenant_id": self.tenant_id, "worker_id": worker_id, "day": day.isoformat()}

    def _heartbeats(self) -> Collection[Any]:
        collection: Collection[Any] = PatrolHeartbeatDocument._get_collection()
        return collection

    def _key(self, worker_id: str, client_id: str) -> str:
        return f"{self.tenant_id}|{worker_id}|{client_id}"

    def _point_row(self, upload: PointsReceived, point: Point) -> dict[str, Any]:
        return {
            "_id": self._key(upload.worker_id, point.point_id),
            "tenant_id": self.tenant_id,
            "worker_id": upload.worker_id,
            "point_id": point.point_id,
            **_when(point.at),
            "lat": point.lat,
            "lon": point.lon,
            "accuracy_m": point.accuracy_m,
            "provider": point.provider.value,
            "speed_mps": point.speed_mps,
            "bearing_deg": point.bearing_deg,
            "battery_pct": point.battery_pct,
            "batch_id": upload.batch_id,
            "received_at": upload.occurred_at,
        }

    def _heartbeat_row(self, upload: HeartbeatsReceived, beat: Heartbeat) -> dict[str, Any]:
        return {
            "_id": self._key(upload.worker_id, beat.heartbeat_id),
            "tenant_id": self.tenant_id,
            "worker_id": upload.worker_id,
            "heartbeat_id": beat.heartbeat_id,
            **_when(beat.at),
            "app_alive": beat.app_alive,
            "gps_permission": beat.gps_permission,
            "battery_saver": beat.battery_saver,
            "network": beat.network.value,
            "battery_pct": beat.battery_pct,
            "batch_id": upload.batch_id,
            "received_at": upload.occurred_at,
        }


def _when(at: datetime) -> dict[str, Any]:
    return {"day": patrol_day(at).isoformat(), "at": at, "at_ms": int(at.timestamp() * 1000)}


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), INSERT_CHUNK):
        yield rows[start : start + INSERT_CHUNK]


def _insert(collection: Collection[Any], rows: Sequence[dict[str, Any]]) -> int:
    """Insert ``rows`` in unordered chunks, a few in flight; duplicates are skipped."""
    if not rows:
        return 0
    chunks = list(_chunks(rows))
    if len(chunks) == 1:
        return _insert_chunk(collection, chunks[0])
    return sum(_pool().map(lambda chunk: _insert_chunk(collection, chunk), chunks))


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """The process's insert threads, made once: a pool per chunk of uploads made and dropped
    threads (and their allocator arenas) thousands of times an hour, and the consumer's memory
    grew with them."""
    global _POOL  # noqa: PLW0603 - one pool per process, like the point stream
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(
                max_workers=INSERTS_IN_FLIGHT, thread_name_prefix="patrol-insert"
            )
        return _POOL


def _insert_chunk(collection: Collection[Any], chunk: Sequence[dict[str, Any]]) -> int:
    try:
        return len(collection.insert_many(chunk, ordered=False).inserted_ids)
    except BulkWriteError as exc:
        details: Mapping[str, Any] = exc.details
        errors = details.get("writeErrors", [])
        others = [error for error in errors if error.get("code") != _DUPLICATE_KEY]
        if others or details.get("writeConcernErrors"):
            raise
        return int(details.get("nInserted", 0))
