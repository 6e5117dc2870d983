"""The embedded history entry the intake workflows (events, tasks, inspections) share."""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.event_intake.domain.workflow import REASON_MAX, REQUEST_ID_MAX


class HistoryEntryDocument(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    """One entry of an aggregate's history: who, acting as what, when, why, from → to;
    `request_id` makes a client's retry a no-op. Abstract: each aggregate's entry narrows
    `action` and the states to its own (and stores no class marker)."""

    meta: ClassVar[dict[str, Any]] = {"abstract": True}

    action = me.StringField(required=True, max_length=32)
    actor = me.StringField(required=True, max_length=64)
    acting_as = me.StringField(required=True, max_length=32)
    at = me.DateTimeField(required=True)
    from_state = me.StringField(max_length=32)
    to_state = me.StringField(required=True, max_length=32)
    reason = me.StringField(max_length=REASON_MAX)
    request_id = me.StringField(max_length=REQUEST_ID_MAX)
