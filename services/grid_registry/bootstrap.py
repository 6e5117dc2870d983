"""The composition root of grid_registry: the one place its parts are wired together.

Used by ``app.py`` (HTTP), ``worker.py`` (outbox relay) and the tests.
"""

from __future__ import annotations

from flask import Flask

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
    runtime.run_service_worker(settings=settings or load())
