"""event_intake settings, read once at start (see shared.settings and shared.runtime)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.runtime import ServiceSettings


@dataclass(frozen=True, kw_only=True)
class EventIntakeSettings(ServiceSettings):
    """No event_intake-specific settings yet; the class is where they will go."""


def load() -> EventIntakeSettings:
    return EventIntakeSettings.from_env(service="event_intake")
