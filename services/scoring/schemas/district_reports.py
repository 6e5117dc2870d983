"""District report (区县对比) schemas: query parameters and the reports' shapes. Tenant- and
division-level figures only: nothing here names a grid, a worker or a person."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from services.scoring.domain.district_reports import (
    DivisionIndicators,
    Indicators,
    PublishedTotal,
    Ratio,
)
from services.scoring.use_cases.district_reports import (
    REPORT_KINDS,
    UNREADABLE,
    DistrictReport,
    DistrictTrend,
    DivisionReport,
    TenantReport,
)
from shared.http import BaseSchema

_LABEL = validate.Length(min=1, max=16)
_PERIOD_HELP = "2026-11 (month), 2026-Q4 (quarter), 2026-H2 (half), 2026 (year)"


class ReportQuerySchema(BaseSchema):
    period = fields.String(
        required=True, validate=_LABEL, metadata={"description": f"统计期 / {_PERIOD_HELP}"}
    )


class TrendQuerySchema(BaseSchema):
    first = fields.String(
        data_key="from", required=True, validate=_LABEL, metadata={"description": "first period"}
    )
    last = fields.String(
        data_key="to", required=True, validate=_LABEL, metadata={"description": "last period"}
    )
    kind = fields.String(
        load_default="month",
        validate=validate.OneOf(REPORT_KINDS),
        metadata={"description": "the periods' kind (default: month)"},
    )


class RatioSchema(BaseSchema):
    numerator = fields.Integer(required=True)
    denominator = fields.Integer(required=True)
    percent = fields.Decimal(
        as_string=True, allow_none=True, metadata={"description": "null: no denominator"}
    )


class SatisfactionSchema(BaseSchema):
    rate = fields.Decimal(as_string=True, required=True, metadata={"description": "percent"})
    n = fields.Integer(allow_none=True, metadata={"description": "sample size"})
    definition_code = fields.String(allow_none=True)
    edition = fields.Integer(allow_none=True, metadata={"description": "of the publication"})


class IndicatorsSchema(BaseSchema):
    events_reported = fields.Integer(required=True)
    acceptance_on_time = fields.Nested(RatioSchema, required=True)
    closure_on_time = fields.Nested(RatioSchema, required=True)
    events_closed = fields.Integer(required=True)
    escalation = fields.Nested(RatioSchema, required=True)
    patrol_compliance = fields.Nested(RatioSchema, required=True)
    satisfaction = fields.Nested(
        SatisfactionSchema, allow_none=True, metadata={"description": "null: not published"}
    )
    staffing = fields.Nested(RatioSchema, required=True)
    staffing_day = fields.Date(required=True)
    base_info_freshness = fields.Nested(
        RatioSchema,
        required=True,
        metadata={
            "description": "comprehensive grids with base information recorded in the period"
        },
    )
    filed_systems = fields.Nested(
        RatioSchema,
        required=True,
        metadata={
            "description": "制度备案: (division, item) pairs of the two default items "
            "(management_rules, assessment_rules) filed by the period's last day / divisions × 2"
        },
    )
    filed_late = fields.Integer(
        required=True, metadata={"description": "of the filed pairs, those filed late"}
    )


class PublishedTotalSchema(BaseSchema):
    scheme_id = fields.String(required=True)
    scheme_version = fields.Integer(required=True)
    edition = fields.Integer(required=True)
    mean_total = fields.Decimal(as_string=True, allow_none=True)
    subjects = fields.Integer(required=True)
    evaluated_at = fields.DateTime(required=True)


class PeriodSchema(BaseSchema):
    kind = fields.String(required=True)
    label = fields.String(required=True)
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)


class TenantRowSchema(BaseSchema):
    tenant_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(allow_none=True)
    status = fields.String(required=True)
    indicators = fields.Nested(
        IndicatorsSchema,
        allow_none=True,
        metadata={"description": "null: the tenant's ledger cannot be read (see `unavailable`)"},
    )
    unavailable = fields.String(allow_none=True)
    published = fields.List(
        fields.Nested(PublishedTotalSchema),
        required=True,
        metadata={"description": "the tenant's own published mean total (on 100) per scheme"},
    )


class DistrictReportSchema(BaseSchema):
    district_id = fields.String(required=True)
    period = fields.Nested(PeriodSchema, required=True)
    generated_at = fields.DateTime(required=True)
    tenants = fields.List(fields.Nested(TenantRowSchema), required=True)


class TrendPointSchema(BaseSchema):
    period = fields.String(required=True)
    indicators = fields.Nested(IndicatorsSchema, allow_none=True)
    published = fields.List(fields.Nested(PublishedTotalSchema), required=True)


class TenantTrendSchema(BaseSchema):
    tenant_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(allow_none=True)
    points = fields.List(fields.Nested(TrendPointSchema), required=True)


class DistrictTrendSchema(BaseSchema):
    district_id = fields.String(required=True)
    kind = fields.String(required=True)
    periods = fields.List(fields.Nested(PeriodSchema), required=True)
    generated_at = fields.DateTime(required=True)
    tenants = fields.List(fields.Nested(TenantTrendSchema), required=True)


class DivisionRowSchema(BaseSchema):
    division_id = fields.String(required=True)
    name = fields.String(required=True)
    indicators = fields.Nested(IndicatorsSchema, required=True)


class DivisionReportSchema(BaseSchema):
    district_id = fields.String(required=True)
    tenant_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(allow_none=True)
    period = fields.Nested(PeriodSchema, required=True)
    generated_at = fields.DateTime(required=True)
    tenant = fields.Nested(IndicatorsSchema, required=True)
    divisions = fields.List(fields.Nested(DivisionRowSchema), required=True)


# -- bodies ------------------------------------------------------------------------------------


def _ratio(ratio: Ratio) -> dict[str, Any]:
    return {
        "numerator": ratio.numerator,
        "denominator": ratio.denominator,
        "percent": ratio.percent,
    }


def indicators_body(found: Indicators) -> dict[str, Any]:
    satisfaction = found.satisfaction
    return {
        "events_reported": found.events_reported,
        "acceptance_on_time": _ratio(found.acceptance_on_time),
        "closure_on_time": _ratio(found.closure_on_time),
        "events_closed": found.events_closed,
        "escalation": _ratio(found.escalation),
        "patrol_compliance": _ratio(found.patrol_compliance),
        "satisfaction": None
        if satisfaction is None
        else {
            "rate": satisfaction.rate,
            "n": satisfaction.n,
            "definition_code": satisfaction.definition_code,
            "edition": satisfaction.edition,
        },
        "staffing": _ratio(found.staffing),
        "staffing_day": found.staffing_day,
        "base_info_freshness": _ratio(found.base_info_freshness),
        "filed_systems": _ratio(found.filed_systems),
        "filed_late": found.filed_late,
    }


def _published(totals: tuple[PublishedTotal, ...]) -> list[dict[str, Any]]:
    return [vars(total) for total in totals]


def _period(period: Any) -> dict[str, Any]:
    return {
        "kind": period.kind,
        "label": period.label,
        "first_day": period.start,
        "last_day": period.end,
    }


def _tenant(row: TenantReport) -> dict[str, Any]:
    return {
        "tenant_id": row.tenant_id,
        "code": row.code,
        "name": row.name,
        "status": row.status,
        "indicators": None if row.indicators is None else indicators_body(row.indicators),
        "unavailable": None if row.indicators is not None else UNREADABLE,
        "published": _published(row.published),
    }


def report_body(report: DistrictReport) -> dict[str, Any]:
    return {
        "district_id": report.district_id,
        "period": _period(report.period),
        "generated_at": report.generated_at,
        "tenants": [_tenant(row) for row in report.tenants],
    }


def trend_body(trend: DistrictTrend) -> dict[str, Any]:
    return {
        "district_id": trend.district_id,
        "kind": trend.kind,
        "periods": [_period(period) for period in trend.periods],
        "generated_at": trend.generated_at,
        "tenants": [
            {
                "tenant_id": tenant.tenant_id,
                "code": tenant.code,
                "name": tenant.name,
                "points": [
                    {
                        "period": point.period.label,
                        "indicators": None
                        if point.indicators is None
                        else indicators_body(point.indicators),
                        "published": _published(point.published),
                    }
                    for point in tenant.points
                ],
            }
            for tenant in trend.tenants
        ],
    }


def _division(row: DivisionIndicators) -> dict[str, Any]:
    return {
        "division_id": row.division_id,
        "name": row.name,
        "indicators": indicators_body(row.indicators),
    }


def divisions_body(report: DivisionReport) -> dict[str, Any]:
    return {
        "district_id": report.district_id,
        "tenant_id": report.tenant_id,
        "code": report.code,
        "name": report.name,
        "period": _period(report.period),
        "generated_at": report.generated_at,
        "tenant": indicators_body(report.figures.tenant),
        "divisions": [_division(row) for row in report.figures.divisions],
    }
