"""Keycloak access tokens verified locally, the principal, and the role guards.

``TokenVerifier.verify(token) -> Principal`` checks a token without calling Keycloak (cached
JWKS, refetched only for unknown kids, rate-limited). In views, ``current_principal()`` and
``current_tenant_id()`` read the caller the app factory authenticated, and
``@require_roles(Role.TENANT_ADMIN, ...)`` guards a view.
"""

from shared.auth.guards import (
    NotAuthenticated,
    PermissionDenied,
    current_principal,
    current_tenant_id,
    is_public,
    public,
    require_roles,
    set_current_principal,
)
from shared.auth.principal import CROSS_TENANT_ROLES, ClaimsError, Principal, Role
from shared.auth.verifier import (
    JwksCache,
    JwksFetcher,
    SigningKey,
    TokenError,
    TokenVerifier,
    http_jwks_fetcher,
)

__all__ = [
    "CROSS_TENANT_ROLES",
    "ClaimsError",
    "JwksCache",
    "JwksFetcher",
    "NotAuthenticated",
    "PermissionDenied",
    "Principal",
    "Role",
    "SigningKey",
    "TokenError",
    "TokenVerifier",
    "current_principal",
    "current_tenant_id",
    "http_jwks_fetcher",
    "is_public",
    "public",
    "require_roles",
    "set_current_principal",
]
