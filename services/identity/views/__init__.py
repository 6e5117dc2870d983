"""identity's HTTP API, one blueprint per resource: parse -> one use case -> render.

The identity provider (Keycloak adapter in production, `InMemoryIdentityProvider` in tests) is
put on the app by the composition root with `install_provider`; views take it from there with
`identity_provider()`, so no view builds a Keycloak client itself.
"""

from __future__ import annotations

from typing import Final

from flask import Flask, current_app

from services.identity.domain.ports import IdentityProvider

PROVIDER_EXTENSION: Final = "gridgov.identity_provider"


def install_provider(app: Flask, provider: IdentityProvider) -> None:
    """Make ``provider`` the identity provider of ``app``'s views."""
    app.extensions[PROVIDER_EXTENSION] = provider


def identity_provider() -> IdentityProvider:
    """The identity provider installed on the current app."""
    provider: IdentityProvider = current_app.extensions[PROVIDER_EXTENSION]
    return provider
