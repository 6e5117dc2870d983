"""What patrol_tracking consumes: one row per topic. The runner (shared.kafka) owns the poll
loop, commits after the effect and sends poison to ``<topic>.dlq``."""

from __future__ import annotations

from collections.abc import Mapping

from services.patrol_tracking import handlers
from shared.events.contracts.patrol.leave import LEAVE_APPROVED
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from shared.kafka import BatchRoute, Route
from shared.registry import handlers as registry

# A chunk of uploads is stored with a few bulk inserts: the larger the chunk, the fewer
# round trips per point (the 4,000 points/s path). Its fixes bound what the worker holds at
# once: a phone's upload is 1 to 500 of them, so 500 uploads alone could be 250,000.
UPLOADS_PER_CHUNK = 500
ENTRIES_PER_CHUNK = 25_000

# Of its own daily topic the service reads what changes a day already judged.
DAILY: Mapping[str, registry.Handler] = {LEAVE_APPROVED: handlers.leave_approved}


def _dispatch(table: Mapping[str, registry.Handler]) -> registry.Handler:
    def handle(envelope: Envelope) -> None:
        handler = table.get(envelope.type)
        if handler is not None:
            handler(envelope)

    return handle


ROUTES: tuple[Route | BatchRoute, ...] = (
    BatchRoute(
        Topic.PATROL_POINTS,
        handlers.uploads_received,
        max_batch=UPLOADS_PER_CHUNK,
        max_weight=ENTRIES_PER_CHUNK,
        weight=handlers.upload_entries,
    ),
    Route(Topic.PATROL_DAILY, _dispatch(DAILY)),
    # The registry's grids (points outside every grid of the tenant are noise; time and
    # distance inside a worker's own grids use that day's boundary), teams (a worker's own
    # grids on a day) and key subjects (visits: position, cycle, category). Divisions are not
    # consumed: a grid's events carry its division id.
    *registry.routes(grids=True, teams=True, subjects=True),
)
