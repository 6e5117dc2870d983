"""What scoring consumes: one row per topic. The runner (shared.kafka) owns the poll loop,
commits after the effect and sends poison to ``<topic>.dlq``."""

from __future__ import annotations

from collections.abc import Mapping

from services.scoring import handlers
from services.scoring.domain.sources import OBSERVERS
from shared.events.contracts import all_contracts
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from shared.kafka import Route
from shared.registry import handlers as registry
from shared.tenancy import handlers as tenancy

# Within one topic, the handler is chosen by event type; a type nobody handles is skipped
# (the topic carries events for other consumers too), never dead-lettered.

# The topics the metric ledger reads, each with every type it counts (`domain.sources`):
# intake's events (and 12345 callbacks), tasks, inspections and work records, patrol's days and
# periods, survey's published rates, the registry's divisions, base information and filings
# (制度备案). Their retention covers an assessment year and more (shared/events/topics.py), so
# `python -m services.scoring.rebuild` can replay them.
LEDGER_TOPICS = (
    Topic.INTAKE_EVENTS,
    Topic.INTAKE_TASKS,
    Topic.INTAKE_INSPECTIONS,
    Topic.INTAKE_RECORDS,
    Topic.PATROL_DAILY,
    Topic.SURVEY_RATES,
    Topic.REGISTRY_DIVISIONS,
    Topic.REGISTRY_BASE_INFO,
    Topic.REGISTRY_FILINGS,
)


def ledger_table(topic: Topic) -> Mapping[str, handlers.Handler]:
    """The ledger's handler for every type of `topic` it counts."""
    return {
        contract.type: handlers.ledger_fact
        for contract in all_contracts()
        if contract.topic == topic and contract.type in OBSERVERS
    }


def _dispatch(table: Mapping[str, handlers.Handler]) -> handlers.Handler:
    def handle(envelope: Envelope) -> None:
        handler = table.get(envelope.type)
        if handler is not None:
            handler(envelope)

    return handle


ROUTES = (
    *(Route(topic, _dispatch(ledger_table(topic))) for topic in LEDGER_TOPICS),
    # The registry read model (grids with their boundary history, grid teams): who a fact
    # counts for on its day (a grid's division, its full-time worker), read with the facts.
    *registry.routes(grids=True, teams=True, subjects=False),
    # identity's tenants: which district each tenant is in (district reports, shared.tenancy).
    *tenancy.ROUTES,
)
