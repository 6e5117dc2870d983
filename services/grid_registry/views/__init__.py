"""grid_registry's HTTP API, one blueprint per resource: parse -> one use case -> render.

Every view hands its use case the request's `RegistryContext` (`context()`): tenant, actor and
roles from the verified token, correlation id from the request id.
"""

from services.grid_registry.use_cases.context import RegistryContext
from shared.auth import Role
from shared.http import request_context

READERS = (
    Role.TENANT_ADMIN,
    Role.CENTER_STAFF,
    Role.INSPECTOR,
    Role.GRID_LEADER,
    Role.GRID_WORKER,
    Role.GRID_INSTRUCTOR,
)
WRITERS = (Role.TENANT_ADMIN, Role.CENTER_STAFF)


def context() -> RegistryContext:
    """The current request's context (built once per request, after the role check)."""
    return request_context(RegistryContext)
