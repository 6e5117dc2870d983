"""grid_registry's events -> a service's read model of the registry (`RegistryView`).

A service chooses the topics it consumes (`routes(grids=..., teams=..., subjects=...)`) and
merges the table into its own (`shared.runtime.merge_routes` does that per topic). The runner
has already checked each envelope against its contract, so payload dates are `date`s. Every
handler is idempotent: the read model remembers the newest event applied to each grid,
membership and subject, and a redelivered or older event changes nothing.

Divisions are not consumed: a grid's events carry its division id, the one fact of a division
the services use (its name and kind are grid_registry's to show).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from shared.events.contracts.registry.grids import (
    GRID_BOUNDARY_CHANGED,
    GRID_CREATED,
    GRID_MERGED,
    GRID_RETIRED,
    GRID_SPLIT,
    GRID_UPDATED,
)
from shared.events.contracts.registry.subjects import (
    SUBJECT_ARCHIVED,
    SUBJECT_MOVED,
    SUBJECT_REGISTERED,
    SUBJECT_UPDATED,
)
from shared.events.contracts.registry.teams import (
    TEAM_MEMBER_ASSIGNED,
    TEAM_MEMBER_CHANGED,
    TEAM_MEMBER_ENDED,
)
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from shared.kafka.consumer import Route
from shared.registry.view import RegistryView

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


def subject_changed(envelope: Envelope) -> None:
    """Any ``subject.*`` event: one key subject as it stands after the change."""
    RegistryView(envelope.tenant_id).apply_subject(
        envelope.payload, occurred_at=envelope.occurred_at, event_id=envelope.event_id
    )


# Within one topic the handler is chosen by event type; a type nobody here handles is skipped
# (a newer registry may add types this build does not know), never dead-lettered.
GRIDS: Mapping[str, Handler] = dict.fromkeys(
    (GRID_CREATED, GRID_UPDATED, GRID_BOUNDARY_CHANGED, GRID_SPLIT, GRID_MERGED, GRID_RETIRED),
    grid_changed,
)
TEAMS: Mapping[str, Handler] = dict.fromkeys(
    (TEAM_MEMBER_ASSIGNED, TEAM_MEMBER_CHANGED, TEAM_MEMBER_ENDED), team_changed
)
SUBJECTS: Mapping[str, Handler] = dict.fromkeys(
    (SUBJECT_REGISTERED, SUBJECT_UPDATED, SUBJECT_MOVED, SUBJECT_ARCHIVED), subject_changed
)


def dispatch(table: Mapping[str, Handler]) -> Handler:
    """One topic's handler: the table's handler of the envelope's type, or nothing."""

    def handle(envelope: Envelope) -> None:
        handler = table.get(envelope.type)
        if handler is not None:
            handler(envelope)

    return handle


def routes(*, grids: bool, teams: bool, subjects: bool) -> tuple[Route, ...]:
    """The consumer routes of the registry topics a service keeps in its read model."""
    chosen = (
        (grids, Topic.REGISTRY_GRIDS, GRIDS),
        (teams, Topic.REGISTRY_TEAMS, TEAMS),
        (subjects, Topic.REGISTRY_SUBJECTS, SUBJECTS),
    )
    return tuple(Route(topic, dispatch(table)) for wanted, topic, table in chosen if wanted)
