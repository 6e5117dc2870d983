"""The 12345 callback document (12345 回访): the kept callback of one work order.

`_id` is ``<tenant>|<work-order number>`` (the numbers are the hotline's, unique per tenant).
The callback's Asia/Shanghai day is kept as buckets of every standard period kind (`month`
``2026-11``, `quarter` ``2026-Q4``, `half` ``2026-H2``, `year` ``2026``) and as the ISO `day`,
so a rate or a list of a period is one equality read (a custom period reads its months and
matches the days). `reached` (not unreachable) is a top-level boolean for the same reason.
The newest intake message applied is `intake_applied_at` (ISO UTC with microseconds, so the
strings order like the instants) with the ids applied at that instant.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.survey.domain.callbacks import (
    ID_MAX,
    ORIGIN_VALUES,
    OUTCOME_VALUES,
    WORK_ORDER_MAX,
)
from shared.mongo import TenantDocument


class CallbackDocument(TenantDocument):
    """One work order's kept callback with its unpublished ``callback.recorded``."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "callbacks",
        "indexes": [
            # A GIN index answers any subset of its fields: the list by period, the rate
            # read by period and reached.
            ("tenant_id", "month", "reached"),
            ("tenant_id", "quarter", "reached"),
            ("tenant_id", "half", "reached"),
            ("tenant_id", "year", "reached"),
            ("tenant_id", "grid_id"),
            ("tenant_id", "event_id"),
        ],
    }

    key = me.StringField(primary_key=True)  # "<tenant>|<work-order number>"
    work_order_no = me.StringField(required=True, max_length=WORK_ORDER_MAX)
    event_id = me.StringField(max_length=ID_MAX)
    grid_id = me.StringField(required=True, max_length=ID_MAX)
    division_id = me.StringField(max_length=ID_MAX)
    attached_by = me.StringField(required=True, choices=ORIGIN_VALUES)
    worker_id = me.StringField(max_length=ID_MAX)
    outcome = me.StringField(required=True, choices=OUTCOME_VALUES)
    reached = me.BooleanField(required=True)
    called_at = me.DateTimeField(required=True)
    day = me.StringField(required=True, max_length=10)
    month = me.StringField(required=True, max_length=7)
    quarter = me.StringField(required=True, max_length=7)
    half = me.StringField(required=True, max_length=7)
    year = me.StringField(required=True, max_length=4)
    origin = me.StringField(required=True, choices=ORIGIN_VALUES)
    recorded_at = me.DateTimeField(required=True)
    recordings = me.IntField(required=True, min_value=1, default=1)
    intake_applied_at = me.StringField(max_length=40)
    intake_applied_event_ids = me.ListField(me.StringField(max_length=64), default=list)
