"""The tenant document: one per tenant, owned by the tenant it describes."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.identity.domain.tenants import OnboardingStep, TenantKind, TenantStatus
from shared.mongo import TenantDocument


class TenantRecordDocument(TenantDocument):
    """A tenant (its ``tenant_id`` is its own code), its onboarding progress and its events."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "tenants",
        "indexes": [{"fields": ("tenant_id",), "unique": True}],
    }

    code = me.StringField(primary_key=True, max_length=40)
    name = me.StringField(required=True, max_length=64)
    kind = me.EnumField(TenantKind, required=True)
    district_id = me.StringField(required=True, max_length=40)
    timezone = me.StringField(required=True, max_length=64)
    calendar = me.StringField(required=True, max_length=64)
    scheme_template = me.StringField(required=True, max_length=64)
    status = me.EnumField(TenantStatus, required=True)
    admin_username = me.StringField(required=True, max_length=64)
    admin_display_name = me.StringField(required=True, max_length=64)
    admin_email = me.StringField(max_length=254)
    admin_phone = me.StringField(max_length=32)
    organization_id = me.StringField(max_length=64)
    admin_user_id = me.StringField(max_length=64)
    failed_step = me.EnumField(OnboardingStep)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(required=True, max_length=64)
    updated_at = me.DateTimeField(required=True)
    onboarded_at = me.DateTimeField()
    offboarded_at = me.DateTimeField()
    offboard_reason = me.StringField(max_length=500)
