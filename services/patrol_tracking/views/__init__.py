"""patrol_tracking's HTTP API, one blueprint per resource: parse -> one use case -> render.

Every view hands its use case the request's `PatrolContext` (`context()`): tenant, actor and
roles from the verified token, correlation id from the request id.
"""

from services.patrol_tracking.use_cases.context import PatrolContext
from shared.auth import Role
from shared.http import request_context

# Who patrols with a phone: the grid team's roles. The worker is always the token's subject.
PATROLLERS = (Role.GRID_WORKER, Role.GRID_LEADER, Role.GRID_INSTRUCTOR)
# Who reads patrol data: the centre sees the tenant's, a grid role his own (narrowed by the
# use case), inspectors the tenant's.
READERS = (
    Role.TENANT_ADMIN,
    Role.CENTER_STAFF,
    Role.INSPECTOR,
    Role.GRID_LEADER,
    Role.GRID_WORKER,
    Role.GRID_INSTRUCTOR,
)
CENTRE = (Role.TENANT_ADMIN, Role.CENTER_STAFF)


def context() -> PatrolContext:
    """The current request's context (built once per request, after the role check)."""
    return request_context(PatrolContext)
