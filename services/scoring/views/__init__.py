"""scoring's HTTP API, one blueprint per resource: parse -> one use case -> render.

Every view hands its use case the request's `ScoringContext` (`context()`): tenant, actor and
roles from the verified token, correlation id from the request id.
"""

from services.scoring.use_cases.context import ScoringContext
from shared.auth import Role
from shared.http import request_context

# The tenant's assessment office: schemes, manual inputs, evaluations, the whole ledger.
CENTRE = (Role.TENANT_ADMIN, Role.CENTER_STAFF)


def context() -> ScoringContext:
    """The current request's context (built once per request, after the role check)."""
    return request_context(ScoringContext)
