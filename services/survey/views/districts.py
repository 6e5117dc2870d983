"""区平均满意率 (the district average): for the district overseer (his district from the
token), platform admins (a district they name) and the member tenants' rate readers (their own
district; the district-level figures and their own rate, never another member's)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.survey.schemas.districts import (
    DistrictAveragesSchema,
    DistrictQuerySchema,
    averages_body,
)
from services.survey.use_cases import districts as use_cases
from services.survey.views import RATE_READERS, context
from shared.auth import Role, current_principal, require_roles
from shared.http import Blueprint

blp = Blueprint("districts", __name__, description="区平均满意率 (district averages)")


@blp.route("/district/averages")
class DistrictAverages(MethodView):
    @blp.arguments(DistrictQuerySchema, location="query")
    @blp.response(200, DistrictAveragesSchema)
    @require_roles(Role.DISTRICT_OVERSEER, Role.PLATFORM_ADMIN, *RATE_READERS, tenant_scoped=False)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The district's averages for a period (one per definition, or the one named): the
        plain mean of the member tenants' published tenant rates, how many are counted, the
        pooled rate, and the members' tenant rates (overseers; a tenant sees its own)."""
        principal = current_principal()
        if principal.is_cross_tenant:
            reader = use_cases.DistrictReader(
                actor=principal.subject, roles=principal.roles, district_id=principal.district_id
            )
            return averages_body(use_cases.overseer_averages(reader, **query))
        return averages_body(use_cases.tenant_averages(context(), **query))
