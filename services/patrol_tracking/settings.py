"""patrol_tracking settings, read once at start (see shared.settings and shared.runtime)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.runtime import ServiceSettings
from shared.settings import setting


@dataclass(frozen=True, kw_only=True)
class PatrolTrackingSettings(ServiceSettings):
    """patrol_tracking's own settings (``GRIDGOV_<NAME>``)."""

    # How long an upload waits for Kafka's acknowledgement (and for a broker, metadata or
    # buffer space) before the phone gets 503 and keeps its buffer.
    points_ack_timeout_seconds: float = setting(default=3.0, minimum=0.5, maximum=30.0)
    # How often the worker looks for days whose cut-off passed (and for raw points past their
    # tenant's retention): a day is finalised at most this long after its cut-off.
    finalise_scan_seconds: float = setting(
        default=30.0, minimum=1, maximum=3600, doc="seconds between two cut-off scans"
    )
    retention_scan_seconds: float = setting(
        default=3600.0, minimum=10, maximum=86400, doc="seconds between two retention passes"
    )


def load() -> PatrolTrackingSettings:
    return PatrolTrackingSettings.from_env(service="patrol_tracking")
