"""identity's HTTP API, one blueprint per resource: parse -> one use case -> render.

Each view hands its use case the request's context: `context()` on tenant-scoped routes (the
caller's tenant, from the verified token), `platform_context()` on the cross-tenant ones
(platform admins, district overseers, the tenant catalogue). The identity provider (Keycloak
adapter in production, `InMemoryIdentityProvider` in tests) is put on the app by the
composition root with `install_provider`; views take it from there with `identity_provider()`,
so no view builds a Keycloak client itself.
"""

from __future__ import annotations

from typing import Final

from flask import Flask, current_app

from services.identity.domain.ports import IdentityProvider
from services.identity.use_cases.context import IdentityContext, PlatformContext
from shared.auth import current_principal
from shared.http import current_request_id, request_context

PROVIDER_EXTENSION: Final = "gridgov.identity_provider"


def install_provider(app: Flask, provider: IdentityProvider) -> None:
    """Make ``provider`` the identity provider of ``app``'s views."""
    app.extensions[PROVIDER_EXTENSION] = provider


def identity_provider() -> IdentityProvider:
    """The identity provider installed on the current app."""
    provider: IdentityProvider = current_app.extensions[PROVIDER_EXTENSION]
    return provider


def context() -> IdentityContext:
    """The current request's context, bound to the caller's tenant."""
    return request_context(IdentityContext)


def platform_context() -> PlatformContext:
    """The current cross-tenant request's context: the caller and its claims from the verified
    token (never from the request), the request id as correlation id."""
    principal = current_principal()
    return PlatformContext(
        actor=principal.subject,
        correlation_id=current_request_id(),
        roles=principal.roles,
        own_tenant_id=principal.tenant_id,
        district_id=principal.district_id,
    )
