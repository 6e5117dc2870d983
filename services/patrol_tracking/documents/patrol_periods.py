"""The patrol-period document (周/月汇总): the totals last published for one worker and one
ISO week or calendar month (`_id` = ``<worker>|<kind>|<period>`` within the tenant)."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument


class PatrolPeriodDocument(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {
        "collection": "patrol_periods",
        "indexes": [("tenant_id", "worker_id"), ("tenant_id", "period")],
    }

    key = me.StringField(primary_key=True)
    worker_id = me.StringField(required=True, max_length=64)
    kind = me.StringField(required=True, choices=("week", "month"))
    period = me.StringField(required=True, max_length=8)
    version = me.IntField(required=True, default=0, min_value=0)
    facts = me.DictField()  # the published totals (JSON values only, no list of lists)
