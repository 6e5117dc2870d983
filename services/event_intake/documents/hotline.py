"""The 12345 callback document: the latest callback result (回访结果) of one work order.

One document per work order (`_id` = ``<tenant>|<work-order number>``), apart from the event
document: an import records a callback without touching the event, so the event's revision
and history stay the workflow's alone. A changed outcome is one revision-checked write with
its `hotline.callback_recorded` in the outbox. Lists for the survey side are equalities on the
top-level ``event_id`` and ``grid_id``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.event_intake.domain.hotline import Outcome
from shared.mongo import TenantDocument

OUTCOMES = tuple(outcome.value for outcome in Outcome)


class HotlineCallbackDocument(TenantDocument):
    """One work order's callback result with its unpublished domain events."""

    meta: ClassVar[dict[str, Any]] = {
        "collection": "hotline_callbacks",
        "indexes": [("tenant_id", "event_id"), ("tenant_id", "grid_id")],
    }

    key = me.StringField(primary_key=True)  # "<tenant>|<work-order number>"
    work_order_no = me.StringField(required=True, max_length=64)
    event_id = me.StringField(required=True, max_length=64)
    grid_id = me.StringField(required=True, max_length=64)
    division_id = me.StringField(max_length=64)
    category = me.StringField(required=True, max_length=64)
    reported_at = me.DateTimeField(required=True)
    outcome = me.StringField(required=True, choices=OUTCOMES)
    called_at = me.DateTimeField(required=True)
    recorded_at = me.DateTimeField(required=True)
    recordings = me.IntField(required=True, min_value=1, default=1)
