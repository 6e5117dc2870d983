"""scoring settings, read once at start (see shared.settings and shared.runtime)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.runtime import ServiceSettings


@dataclass(frozen=True, kw_only=True)
class ScoringSettings(ServiceSettings):
    """No scoring-specific settings yet; the class is where they will go."""


def load() -> ScoringSettings:
    return ScoringSettings.from_env(service="scoring")
