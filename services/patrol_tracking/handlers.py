"""Kafka twin of the views: what patrol_tracking does with the messages it consumes.

- The phones' uploads (`patrol.points_received`, `patrol.heartbeats_received` on
  `gridgov.patrol.points`), a chunk at a time: stored in bulk, then folded into each
  worker-day (`use_cases.patrol_days.fold_stored`). Idempotent twice over: entries keep the
  phone's own ids, and a day takes each Kafka offset once.
- Its own `leave.approved` (on `gridgov.patrol.daily`): the finalised days the leave now
  excuses are judged again. Consuming the event, rather than judging in the request that
  approved, means a crash between the two cannot lose the correction.
- grid_registry's events into the platform's read model (`shared.registry.handlers`): grids
  in force by day with their boundaries, grid teams, key subjects. A redelivered or older
  event changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.patrol_tracking.use_cases import patrol_days
from services.patrol_tracking.use_cases.context import PatrolContext
from services.patrol_tracking.use_cases.points import store_deliveries
from shared.events.envelope import Envelope
from shared.kafka import Delivery, Rejected
from shared.registry.handlers import Handler, grid_changed, subject_changed, team_changed

UPLOAD_ACTOR = "patrol_tracking:points"


def uploads_received(deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
    """Store a chunk of uploads, then fold each worker-day's share; poison comes back for
    the DLQ. A failure raises: the runner redelivers the chunk, which changes nothing that
    was already done."""
    stored = store_deliveries(deliveries)
    for batch in stored.batches:
        ctx = PatrolContext(tenant_id=batch.tenant_id, actor=UPLOAD_ACTOR)
        patrol_days.fold_stored(ctx, batch)
    return stored.rejected


def leave_approved(envelope: Envelope) -> None:
    """Judge again the finalised days an approved leave covers (a correction when the
    verdict changes; nothing when the day was not finalised yet or nothing changed)."""
    payload = envelope.payload
    patrol_days.rejudge(PatrolContext.for_message(envelope), payload["worker_id"], payload["days"])


__all__ = [
    "Handler",
    "grid_changed",
    "leave_approved",
    "subject_changed",
    "team_changed",
    "uploads_received",
]
