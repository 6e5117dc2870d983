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

from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from services.patrol_tracking.use_cases import patrol_days
from services.patrol_tracking.use_cases.context import PatrolContext
from services.patrol_tracking.use_cases.points import StoredBatch, read_uploads, store_uploads
from shared.events.envelope import Envelope
from shared.kafka import Delivery, Rejected
from shared.registry.handlers import Handler, grid_changed, subject_changed, team_changed

UPLOAD_ACTOR = "patrol_tracking:points"
FOLDS_IN_FLIGHT = 4


def uploads_received(deliveries: Sequence[Delivery]) -> Sequence[Rejected]:
    """Store a chunk of uploads and fold each worker-day's share; poison comes back for the
    DLQ. A failure raises: the runner redelivers the chunk, which changes nothing that was
    already done.

    The inserts and the folds run side by side: a fold takes its points from the chunk, not
    from the store, and the few that rebuild a day from the stored points wait for the
    inserts first (`PatrolContext.points_stored`). The chunk is done, and its offsets may be
    committed, only once both have finished."""
    uploads = read_uploads(deliveries)
    inserting = _STORE.submit(store_uploads, uploads)
    by_tenant: dict[str, list[StoredBatch]] = defaultdict(list)
    for batch in uploads.batches:
        by_tenant[batch.tenant_id].append(batch)

    def context(tenant_id: str) -> PatrolContext:
        return PatrolContext(
            tenant_id=tenant_id, actor=UPLOAD_ACTOR, points_stored=inserting.result
        )

    def fold(batch: StoredBatch) -> None:
        patrol_days.fold_stored(context(batch.tenant_id), batch)

    # Days already stored are folded together, a tenant at a time (one read, one lease
    # command each way, an update per day); the rest one by one, a few at once so the store's
    # round trips overlap. The first failure is raised once all have finished: the runner
    # redelivers the chunk, and the days already folded skip their offsets (their points were
    # taken from the chunk, and the redelivery inserts whatever a failed insert left out).
    futures: list[Future[Any]] = [inserting]
    for tenant_id, batches in sorted(by_tenant.items()):
        try:
            alone = patrol_days.fold_many(context(tenant_id), batches)
        except BaseException:
            wait(futures)  # the chunk's inserts are not left running into the redelivery
            raise
        futures += [_FOLDS.submit(fold, batch) for batch in alone]
    wait(futures)
    for future in futures:
        future.result()  # the first failure, after every fold of the chunk has finished
    return uploads.rejected


def upload_entries(envelope: Envelope) -> int:
    """An upload's fixes or heartbeats: its weight in a chunk."""
    payload = envelope.payload
    return len(payload.get("points") or payload.get("heartbeats") or ()) or 1


_FOLDS = ThreadPoolExecutor(max_workers=FOLDS_IN_FLIGHT, thread_name_prefix="patrol-fold")
# One chunk's inserts at a time (they fan out to the repository's own insert threads).
_STORE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="patrol-store")


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
    "upload_entries",
    "uploads_received",
]
