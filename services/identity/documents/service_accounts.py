"""The service-account document."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument


class ServiceAccountDocument(TenantDocument):
    """A tenant's integration client as the directory knows it (never its secret)."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "service_accounts",
        "indexes": [{"fields": ("tenant_id", "name"), "unique": True}],
    }

    service_account_id = me.StringField(primary_key=True)
    name = me.StringField(required=True, max_length=30)
    scope = me.StringField(required=True, max_length=64)
    roles = me.ListField(me.StringField(max_length=32), required=True)
    client_id = me.StringField(required=True, max_length=128)
    client_uuid = me.StringField(required=True, max_length=64)
    enabled = me.BooleanField(required=True, default=True)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(required=True, max_length=64)
    updated_at = me.DateTimeField(required=True)
    secret_rotated_at = me.DateTimeField()
