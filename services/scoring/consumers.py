"""What scoring consumes: one row per topic. The runner (shared.kafka) owns the poll loop,
commits after the effect and sends poison to ``<topic>.dlq``."""

from __future__ import annotations

from collections.abc import Mapping

from services.scoring import handlers
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from shared.kafka import Route

# Within one topic, the handler is chosen by event type; a type nobody handles is skipped
# (the topic carries events for other consumers too), never dead-lettered.
DIVISIONS: Mapping[str, handlers.Handler] = {"division.created": handlers.division_created}


def _dispatch(table: Mapping[str, handlers.Handler]) -> handlers.Handler:
    def handle(envelope: Envelope) -> None:
        handler = table.get(envelope.type)
        if handler is not None:
            handler(envelope)

    return handle


ROUTES = (Route(Topic.REGISTRY_DIVISIONS, _dispatch(DIVISIONS)),)
