"""District average schemas (区平均满意率): tenant-level figures only."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from services.survey.domain.rates import TenantRate
from services.survey.schemas.rates import PeriodQuerySchema
from services.survey.use_cases.districts import DistrictAverages
from shared.http import BaseSchema


class DistrictQuerySchema(PeriodQuerySchema):
    definition = fields.String(
        validate=validate.Length(min=1, max=120),
        metadata={"description": "口径代码, e.g. survey:0.7,hotline:0.3;basic:0.5 (default: all)"},
    )
    district_id = fields.String(
        validate=validate.Length(min=1, max=64),
        metadata={"description": "platform admins: which district (overseers read their own)"},
    )


class TenantRateSchema(BaseSchema):
    tenant_id = fields.String(required=True)
    rate = fields.Decimal(as_string=True, allow_none=True)
    n = fields.Integer(allow_none=True)
    suppressed = fields.Boolean(required=True)
    counted = fields.Boolean(required=True, metadata={"description": "in the average"})
    edition = fields.Integer(required=True, metadata={"description": "of its publication"})


class AverageSchema(BaseSchema):
    definition_code = fields.String(required=True)
    average = fields.Decimal(
        as_string=True, allow_none=True, metadata={"description": "区平均: plain mean of tenants"}
    )
    tenants_counted = fields.Integer(required=True)
    pooled_rate = fields.Decimal(
        as_string=True, allow_none=True, metadata={"description": "all counted answers together"}
    )
    pooled_n = fields.Integer(required=True)
    tenants = fields.List(
        fields.Nested(TenantRateSchema),
        required=True,
        metadata={"description": "each member's published tenant rate (a tenant: its own)"},
    )


class MemberSchema(BaseSchema):
    tenant_id = fields.String(required=True)
    code = fields.String(required=True)
    status = fields.String(required=True)


class DistrictAveragesSchema(BaseSchema):
    district_id = fields.String(required=True)
    period_kind = fields.String(required=True)
    period = fields.String(required=True)
    averages = fields.List(fields.Nested(AverageSchema), required=True)
    members = fields.List(
        fields.Nested(MemberSchema), required=True, metadata={"description": "overseers only"}
    )


def _tenant(rate: TenantRate) -> dict[str, Any]:
    return {
        "tenant_id": rate.tenant_id,
        "rate": rate.rate,
        "n": rate.n,
        "suppressed": rate.suppressed,
        "counted": rate.counted,
        "edition": rate.edition,
    }


def averages_body(found: DistrictAverages) -> dict[str, Any]:
    return {
        "district_id": found.district_id,
        "period_kind": found.period_kind,
        "period": found.period,
        "averages": [
            {
                "definition_code": item.definition_code,
                "average": item.average.average,
                "tenants_counted": item.average.tenants_counted,
                "pooled_rate": item.average.pooled_rate,
                "pooled_n": item.average.pooled_n,
                "tenants": [_tenant(rate) for rate in item.average.tenants],
            }
            for item in found.averages
        ],
        "members": [
            {"tenant_id": m.tenant_id, "code": m.code, "status": m.status.value}
            for m in found.members
        ],
    }
