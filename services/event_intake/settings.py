"""event_intake settings, read once at start (see shared.settings and shared.runtime)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.runtime import ServiceSettings
from shared.settings import setting


@dataclass(frozen=True, kw_only=True)
class EventIntakeSettings(ServiceSettings):
    """The platform's settings and how often the worker scans for passed deadlines."""

    overdue_scan_seconds: float = setting(
        default=30.0, minimum=1, maximum=3600, doc="seconds between two overdue scans"
    )
    # One event photo as uploaded (GRIDGOV_PHOTO_MAX_BYTES): 413 above it. Phones send 2-8 MB.
    photo_max_bytes: int = setting(default=10 * 1_048_576, minimum=1, maximum=64 * 1_048_576)


def load() -> EventIntakeSettings:
    return EventIntakeSettings.from_env(service="event_intake")
