"""Kafka twin of views.py: one envelope -> one use case. The runner has already checked the
envelope against its contract; every handler is idempotent (the ledger's entries are keyed by
event id and each aggregate keeps only its newest state, so a redelivered or older message
changes nothing: `services.scoring.domain.ledger`)."""

from __future__ import annotations

from collections.abc import Callable

from services.scoring.use_cases import ledger as use_cases
from services.scoring.use_cases.context import ScoringContext
from shared.events.envelope import Envelope

Handler = Callable[[Envelope], None]


def ledger_fact(envelope: Envelope) -> None:
    """Any message the ledger counts (an event's, a task's, a patrol day's, published rates,
    ``division.created``...): the facts its aggregate stands for now."""
    use_cases.record(ScoringContext.for_message(envelope), envelope)


# ``division.created`` -> one ``registry.divisions`` fact (the walking skeleton's handler).
division_created = ledger_fact
