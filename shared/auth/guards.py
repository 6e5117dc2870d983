"""Per-request access to the principal and the role guards for views.

The app factory (``shared.http``) authenticates each request before the view runs and stores
the principal with ``set_current_principal``; the functions here only read it. They raise
``NotAuthenticated`` (rendered as 401) and ``PermissionDenied`` (rendered as 403).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from flask import g

from shared.auth.principal import Principal
from shared.errors import PermissionDenied

P = ParamSpec("P")
R = TypeVar("R")

_PUBLIC_ATTRIBUTE = "_gridgov_public"


class NotAuthenticated(Exception):
    """No valid bearer token; ``reason`` is safe to show to the client.

    ``invalid_token`` says a token was sent but rejected (RFC 6750 ``error="invalid_token"``),
    as opposed to no token at all.
    """

    def __init__(
        self, reason: str = "a valid bearer token is required", *, invalid_token: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invalid_token = invalid_token


def set_current_principal(principal: Principal | None) -> None:
    """Store the request's principal (called by the app factory's authentication hook)."""
    g.gridgov_principal = principal


def current_principal() -> Principal:
    """The authenticated caller of the current request; ``NotAuthenticated`` if none."""
    principal: Principal | None = g.get("gridgov_principal")
    if principal is None:
        raise NotAuthenticated()
    return principal


def current_tenant_id() -> str:
    """The caller's tenant; ``PermissionDenied`` for untenanted (cross-tenant) callers."""
    tenant_id = current_principal().tenant_id
    if tenant_id is None:
        raise PermissionDenied("this endpoint is tenant-scoped and the token carries no tenant")
    return tenant_id


def require_roles(
    *roles: str, tenant_scoped: bool = True
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Allow the view only to principals holding at least one of ``roles``.

    With no roles, any authenticated principal passes the role check. ``tenant_scoped``
    (the default) also refuses a principal without ``tenant_id`` with 403; pass
    ``tenant_scoped=False`` on cross-tenant endpoints (platform or district views). Put it
    below the flask-smorest decorators (``@blp.arguments``/``@blp.response``), right above
    the function.
    """

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            principal = current_principal()
            if roles and not principal.has_any_role(*roles):
                raise PermissionDenied(f"requires one of the roles: {', '.join(roles)}")
            if tenant_scoped and principal.tenant_id is None:
                raise PermissionDenied(
                    "this endpoint is tenant-scoped and the token carries no tenant"
                )
            return view(*args, **kwargs)

        guarded._gridgov_roles = roles  # type: ignore[attr-defined]
        return guarded

    return decorate


def public(view: Callable[P, R]) -> Callable[P, R]:
    """Mark a view as reachable without a token (health, readiness, metrics)."""
    setattr(view, _PUBLIC_ATTRIBUTE, True)
    return view


def is_public(view: Callable[..., Any] | None, method: str | None = None) -> bool:
    """True when ``view`` was marked with ``public``.

    Looks through decorator wrappers and, for a ``MethodView``, at the handler of ``method``.
    """
    candidates: list[Any] = [view]
    view_class = getattr(view, "view_class", None)
    if view_class is not None and method is not None:
        candidates.append(getattr(view_class, method.lower(), None))
    for start in candidates:
        candidate = start
        while candidate is not None:
            if getattr(candidate, _PUBLIC_ATTRIBUTE, False):
                return True
            candidate = getattr(candidate, "__wrapped__", None)
    return False
