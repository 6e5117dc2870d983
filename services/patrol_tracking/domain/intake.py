"""What a phone uploads (上传轨迹点 / 心跳), checked at the door, and shown back as it came.

Ingestion is Kafka first: a valid batch becomes one message (`PointsReceived` or
`HeartbeatsReceived`, keyed by the worker so his stream stays ordered) and is acknowledged
only once Kafka holds it; the store and the day fold read it from there. So every rule a
batch can break is checked here, before anything is sent: a batch is taken whole or not at
all, and the answer names each bad entry (``points.7.at``) so the phone can drop or fix it.

The raw track (`raw_track`) is the same fixes drawn back for a map: split into sessions at
the tenant's session gap, optionally simplified, never noise-filtered (the day fold's
cleaned track is `domain.track`'s).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import numpy as np
import shapely

from services.patrol_tracking.domain.points import Heartbeat, Network, Point, Provider
from services.patrol_tracking.domain.settings import IngestRules
from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_HEARTBEATS = 100  # a heartbeat every minute or two: 100 covers a long dead spell
CLIENT_ID_MAX = 64
EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG), as the day fold's great-circle distances
# uuid5 namespace of batch ids: fixed forever, so a resent batch keeps its id across releases.
_BATCH_NAMESPACE = uuid.UUID("6f1c2a52-6d3e-5b8e-9c41-3a7e0d9b2f10")

POINTS_RECEIVED = "patrol.points_received"
HEARTBEATS_RECEIVED = "patrol.heartbeats_received"


def patrol_day(at: datetime) -> date:
    """The tenant's calendar day (Asia/Shanghai) of the instant ``at``."""
    return require_aware(at, "at").astimezone(SHANGHAI).date()


def batch_id(kind: str, tenant_id: str, worker_id: str, client_ids: Iterable[str]) -> str:
    """A uuid5 of the worker and the sorted client ids: a resent batch gets the same id, so
    a phone retrying after a 503 or a lost answer is recognisable downstream."""
    name = "\n".join((kind, tenant_id, worker_id, *sorted(client_ids)))
    return str(uuid.uuid5(_BATCH_NAMESPACE, name))


