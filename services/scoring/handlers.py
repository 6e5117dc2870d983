"""Kafka twin of views.py: one envelope -> one use case. Every handler is idempotent: the
ledger is keyed by event id, so a redelivered message changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from services.scoring import use_cases
from services.scoring.repository import LedgerRepository
from shared.events.contracts import validate_envelope
from shared.events.envelope import Envelope

Handler = Callable[[Envelope], None]


def division_created(envelope: Envelope) -> None:
    """``division.created`` -> one ``registry.divisions`` fact in the tenant's ledger."""
    payload = validate_envelope(envelope)
    use_cases.record_division_created(
        repo=LedgerRepository(envelope.tenant_id),
        event_id=envelope.event_id,
        occurred_at=envelope.occurred_at,
        payload=payload,
    )
