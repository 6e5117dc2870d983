"""event_intake's HTTP API, one blueprint per resource: parse -> one use case -> render.

Every view hands its use case the request's `IntakeContext` (`context()`): tenant, actor and
roles from the verified token, correlation id from the request id.
"""

from services.event_intake.use_cases.context import IntakeContext
from shared.auth import Role
from shared.http import request_context

# Everyone of the tenant who works with events; what each sees is narrowed by the use case
# (a grid worker his grids' events, a department what was dispatched to it).
READERS = (
    Role.TENANT_ADMIN,
    Role.CENTER_STAFF,
    Role.INSPECTOR,
    Role.GRID_LEADER,
    Role.GRID_WORKER,
    Role.GRID_INSTRUCTOR,
)
CENTRE = (Role.TENANT_ADMIN, Role.CENTER_STAFF)


def context() -> IntakeContext:
    """The current request's context (built once per request, after the role check)."""
    return request_context(IntakeContext)
