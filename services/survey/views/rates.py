"""满意率 (satisfaction rates): the table for a period, the counts behind one cell, the
tenant's default definition, publishing. Rate readers read; the centre sets and publishes."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.survey.schemas.rates import (
    DefinitionInSchema,
    ExplainQuerySchema,
    ExplainSchema,
    PeriodQuerySchema,
    PublicationListSchema,
    PublicationSchema,
    PublishSchema,
    RatesQuerySchema,
    RatesSchema,
    SettingsSchema,
    explain_body,
    publication_body,
    rates_body,
    settings_body,
)
from services.survey.use_cases import rates as use_cases
from services.survey.views import CENTRE, RATE_READERS, context
from shared.auth import require_roles
from shared.http import Blueprint

blp = Blueprint("rates", __name__, description="满意率 (satisfaction rates)")


@blp.route("/rates")
class Rates(MethodView):
    @blp.arguments(RatesQuerySchema, location="query")
    @blp.response(200, RatesSchema)
    @require_roles(*RATE_READERS)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The period's rates per grid, worker, division and the tenant under a definition
        (sources and weights, the 12345 basic credit; the tenant's default otherwise): n,
        satisfied, rate, 95% interval and each source's figures. Cells below the tenant's
        minimum, and those hidden so that none can be worked out, show no figures. A grid
        role sees his own grids' rows and his own worker row only."""
        return rates_body(use_cases.rate_table(context(), **query))


@blp.route("/rates/explain")
class RatesExplain(MethodView):
    @blp.arguments(ExplainQuerySchema, location="query")
    @blp.response(200, ExplainSchema)
    @blp.alt_response(403, description="a grid role asking about another grid or worker")
    @require_roles(*RATE_READERS)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The counts behind one cell (grid_id, worker_id, division_id, or none for the
        tenant): per source, how many answers counted each credit, and the weights. Numbers
        only; a hidden cell explains nothing."""
        return explain_body(use_cases.explain_rate(context(), **query))


@blp.route("/rates/definition")
class RatesDefinition(MethodView):
    @blp.response(200, SettingsSchema)
    @require_roles(*RATE_READERS)
    def get(self) -> dict[str, Any]:
        """The tenant's default definition and minimum cell size."""
        return settings_body(use_cases.get_settings(context()))

    @blp.arguments(DefinitionInSchema)
    @blp.response(200, SettingsSchema)
    @require_roles(*CENTRE)
    def put(self, body: dict[str, Any]) -> dict[str, Any]:
        """Set the default definition (sources and weights, the 12345 basic credit) and the
        minimum cell size (5-100); what is left out stays."""
        return settings_body(use_cases.put_settings(context(), **body))


@blp.route("/rates/publications")
class RatesPublications(MethodView):
    @blp.arguments(PeriodQuerySchema, location="query")
    @blp.response(200, PublicationListSchema)
    @require_roles(*CENTRE)
    def get(self, query: dict[str, Any]) -> dict[str, Any]:
        """The period's publications, one per definition (its latest edition)."""
        found = use_cases.list_publications(context(), **query)
        return {"items": [publication_body(publication) for publication in found]}

    @blp.arguments(PublishSchema)
    @blp.response(201, PublicationSchema)
    @require_roles(*CENTRE)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Publish the period's rates under a definition (the next edition if published
        before): `rates.published` per scope for scoring and the district average."""
        return publication_body(use_cases.publish_rates(context(), **body))
