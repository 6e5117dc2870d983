"""What event_intake consumes: one row per topic. The runner (shared.kafka) owns the poll loop,
commits after the effect and sends poison to ``<topic>.dlq``."""

from __future__ import annotations

from collections.abc import Mapping

from services.event_intake import handlers
from shared.events.contracts.registry.grids import (
    GRID_BOUNDARY_CHANGED,
    GRID_CREATED,
    GRID_MERGED,
    GRID_RETIRED,
    GRID_SPLIT,
    GRID_UPDATED,
)
from shared.events.contracts.registry.teams import (
    TEAM_MEMBER_ASSIGNED,
    TEAM_MEMBER_CHANGED,
    TEAM_MEMBER_ENDED,
)
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from shared.kafka import Route

# Divisions are not consumed: a grid's events carry its division id, the one fact of a division
# this service uses (its name and kind are grid_registry's to show).
# Within one topic the handler is chosen by event type; a type nobody here handles is skipped
# (a newer registry may add types this build does not know), never dead-lettered.
GRIDS: Mapping[str, handlers.Handler] = dict.fromkeys(
    (GRID_CREATED, GRID_UPDATED, GRID_BOUNDARY_CHANGED, GRID_SPLIT, GRID_MERGED, GRID_RETIRED),
    handlers.grid_changed,
)
TEAMS: Mapping[str, handlers.Handler] = dict.fromkeys(
    (TEAM_MEMBER_ASSIGNED, TEAM_MEMBER_CHANGED, TEAM_MEMBER_ENDED), handlers.team_changed
)


def _dispatch(table: Mapping[str, handlers.Handler]) -> handlers.Handler:
    def handle(envelope: Envelope) -> None:
        handler = table.get(envelope.type)
        if handler is not None:
            handler(envelope)

    return handle


ROUTES = (
    Route(Topic.REGISTRY_GRIDS, _dispatch(GRIDS)),
    Route(Topic.REGISTRY_TEAMS, _dispatch(TEAMS)),
)
