"""survey's HTTP API, one blueprint per resource: parse -> one use case -> render.

Every view hands its use case the request's `SurveyContext` (`context()`): tenant, actor and
roles from the verified token, correlation id from the request id. The resident page
(`views.resident`) is the one part served without a token: its one-time link is the key.
"""

from services.survey.use_cases.context import SurveyContext
from shared.auth import Role
from shared.http import request_context

# Who runs surveys: the tenant's centre (a third-party firm's staff get centre accounts to
# enter phone interviews and import result files).
CENTRE = (Role.TENANT_ADMIN, Role.CENTER_STAFF)
# Who reads rates: the centre, and grid roles (rates only, never answers; suppression applies).
RATE_READERS = (
    Role.TENANT_ADMIN,
    Role.CENTER_STAFF,
    Role.INSPECTOR,
    Role.GRID_LEADER,
    Role.GRID_WORKER,
    Role.GRID_INSTRUCTOR,
)


def context() -> SurveyContext:
    """The current request's context (built once per request, after the role check)."""
    return request_context(SurveyContext)