# -- the messages ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PointsReceived:
    """A batch of a worker's GPS fixes was accepted (Kafka acknowledged it)."""

    worker_id: str
    batch_id: str
    occurred_at: datetime  # when the platform received the batch (its clock, not the phone's)
    points: tuple[Point, ...]

    type: ClassVar[str] = POINTS_RECEIVED
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        # Keyed by worker: his batches stay in order on one partition.
        return self.worker_id

    def payload(self) -> dict[str, Any]:
        """The fixes as sent, instants in ISO 8601 UTC; the worker's own positions are the
        point of the message, nobody else's."""
        return {
            "worker_id": self.worker_id,
            "batch_id": self.batch_id,
            "received_at": _iso(self.occurred_at),
            "points": [_point_payload(point) for point in self.points],
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> PointsReceived:
        """The message back from its payload; `ValueError` when it cannot be read."""
        try:
            return cls(
                worker_id=_text(payload["worker_id"]),
                batch_id=_batch_text(payload["batch_id"]),
                occurred_at=_instant(payload["received_at"]),
                points=tuple(_point(item) for item in payload["points"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{POINTS_RECEIVED} payload: {exc!r}") from exc


@dataclass(frozen=True, slots=True)
class HeartbeatsReceived:
    """A batch of a worker's heartbeats was accepted (Kafka acknowledged it)."""

    worker_id: str
    batch_id: str
    occurred_at: datetime
    heartbeats: tuple[Heartbeat, ...]

    type: ClassVar[str] = HEARTBEATS_RECEIVED
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        # The same key as the points: heartbeats and fixes of a worker share a partition.
        return self.worker_id

    def payload(self) -> dict[str, Any]:
        """The heartbeats as sent, instants in ISO 8601 UTC."""
        return {
            "worker_id": self.worker_id,
            "batch_id": self.batch_id,
            "received_at": _iso(self.occurred_at),
            "heartbeats": [_heartbeat_payload(beat) for beat in self.heartbeats],
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> HeartbeatsReceived:
        """The message back from its payload; `ValueError` when it cannot be read."""
        try:
            return cls(
                worker_id=_text(payload["worker_id"]),
                batch_id=_batch_text(payload["batch_id"]),
                occurred_at=_instant(payload["received_at"]),
                heartbeats=tuple(_heartbeat(item) for item in payload["heartbeats"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{HEARTBEATS_RECEIVED} payload: {exc!r}") from exc


# -- the checks ------------------------------------------------------------------------------------


def receive_points(
    *,
    tenant_id: str,
    worker_id: str,
    points: Sequence[Point],
    rules: IngestRules,
    now: datetime,
) -> PointsReceived:
    """The message for a batch of fixes, or `InvalidInput` naming every bad one.

    A fix is refused when it lies more than ``rules.future_skew_s`` ahead of ``now`` (a phone
    clock gone wrong), more than ``rules.upload_window_days`` (whole 24-hour days) behind it
    (too late to count for its day), or repeats the id of an earlier fix of the batch. A
    batch holds 1 to ``rules.max_batch`` fixes.
    """
    now = require_aware(now)
    problems = _size_problems("points", len(points), rules.max_batch)
    problems += _entry_problems(
        "points", [(p.point_id, p.at) for p in points], rules=rules, now=now, id_field="point_id"
    )
    if problems:
        raise InvalidInput(problems)
    return PointsReceived(
        worker_id=worker_id,
        batch_id=batch_id("points", tenant_id, worker_id, (p.point_id for p in points)),
        occurred_at=now,
        points=tuple(points),
    )


def receive_heartbeats(
    *,
    tenant_id: str,
    worker_id: str,
    heartbeats: Sequence[Heartbeat],
    rules: IngestRules,
    now: datetime,
) -> HeartbeatsReceived:
    """The message for a batch of heartbeats (1 to `MAX_HEARTBEATS`), or `InvalidInput`
    naming every bad one; the time rules are the fixes' (`receive_points`)."""
    now = require_aware(now)
    problems = _size_problems("heartbeats", len(heartbeats), MAX_HEARTBEATS)
    problems += _entry_problems(
        "heartbeats",
        [(beat.heartbeat_id, beat.at) for beat in heartbeats],
        rules=rules,
        now=now,
        id_field="heartbeat_id",
    )
    if problems:
        raise InvalidInput(problems)
    return HeartbeatsReceived(
        worker_id=worker_id,
        batch_id=batch_id(
            "heartbeats", tenant_id, worker_id, (beat.heartbeat_id for beat in heartbeats)
        ),
        occurred_at=now,
        heartbeats=tuple(heartbeats),
    )


def _size_problems(field: str, size: int, largest: int) -> list[FieldProblem]:
    if 1 <= size <= largest:
        return []
    return [FieldProblem(field, f"send 1 to {largest} per request, not {size}")]


def _entry_problems(
    field: str,
    entries: Sequence[tuple[str, datetime]],
    *,
    rules: IngestRules,
    now: datetime,
    id_field: str,
) -> list[FieldProblem]:
    latest = now + timedelta(seconds=rules.future_skew_s)
    earliest = now - timedelta(days=rules.upload_window_days)
    first_index: dict[str, int] = {}
    problems: list[FieldProblem] = []
    for index, (client_id, at) in enumerate(entries):
        if at.tzinfo is None or at.utcoffset() is None:
            problems.append(FieldProblem(f"{field}[{index}].at", "must carry a UTC offset"))
        elif at > latest:
            problems.append(
                FieldProblem(
                    f"{field}[{index}].at",
                    f"more than {rules.future_skew_s} s ahead of the server's clock: "
                    "check the phone's time",
                )
            )
        elif at < earliest:
            problems.append(
                FieldProblem(
                    f"{field}[{index}].at",
                    f"older than the upload window of {rules.upload_window_days} days",
                )
            )
        first = first_index.setdefault(client_id, index)
        if first != index:
            problems.append(
                FieldProblem(f"{field}[{index}].{id_field}", f"repeats the id of entry {first}")
            )
    return problems


# -- payload <-> domain ----------------------------------------------------------------------------


def _point_payload(point: Point) -> dict[str, Any]:
    return {
        "point_id": point.point_id,
        "at": _iso(point.at),
        "lat": point.lat,
        "lon": point.lon,
        "accuracy_m": point.accuracy_m,
        "provider": point.provider.value,
        "speed_mps": point.speed_mps,
        "bearing_deg": point.bearing_deg,
        "battery_pct": point.battery_pct,
    }


def _heartbeat_payload(beat: Heartbeat) -> dict[str, Any]:
    return {
        "heartbeat_id": beat.heartbeat_id,
        "at": _iso(beat.at),
        "app_alive": beat.app_alive,
        "gps_permission": beat.gps_permission,
        "battery_saver": beat.battery_saver,
        "network": beat.network.value,
        "battery_pct": beat.battery_pct,
    }


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _point(item: Mapping[str, Any]) -> Point:
    return Point(
        point_id=_text(item["point_id"]),
        at=_instant(item["at"]),
        lat=_number(item["lat"], -90.0, 90.0),
        lon=_number(item["lon"], -180.0, 180.0),
        accuracy_m=_number(item["accuracy_m"], 0.0, math.inf),
        provider=Provider(item["provider"]),
        speed_mps=_optional_number(item.get("speed_mps")),
        bearing_deg=_optional_number(item.get("bearing_deg")),
        battery_pct=_optional_int(item.get("battery_pct")),
    )


def _heartbeat(item: Mapping[str, Any]) -> Heartbeat:
    return Heartbeat(
        heartbeat_id=_text(item["heartbeat_id"]),
        at=_instant(item["at"]),
        app_alive=_flag(item["app_alive"]),
        gps_permission=_flag(item["gps_permission"]),
        battery_saver=_flag(item["battery_saver"]),
        network=Network(item["network"]),
        battery_pct=_optional_int(item.get("battery_pct")),
    )


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value


def _batch_text(value: object) -> str:
    # A payload its contract loaded carries the batch id as a UUID.
    return str(value) if isinstance(value, uuid.UUID) else _text(value)


def _instant(value: object) -> datetime:
    # The raw payload carries ISO strings; a payload its contract loaded carries datetimes.
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(_text(value))
    if parsed.tzinfo is None:
        raise ValueError(f"instant without a UTC offset: {value!r}")
    return parsed


def _number(value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    number = float(value)
    if not low <= number <= high:  # NaN fails this too
        raise ValueError(f"{number} outside {low}..{high}")
    return number


def _optional_number(value: object) -> float | None:
    return None if value is None else _number(value, -math.inf, math.inf)


def _optional_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected an integer, got {value!r}")
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


# -- the raw track ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrackSession:
    """One stretch of fixes without a gap longer than the session gap (巡查时段), as drawn:
    `coordinates` are (lon, lat) pairs, simplified when asked; `points` counts the raw
    fixes it was drawn from."""

    index: int
    start: datetime
    end: datetime
    points: int
    coordinates: tuple[tuple[float, float], ...]


def raw_track(
    points: Sequence[Point], *, session_gap_s: int, simplify_m: float = 0.0
) -> list[TrackSession]:
    """The fixes in time order, split where two consecutive fixes are more than
    ``session_gap_s`` apart; with ``simplify_m > 0`` each session's line is simplified
    (Douglas-Peucker, topology preserved) with that tolerance in metres.

    Simplification works on a local projection (equirectangular about the session's mean
    latitude: metres east and north), exact enough at a street office's scale, a few km,
    where a degree tolerance would stretch east-west by 1/cos(latitude). Nothing is filtered:
    what the phone sent is what is drawn.
    """
    if not points:
        return []
    ordered = sorted(points, key=lambda point: (point.at, point.point_id))
    at_s = np.array([point.at.timestamp() for point in ordered])
    breaks = np.flatnonzero(np.diff(at_s) > session_gap_s) + 1
    sessions: list[TrackSession] = []
    for index, (first, stop) in enumerate(
        zip([0, *breaks.tolist()], [*breaks.tolist(), len(ordered)], strict=True)
    ):
        part = ordered[first:stop]
        lon = np.array([point.lon for point in part])
        lat = np.array([point.lat for point in part])
        if simplify_m > 0 and len(part) > 2:
            lon, lat = _simplified(lon, lat, simplify_m)
        sessions.append(
            TrackSession(
                index=index,
                start=part[0].at,
                end=part[-1].at,
                points=len(part),
                coordinates=tuple(zip(lon.tolist(), lat.tolist(), strict=True)),
            )
        )
    return sessions


def _simplified(lon: np.ndarray, lat: np.ndarray, tolerance_m: float) -> tuple[np.ndarray, ...]:
    lat0 = math.radians(float(lat.mean()))
    lon0 = float(lon.mean())
    x = np.radians(lon - lon0) * EARTH_RADIUS_M * math.cos(lat0)
    y = np.radians(lat) * EARTH_RADIUS_M
    line = shapely.simplify(
        shapely.linestrings(np.column_stack((x, y))), tolerance_m, preserve_topology=True
    )
    kept = shapely.get_coordinates(line)
    return (
        np.degrees(kept[:, 0] / (EARTH_RADIUS_M * math.cos(lat0))) + lon0,
        np.degrees(kept[:, 1] / EARTH_RADIUS_M),
    )
