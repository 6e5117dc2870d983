"""identity settings, read once at start (see shared.settings and shared.runtime)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from shared.runtime import ServiceSettings
from shared.settings import Secret, SettingProblem, SettingsError, setting

# The dev realm's own value (deploy/keycloak/gridgov-realm.json): public, local only.
DEV_IDENTITY_CLIENT_SECRET: Final = "gridgov-identity-local-secret"  # noqa: S105
_DEV_ENVIRONMENTS: Final = frozenset({"dev", "test"})


@dataclass(frozen=True, kw_only=True)
class IdentitySettings(ServiceSettings):
    """Keycloak admin access through identity's own service account (client credentials).

    ``GRIDGOV_IDENTITY_CLIENT_SECRET`` is required in staging and prod; dev and test fall back
    to the dev realm's public value.
    """

    identity_client_id: str = setting(default="gridgov-identity")
    identity_client_secret: Secret | None = setting(default=None)  # noqa: RUF009 - a field()
    keycloak_timeout_seconds: float = setting(default=5.0, minimum=0.5, maximum=60.0)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.identity_client_secret is None:
            if self.env not in _DEV_ENVIRONMENTS:
                raise SettingsError(
                    type(self).__name__,
                    [
                        SettingProblem(
                            "GRIDGOV_IDENTITY_CLIENT_SECRET", f"is required when env={self.env}"
                        )
                    ],
                )
            object.__setattr__(self, "identity_client_secret", Secret(DEV_IDENTITY_CLIENT_SECRET))

    @property
    def client_secret(self) -> Secret:
        """The service account's secret (always set once the settings are built)."""
        assert self.identity_client_secret is not None
        return self.identity_client_secret


def load() -> IdentitySettings:
    return IdentitySettings.from_env(service="identity")
