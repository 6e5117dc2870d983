"""identity settings, read once at start (see shared.settings and shared.runtime)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.runtime import ServiceSettings


@dataclass(frozen=True, kw_only=True)
class IdentitySettings(ServiceSettings):
    """No identity-specific settings yet; the class is where they will go."""


def load() -> IdentitySettings:
    return IdentitySettings.from_env(service="identity")
