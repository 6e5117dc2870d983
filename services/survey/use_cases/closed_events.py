"""Intake's closed events into survey's read model (the worker's handler calls this).

Idempotent on intake's message: a redelivered or older message changes nothing
(`domain.closed_events.apply_message`). A write that lost a race with another worker
applying the same event's messages is re-read and decided again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.survey.domain import closed_events as domain
from services.survey.use_cases.context import SurveyContext
from shared.errors import Conflict

_RETRIES = 3


def apply_intake_message(
    ctx: SurveyContext,
    *,
    type_: str,
    state: Mapping[str, Any],
    occurred_at: datetime,
    message_id: str,
) -> bool:
    """Apply intake's ``event.closed`` or ``event.reopened`` (contract-loaded ``state``);
    False when it changed nothing."""
    for attempt in range(_RETRIES):
        current = ctx.closed_events.find(state["event_id"])
        entry = domain.apply_message(
            current, type_=type_, state=state, occurred_at=occurred_at, message_id=message_id
        )
        if entry is None:
            return False
        try:
            ctx.closed_events.record(entry)
        except Conflict:
            if attempt == _RETRIES - 1:
                raise
            continue
        return True
    raise AssertionError("unreachable")  # pragma: no cover
