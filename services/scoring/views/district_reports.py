"""区县对比 (district reports) for a district overseer: his district (from the token's
`district_id` claim only) tenants side by side, their trend, one tenant's divisions, and the
Excel export. Any other role gets 403; a tenant outside his district is a 404."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, send_file
from flask.views import MethodView

from services.scoring.schemas.district_reports import (
    DistrictReportSchema,
    DistrictTrendSchema,
    DivisionReportSchema,
    ReportQuerySchema,
    TrendQuerySchema,
    divisions_body,
    report_body,
    trend_body,
)
from services.scoring.use_cases import district_reports as use_cases
from shared.auth import Role, current_principal, require_roles
from shared.context import utc_now
from shared.http import Blueprint
from shared.http.context import current_request_id

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OVERSEER = Role.DISTRICT_OVERSEER

blp = Blueprint("district_reports", __name__, description="区县对比 (district reports)")


def _reader() -> use_cases.DistrictReader:
    principal = current_principal()
    return use_cases.DistrictReader(
        actor=principal.subject,
        district_id=principal.district_id,
        correlation_id=current_request_id(),
    )


@blp.route("/district/report")
class DistrictReport(MethodView):
    @blp.arguments(ReportQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, DistrictReportSchema)
    @require_roles(OVERSEER, tenant_scoped=False)
    def get(self, period: str) -> dict[str, Any]:
        """The district's tenants side by side for a period: comparable indicators computed
        the same way for every tenant (each rate with its numerator and denominator), next to
        each tenant's own published mean total with its scheme, version and edition."""
        return report_body(use_cases.district_report(_reader(), period=period, now=utc_now()))


@blp.route("/district/report/trend")
class DistrictTrend(MethodView):
    @blp.arguments(TrendQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, DistrictTrendSchema)
    @require_roles(OVERSEER, tenant_scoped=False)
    def get(self, first: str, last: str, kind: str) -> dict[str, Any]:
        """Each tenant's indicators over the periods from ``from`` to ``to`` (at most 24)."""
        return trend_body(
            use_cases.district_trend(_reader(), first=first, last=last, kind=kind, now=utc_now())
        )


@blp.route("/district/tenants/<string:tenant_id>/divisions")
class TenantDivisions(MethodView):
    @blp.arguments(ReportQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, DivisionReportSchema)
    @require_roles(OVERSEER, tenant_scoped=False)
    def get(self, tenant_id: str, period: str) -> dict[str, Any]:
        """One tenant's divisions (村/社区) for a period: the same indicators per division;
        never a grid, a worker or a person. 404 for a tenant outside the district."""
        return divisions_body(
            use_cases.tenant_divisions(_reader(), tenant_id=tenant_id, period=period, now=utc_now())
        )


@blp.route("/district/report/export")
class DistrictReportExport(MethodView):
    @blp.arguments(ReportQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, description=".xlsx", content_type=XLSX)
    @require_roles(OVERSEER, tenant_scoped=False)
    def get(self, period: str) -> Response:
        """区县对比报表 (.xlsx, Chinese headers): tenants side by side, their divisions, and
        the period, editions and versions the figures came from, with when it was made."""
        export = use_cases.export_report(_reader(), period=period, now=utc_now())
        return send_file(
            io.BytesIO(export.data),
            mimetype=XLSX,
            as_attachment=True,
            download_name=f"{export.name}.xlsx",
        )
