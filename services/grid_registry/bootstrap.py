"""The composition root of grid_registry: the one place its parts are wired together.

Used by ``app.py`` (HTTP), ``worker.py`` (outbox relay) and the tests.
"""

from __future__ import annotations

from flask import Flask

from services.grid_registry.documents.base_info import (
    BaseInfoSnapshotDocument,
    BaseInfoSubCategoryDocument,
)
from services.grid_registry.documents.divisions import DivisionDocument
from services.grid_registry.documents.filings import FilingDocument, FilingItemDocument
from services.grid_registry.documents.grids import GridDocument
from services.grid_registry.documents.subjects import SubjectDocument
from services.grid_registry.documents.teams import GridTeamDocument
from services.grid_registry.settings import RegistrySettings, load
from services.grid_registry.views import (
    base_info,
    divisions,
    filings,
    grids,
    subjects,
    teams,
    workbooks,
)
from shared import runtime

# The documents whose outbox the worker relays (the grid-set version counter publishes nothing).
DOCUMENTS = (
    GridDocument,
    DivisionDocument,
    BaseInfoSnapshotDocument,
    BaseInfoSubCategoryDocument,
    FilingItemDocument,
    FilingDocument,
    GridTeamDocument,
    SubjectDocument,
)
BLUEPRINTS = (
    grids.blp,
    divisions.blp,
    base_info.blp,
    filings.blp,
    workbooks.blp,
    teams.blp,
    subjects.blp,
)


def api(settings: RegistrySettings | None = None) -> Flask:
    return runtime.api_app(settings=settings or load(), blueprints=BLUEPRINTS)


def worker(settings: RegistrySettings | None = None) -> None:
    runtime.run_service_worker(settings=settings or load(), documents=DOCUMENTS)
