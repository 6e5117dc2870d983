"""The district document."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me


class DistrictDocument(me.Document):  # type: ignore[misc]  # mongoengine is untyped
    """A district (区): platform data above the tenants, so a plain document on purpose.

    A district is not owned by any tenant (it owns tenants), is written by platform admins only
    and publishes no events, so it needs neither ``tenant_id`` nor an outbox; making it a
    ``TenantDocument`` would mean inventing a fake tenant for it.
    """

    meta: ClassVar[dict[str, Any]] = {"collection": "districts"}

    district_id = me.StringField(primary_key=True, max_length=40)
    name = me.StringField(required=True, max_length=64)
    created_at = me.DateTimeField(required=True)
    created_by = me.StringField(required=True, max_length=64)
