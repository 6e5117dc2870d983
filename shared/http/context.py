"""The edge's half of `shared.context`: the current request's context, built once."""

from __future__ import annotations

from typing import TypeVar

from flask import g

from shared.auth import current_principal, current_tenant_id
from shared.context import RequestContext

C = TypeVar("C", bound=RequestContext)


def current_request_id() -> str | None:
    """The current request's id: the correlation id of everything the request causes."""
    request_id: str | None = g.get("request_id")
    return request_id


def request_context(cls: type[C]) -> C:
    """The `cls` context of the current request: tenant and actor from the verified token
    (never from the request), correlation id from the request id. Built on first use and kept
    for the rest of the request, so every use case a view calls shares its repositories."""
    cached = g.get("gridgov_context")
    if isinstance(cached, cls):
        return cached
    principal = current_principal()
    context = cls(
        tenant_id=current_tenant_id(),
        actor=principal.subject,
        correlation_id=current_request_id(),
        roles=principal.roles,
    )
    g.gridgov_context = context
    return context
