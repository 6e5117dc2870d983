"""grid_registry settings, read once at start (see shared.settings and shared.runtime)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.runtime import ServiceSettings


@dataclass(frozen=True, kw_only=True)
class RegistrySettings(ServiceSettings):
    """No registry-specific settings yet; the class is where they will go."""


def load() -> RegistrySettings:
    return RegistrySettings.from_env(service="grid_registry")
