"""Contracts published by the identity service on `Topic.IDENTITY_TENANTS`."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

TENANT_ONBOARDED = "tenant.onboarded"


@register(TENANT_ONBOARDED, 1, Topic.IDENTITY_TENANTS)
class TenantOnboardedV1(Schema):
    """A tenant (township, street, park) joined a district; the envelope's tenant_id is it."""

    district_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    onboarded_by = fields.String(required=True, validate=validate.Length(min=1, max=64))
