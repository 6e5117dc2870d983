"""What a grid worker's phone sends: GPS points and heartbeats (巡查轨迹点 / 心跳).

These two records are the shared vocabulary of ingestion (validated at the edge, carried on
Kafka, stored), the patrol-day fold and the queries. Instants are aware UTC datetimes taken
from the device clock; the worker and tenant never come from the phone's body but from its
token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Provider(StrEnum):
    """Where the phone's position came from."""

    GPS = "gps"
    NETWORK = "network"
    FUSED = "fused"


class Network(StrEnum):
    """The phone's connection when it sent a heartbeat."""

    WIFI = "wifi"
    CELLULAR = "cellular"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Point:
    """One GPS fix as the phone recorded it.

    `point_id` is the phone's own id for the fix (unique per worker): resending a buffered batch
    repeats ids, and the platform keeps each id once.
    """

    point_id: str
    at: datetime
    lat: float
    lon: float
    accuracy_m: float
    provider: Provider
    speed_mps: float | None = None
    bearing_deg: float | None = None
    battery_pct: int | None = None

    @classmethod
    def of(cls, fields: Mapping[str, Any]) -> Point:
        """The fix from its fields by name (a loaded request, a stored row); optional ones may
        be absent."""
        return cls(
            point_id=fields["point_id"],
            at=fields["at"],
            lat=fields["lat"],
            lon=fields["lon"],
            accuracy_m=fields["accuracy_m"],
            provider=Provider(fields["provider"]),
            speed_mps=fields.get("speed_mps"),
            bearing_deg=fields.get("bearing_deg"),
            battery_pct=fields.get("battery_pct"),
        )


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The app saying it is alive, and in what condition, whether or not it records points.

    Heartbeats tell "the phone stopped reporting" (no heartbeat: app killed, phone off, no
    signal) from "the worker stopped patrolling" (heartbeats say all is well, no points) and
    from "GPS was switched off" (heartbeats say so).
    """

    heartbeat_id: str
    at: datetime
    app_alive: bool
    gps_permission: bool
    battery_saver: bool
    network: Network
    battery_pct: int | None = None

    @classmethod
    def of(cls, fields: Mapping[str, Any]) -> Heartbeat:
        """The heartbeat from its fields by name (a loaded request, a stored row)."""
        return cls(
            heartbeat_id=fields["heartbeat_id"],
            at=fields["at"],
            app_alive=fields["app_alive"],
            gps_permission=fields["gps_permission"],
            battery_saver=fields["battery_saver"],
            network=Network(fields["network"]),
            battery_pct=fields.get("battery_pct"),
        )
