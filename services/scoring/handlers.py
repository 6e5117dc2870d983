"""Kafka twin of views.py: one envelope -> one use case. The runner has already checked the
envelope against its contract; every handler is idempotent (the ledger is keyed by event id,
so a redelivered message changes nothing)."""

from __future__ import annotations

from collections.abc import Callable

from services.scoring.use_cases import ledger as use_cases
from services.scoring.use_cases.context import ScoringContext
from shared.events.envelope import Envelope

Handler = Callable[[Envelope], None]


def division_created(envelope: Envelope) -> None:
    """``division.created`` -> one ``registry.divisions`` fact in the tenant's ledger."""
    use_cases.record_division_created(ScoringContext.for_message(envelope), envelope)
