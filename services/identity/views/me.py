"""identity's HTTP API."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.identity.schemas.me import MeSchema
from shared.auth import current_principal, require_roles
from shared.http import Blueprint

blp = Blueprint("me", __name__, url_prefix="/me", description="当前用户 (the caller)")


@blp.route("")
class Me(MethodView):
    @blp.response(200, MeSchema)
    @require_roles(tenant_scoped=False)
    def get(self) -> dict[str, Any]:
        """Who the verified token says the caller is: tenant, district and roles."""
        principal = current_principal()
        return {
            "subject": principal.subject,
            "username": principal.username,
            "tenant_id": principal.tenant_id,
            "district_id": principal.district_id,
            "roles": sorted(principal.roles),
        }
