"""What survey consumes: one row per topic. The runner (shared.kafka) owns the poll loop,
commits after the effect and sends poison to ``<topic>.dlq``."""

from __future__ import annotations

from collections.abc import Mapping

from services.survey import handlers
from shared.events.contracts.intake.events import EVENT_CLOSED, EVENT_REOPENED
from shared.events.contracts.intake.hotline import HOTLINE_CALLBACK_RECORDED
from shared.events.contracts.survey.rates import RATES_PUBLISHED
from shared.events.topics import Topic
from shared.kafka import BatchRoute, Route
from shared.registry import handlers as registry
from shared.tenancy import handlers as tenancy

# Of intake's events topic survey reads the 12345 callbacks and the closures (every other
# event.* type is skipped, never dead-lettered).
INTAKE: Mapping[str, registry.Handler] = {
    HOTLINE_CALLBACK_RECORDED: handlers.callback_recorded,
    EVENT_CLOSED: handlers.event_closure_changed,
    EVENT_REOPENED: handlers.event_closure_changed,
}

# Of identity's tenants topic survey reads which district a tenant is in (service accounts
# are skipped); of its own rates topic, the publications the district average is made of.
TENANTS: Mapping[str, registry.Handler] = dict.fromkeys(
    tenancy.STATUS_BY_TYPE, handlers.tenant_changed
)
RATES: Mapping[str, registry.Handler] = {RATES_PUBLISHED: handlers.rates_published}

ROUTES: tuple[Route | BatchRoute, ...] = (
    # The registry's grids (a frame row's grid code, a callback's grid) and teams (the worker
    # a grid's answers rate, as of the answer's day). Subjects are not needed.
    *registry.routes(grids=True, teams=True, subjects=False),
    Route(Topic.INTAKE_EVENTS, registry.dispatch(INTAKE)),
    Route(Topic.IDENTITY_TENANTS, registry.dispatch(TENANTS)),
    Route(Topic.SURVEY_RATES, registry.dispatch(RATES)),
)
