"""Kafka twin of the views: what survey does with the messages it consumes.

- event_intake's ``hotline.callback_recorded`` (on `gridgov.intake.events`): the work order's
  callback is kept if it is the latest (`use_cases.callbacks.record_from_intake`).
- event_intake's ``event.closed`` and ``event.reopened`` (same topic): the closed-events read
  model an event-callback campaign draws its frame from (`use_cases.closed_events`).
- grid_registry's events into the platform's read model (`shared.registry.handlers`).

Every handler is idempotent on the message: a redelivered or older message changes nothing.
"""

from __future__ import annotations

from services.survey.use_cases import callbacks, closed_events, districts
from services.survey.use_cases.context import SurveyContext
from shared.events.envelope import Envelope
from shared.tenancy import handlers as tenancy


def callback_recorded(envelope: Envelope) -> None:
    """Keep intake's callback of a work order when it is the latest."""
    callbacks.record_from_intake(
        SurveyContext.for_message(envelope),
        state=envelope.payload,
        occurred_at=envelope.occurred_at,
        message_id=envelope.event_id,
    )


def event_closure_changed(envelope: Envelope) -> None:
    """An intake event was closed or reopened: the closed-events read model follows."""
    closed_events.apply_intake_message(
        SurveyContext.for_message(envelope),
        type_=envelope.type,
        state=envelope.payload,
        occurred_at=envelope.occurred_at,
        message_id=envelope.event_id,
    )


def tenant_changed(envelope: Envelope) -> None:
    """identity's ``tenant.onboarded`` (v1 or v2), ``tenant.reactivated`` (an active member of
    its district: its kept rates join the district's averages) or ``tenant.offboarded`` (no
    more copies of the average; the rates it published still count for their periods), as the
    platform's tenants read model maps them (`shared.tenancy.handlers.STATUS_BY_TYPE`)."""
    payload = envelope.payload
    districts.tenant_changed(
        SurveyContext.for_message(envelope),
        district_id=payload["district_id"],
        code=payload["code"],
        status=tenancy.STATUS_BY_TYPE[envelope.type],
        occurred_at=envelope.occurred_at,
        event_id=envelope.event_id,
    )


def rates_published(envelope: Envelope) -> None:
    """survey's own ``rates.published``: a tenant-scope row is kept for the district and the
    district average recomputed (other scopes are skipped)."""
    districts.rates_published(SurveyContext.for_message(envelope), envelope.payload)
