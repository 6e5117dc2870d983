"""Contracts published by the identity service on `Topic.IDENTITY_TENANTS`.

Tenant lifecycle (`tenant.onboarded`, `tenant.offboarded`, `tenant.reactivated`) and tenant
service accounts
(`service_account.created`, `service_account.disabled`). The envelope's ``tenant_id`` is the
tenant itself. Payloads carry codes and ids only: an admin's name, phone or e-mail never
travels on Kafka.
"""

from __future__ import annotations

from typing import Final

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

TENANT_ONBOARDED = "tenant.onboarded"
TENANT_OFFBOARDED = "tenant.offboarded"
TENANT_REACTIVATED = "tenant.reactivated"
SERVICE_ACCOUNT_CREATED = "service_account.created"
SERVICE_ACCOUNT_DISABLED = "service_account.disabled"

# The ids of the scheme templates in services/scoring/templates/*.yaml (their ``id:`` lines).
# identity may not import scoring, so the list is kept here; a unit test in identity checks it
# against the template files.
SCHEME_TEMPLATE_IDS: Final[tuple[str, ...]] = (
    "seed-000-xueyan-town",
    "seed-001-xitaihu-basic-grid",
    "seed-002-township-grid-worker",
    "seed-003-township-monthly",
    "seed-004-shanhu-street-worker",
)
TENANT_KINDS: Final[tuple[str, ...]] = ("township", "street", "park")
_ID = validate.Length(min=1, max=64)


@register(TENANT_ONBOARDED, 1, Topic.IDENTITY_TENANTS)
class TenantOnboardedV1(Schema):
    """A tenant (township, street, park) joined a district; the envelope's tenant_id is it."""

    district_id = fields.String(required=True, validate=_ID)
    code = fields.String(required=True, validate=_ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    onboarded_by = fields.String(required=True, validate=_ID)


@register(TENANT_ONBOARDED, 2, Topic.IDENTITY_TENANTS)
class TenantOnboardedV2(Schema):
    """v1 plus what scoring and the calendars need to start the tenant: kind, timezone,
    calendar and the assessment scheme template it starts from."""

    code = fields.String(required=True, validate=_ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(TENANT_KINDS))
    district_id = fields.String(required=True, validate=_ID)
    timezone = fields.String(required=True, validate=validate.Length(min=1, max=64))
    calendar = fields.String(required=True, validate=_ID)
    scheme_template = fields.String(required=True, validate=validate.OneOf(SCHEME_TEMPLATE_IDS))
    onboarded_by = fields.String(required=True, validate=_ID)


@register(TENANT_OFFBOARDED, 1, Topic.IDENTITY_TENANTS)
class TenantOffboardedV1(Schema):
    """A tenant was offboarded: its logins are disabled, its records kept."""

    code = fields.String(required=True, validate=_ID)
    district_id = fields.String(required=True, validate=_ID)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))
    offboarded_by = fields.String(required=True, validate=_ID)


@register(TENANT_REACTIVATED, 1, Topic.IDENTITY_TENANTS)
class TenantReactivatedV1(Schema):
    """An offboarded tenant is active again: its logins are enabled."""

    code = fields.String(required=True, validate=_ID)
    district_id = fields.String(required=True, validate=_ID)
    reactivated_by = fields.String(required=True, validate=_ID)


@register(SERVICE_ACCOUNT_CREATED, 1, Topic.IDENTITY_TENANTS)
class ServiceAccountCreatedV1(Schema):
    """A tenant created a service account (a confidential client for an integration)."""

    service_account_id = fields.String(required=True, validate=_ID)
    client_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    name = fields.String(required=True, validate=_ID)
    scope = fields.String(required=True, validate=_ID)
    roles = fields.List(fields.String(validate=_ID), required=True)
    created_by = fields.String(required=True, validate=_ID)


@register(SERVICE_ACCOUNT_DISABLED, 1, Topic.IDENTITY_TENANTS)
class ServiceAccountDisabledV1(Schema):
    """A service account was disabled: its tokens can no longer be obtained."""

    service_account_id = fields.String(required=True, validate=_ID)
    client_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    disabled_by = fields.String(required=True, validate=_ID)
