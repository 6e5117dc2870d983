"""The leave filing document (请假/工作冲突): one per filing.

`worker_id` and `status` are top-level scalars so the finders narrow by equality in
PostgreSQL; the covered days are kept both as the span (`first_day`, `last_day`: ISO strings
compare like dates) and as the list `days`, which the repository filters in Python after the
equality on the worker or the month (FerretDB cannot push an array match down).
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.patrol_tracking.domain.leave import (
    ID_MAX,
    KIND_VALUES,
    MAX_SPAN_DAYS,
    REASON_MAX,
    STATUS_VALUES,
)
from shared.mongo import TenantDocument


class LeaveFilingDocument(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {
        "collection": "leave_filings",
        "indexes": [
            ("tenant_id", "worker_id"),
            ("tenant_id", "status"),
            ("tenant_id", "worker_id", "status"),
            ("tenant_id", "status", "month"),
            ("tenant_id", "status", "end_month"),
        ],
    }

    leave_id = me.StringField(primary_key=True)
    worker_id = me.StringField(required=True, max_length=ID_MAX)
    first_day = me.StringField(required=True, max_length=10)
    last_day = me.StringField(required=True, max_length=10)
    # YYYY-MM of first_day and last_day: a span of at most 31 days touches at most these two
    # months, so "approved filings touching March" is two equality queries.
    month = me.StringField(required=True, max_length=7)
    end_month = me.StringField(required=True, max_length=7)
    days = me.ListField(me.StringField(max_length=10), max_length=MAX_SPAN_DAYS, default=list)
    kind = me.StringField(required=True, choices=KIND_VALUES)
    reason = me.StringField(required=True, max_length=REASON_MAX)
    filed_at = me.DateTimeField(required=True)
    filed_by = me.StringField(required=True, max_length=ID_MAX)
    limit_days = me.IntField(required=True, min_value=0)
    status = me.StringField(required=True, choices=STATUS_VALUES)
    decided_by = me.StringField(max_length=ID_MAX)
    decided_at = me.DateTimeField()
    decision_reason = me.StringField(max_length=REASON_MAX)
    withdrawn_at = me.DateTimeField()
    request_id = me.StringField(max_length=ID_MAX)
