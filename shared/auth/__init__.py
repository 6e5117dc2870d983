"""Keycloak access tokens verified locally, the principal, and the role guards.

``TokenVerifier.verify(token) -> Principal`` checks a token without calling Keycloak (cached
JWKS, refetched only for unknown kids, rate-limited). In views, ``current_principal()`` and
``current_tenant_id()`` read the caller the app factory authenticated, and
``@require_roles(Role.TENANT_ADMIN, ...)`` guards a view.

The names are loaded on first use (PEP 562): a domain module that needs only
``shared.auth.principal.Role`` must not pull Flask, werkzeug, PyJWT and requests in with this
package's ``__init__`` (tests/ops/test_dependency_rule.py imports each domain in a fresh
interpreter and checks).
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.auth.guards import (
        NotAuthenticated,
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
    from shared.errors import PermissionDenied

_HOME = {
    "PermissionDenied": "shared.errors",
    **dict.fromkeys(
        (
            "NotAuthenticated",
            "current_principal",
            "current_tenant_id",
            "is_public",
            "public",
            "require_roles",
            "set_current_principal",
        ),
        "shared.auth.guards",
    ),
    **dict.fromkeys(
        ("CROSS_TENANT_ROLES", "ClaimsError", "Principal", "Role"), "shared.auth.principal"
    ),
    **dict.fromkeys(
        (
            "JwksCache",
            "JwksFetcher",
            "SigningKey",
            "TokenError",
            "TokenVerifier",
            "http_jwks_fetcher",
        ),
        "shared.auth.verifier",
    ),
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'shared.auth' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
