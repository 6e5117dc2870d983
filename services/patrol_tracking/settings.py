"""patrol_tracking settings, read once at start (see shared.settings and shared.runtime)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.runtime import ServiceSettings


@dataclass(frozen=True, kw_only=True)
class PatrolTrackingSettings(ServiceSettings):
    """No patrol_tracking-specific settings yet; the class is where they will go."""


def load() -> PatrolTrackingSettings:
    return PatrolTrackingSettings.from_env(service="patrol_tracking")
