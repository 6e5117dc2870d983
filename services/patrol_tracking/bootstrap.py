"""The composition root of patrol_tracking: the one place its parts are wired together.

The service has no routes, documents or consumers yet (its capabilities arrive with their
issues); it already runs with health, readiness, metrics and OpenAPI like every service.
"""

from __future__ import annotations

from flask import Flask

from services.patrol_tracking.settings import PatrolTrackingSettings, load
from shared import runtime


def api(settings: PatrolTrackingSettings | None = None) -> Flask:
    return runtime.api_app(settings=settings or load(), blueprints=())


def worker(settings: PatrolTrackingSettings | None = None) -> None:
    runtime.run_service_worker(settings=settings or load())
