"""The closed-events read model (办结事项): one document per intake event survey has seen
closed, learned from event_intake's messages and never published.

`_id` is ``<tenant>|<event id>`` (the event ids are intake's). `closed` and `month` (the
Asia/Shanghai month of the closure, ``2026-11``) are top-level scalars, so "the events closed
in a quarter" is three equality reads; the exact days (`day`, ISO) are then matched in Python.
A reopened event keeps its document with `closed` false and no closure, so a later closure and
the mark of the newest message (`applied_at`, ISO UTC with microseconds so the strings order
like the instants, and `applied_event_ids` at that instant) stay in one place.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument

ID_MAX = 64


class ClosedEventDocument(TenantDocument):
    """One intake event as its newest ``event.closed`` / ``event.reopened`` left it."""

    publishes_events: ClassVar[bool] = False  # learned from event_intake, never published
    meta: ClassVar[dict[str, Any]] = {
        "collection": "closed_events",
        "indexes": [("tenant_id", "closed", "month"), ("tenant_id", "grid_id")],
    }

    key = me.StringField(primary_key=True)  # "<tenant>|<event id>"
    event_id = me.StringField(required=True, max_length=ID_MAX)
    grid_id = me.StringField(required=True, max_length=ID_MAX)
    division_id = me.StringField(max_length=ID_MAX)
    source = me.StringField(required=True, max_length=32)
    category = me.StringField(required=True, max_length=64)
    closed = me.BooleanField(required=True, default=False)
    closed_at = me.DateTimeField()
    day = me.StringField(max_length=10)
    month = me.StringField(max_length=7)
    applied_at = me.StringField(required=True, max_length=40)
    applied_event_ids = me.ListField(me.StringField(max_length=64), default=list)
