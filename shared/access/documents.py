"""What a service knows of identity's accounts (one collection per service database)."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument


class AccountStateDocument(TenantDocument):
    """One account (``user:<id>``), API client (``client:<id>``) or the whole tenant
    (``tenant``) of `tenant_id`, as of identity's latest event about it: that it exists in the
    tenant, and whether it is switched off (`revoked`)."""

    publishes_events: ClassVar[bool] = False  # learned from identity, never published
    meta: ClassVar[dict[str, Any]] = {"collection": "account_states", "indexes": [("tenant_id",)]}

    key = me.StringField(primary_key=True)  # "<tenant>|<subject key>": one per subject
    subject = me.StringField(required=True)
    revoked = me.BooleanField(required=True)
    changed_at = me.DateTimeField(required=True)
    event_id = me.StringField(required=True)
