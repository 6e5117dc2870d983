"""The composition root of survey: the one place its parts are wired together.

Used by ``app.py`` (HTTP: questionnaires, campaigns, frames, samples, responses, callbacks,
rates, the district average and the resident page), ``worker.py`` (the registry read model,
intake's callbacks and closures, identity's tenants, the outbox relay) and the tests.
"""

from __future__ import annotations

import logging

from flask import Flask

from services.survey.consumers import ROUTES
from services.survey.settings import SurveySettings, load
from services.survey.views import callbacks as callbacks_views
from services.survey.views import campaigns as campaigns_views
from services.survey.views import districts as districts_views
from services.survey.views import frames as frames_views
from services.survey.views import questionnaires as questionnaires_views
from services.survey.views import rates as rates_views
from services.survey.views import resident as resident_views
from services.survey.views import responses as responses_views
from services.survey.views import samples as samples_views
from shared import runtime
from shared.crypto import configure_field_crypto
from shared.registry import documents as registry_documents
from shared.tenancy import documents as tenancy_documents
from shared.tenancy import repository as tenancy_repository

BLUEPRINTS = (
    callbacks_views.blp,
    campaigns_views.blp,
    frames_views.blp,
    samples_views.blp,
    responses_views.blp,
    resident_views.blp,
    questionnaires_views.blp,
    rates_views.blp,
    districts_views.blp,
)


log = logging.getLogger(__name__)


def api(settings: SurveySettings | None = None) -> Flask:
    settings = settings or load()
    # Frames, links and response ids need the field keys (ADR 13): installed before any view.
    configure_field_crypto(settings.field_crypto())
    return runtime.api_app(settings=settings, blueprints=BLUEPRINTS)


# Before shared.tenancy, survey kept the tenants' districts in a collection of its own.
LEGACY_MEMBERS = "survey_district_members"


def worker(settings: SurveySettings | None = None) -> None:
    settings = settings or load()
    runtime.connect_database(settings)
    copied = tenancy_repository.adopt_collection(LEGACY_MEMBERS)
    if copied:
        log.info("adopted %d district memberships from %s", copied, LEGACY_MEMBERS)
    runtime.run_service_worker(
        settings=settings,
        routes=ROUTES,
        documents=(*registry_documents.DOCUMENTS, *tenancy_documents.DOCUMENTS),
    )
