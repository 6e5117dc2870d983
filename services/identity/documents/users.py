"""The user directory document: a person of one tenant, keyed by their Keycloak user id."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument


class UserDocument(TenantDocument):
    """A person in the tenant's directory (no credentials: those live only in Keycloak)."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "users",
        "indexes": [
            {"fields": ("tenant_id", "username"), "unique": True},
            # Not unique: people adopted from Keycloak have no phone, and FerretDB ignores
            # `sparse`, so uniqueness of phones is checked by the use cases instead.
            ("tenant_id", "phone"),
        ],
    }

    user_id = me.StringField(primary_key=True, max_length=64)
    username = me.StringField(required=True, max_length=255)
    # The Keycloak username. Entries written before login names were per tenant lack it:
    # their account was created (or adopted) under the username itself.
    login = me.StringField(max_length=255)
    display_name = me.StringField(required=True, max_length=64)
    email = me.StringField(max_length=254)
    phone = me.StringField(max_length=11)
    roles = me.ListField(me.StringField(max_length=32), default=list)
    enabled = me.BooleanField(required=True, default=True)
    invited_at = me.DateTimeField(required=True)
    invited_by = me.StringField(required=True, max_length=64)
    updated_at = me.DateTimeField(required=True)
    updated_by = me.StringField(required=True, max_length=64)
    last_synced_at = me.DateTimeField()
