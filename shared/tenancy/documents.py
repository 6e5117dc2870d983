"""What a service knows of identity's tenants: one membership per tenant (its district).

The collection (`district_members`) lives in the database of each service that keeps the
model; learned from identity, never published (`publishes_events = False`: the relay skips
it). A service's worker keeps its indexes when its bootstrap passes `DOCUMENTS` to
`shared.runtime.run_service_worker`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument
from shared.tenancy.model import STATUS_VALUES

_ID = 64


class DistrictMemberDocument(TenantDocument):
    """One tenant's district as identity's latest `tenant.*` event left it."""

    publishes_events: ClassVar[bool] = False  # learned from identity, never published
    meta: ClassVar[dict[str, Any]] = {
        "collection": "district_members",
        "indexes": [("tenant_id", "district_id")],
    }

    member_id = me.StringField(primary_key=True)  # the tenant id: one per tenant
    district_id = me.StringField(required=True, max_length=_ID)
    code = me.StringField(required=True, max_length=_ID)
    name = me.StringField(max_length=200)
    status = me.StringField(required=True, choices=STATUS_VALUES)
    applied_at = me.DateTimeField(required=True)
    applied_event_ids = me.ListField(me.StringField(max_length=_ID), default=list)


DOCUMENTS: tuple[type[TenantDocument], ...] = (DistrictMemberDocument,)
