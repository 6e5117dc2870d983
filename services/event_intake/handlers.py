"""Kafka twin of the views: grid_registry's events -> event_intake's read model of the registry.

The runner has already checked each envelope against its contract, so payload dates are
`date`s. Every handler is idempotent: the read model remembers the newest event applied to each
grid and membership, and a redelivered or older event changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from services.event_intake.repository.registry import RegistryView
from shared.events.envelope import Envelope

Handler = Callable[[Envelope], None]


def grid_changed(envelope: Envelope) -> None:
    """Any ``grid.*`` event: it carries the grid's full state, applied as a whole."""
    RegistryView(envelope.tenant_id).apply_grid(
        envelope.payload, occurred_at=envelope.occurred_at, event_id=envelope.event_id
    )


def team_changed(envelope: Envelope) -> None:
    """Any ``team.member_*`` event: one membership as it stands after the change."""
    RegistryView(envelope.tenant_id).apply_membership(
        envelope.payload, occurred_at=envelope.occurred_at, event_id=envelope.event_id
    )
