"""The composition root of scoring: the one place its parts are wired together.

Used by ``app.py`` (HTTP), ``worker.py`` (consumers) and the tests.
"""

from __future__ import annotations

from flask import Flask

from services.scoring import consumers
from services.scoring.settings import ScoringSettings, load
from services.scoring.views import ledger
from shared import runtime

BLUEPRINTS = (ledger.blp,)


def api(settings: ScoringSettings | None = None) -> Flask:
    return runtime.api_app(settings=settings or load(), blueprints=BLUEPRINTS)


def worker(settings: ScoringSettings | None = None) -> None:
    runtime.run_service_worker(settings=settings or load(), routes=consumers.ROUTES)
