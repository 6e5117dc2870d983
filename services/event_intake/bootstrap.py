"""The composition root of event_intake: the one place its parts are wired together.

Used by ``app.py`` (HTTP), ``worker.py`` (outbox relay, the registry read model's consumers,
the overdue scans) and the tests.
"""

from __future__ import annotations

from flask import Flask

from services.event_intake.consumers import ROUTES
from services.event_intake.settings import EventIntakeSettings, load
from services.event_intake.use_cases import overdue
from services.event_intake.views import (
    departments,
    events,
    hotline,
    inspections,
    open311,
    photos,
    records,
    settings,
    tasks,
)
from shared import runtime
from shared.registry.documents import DOCUMENTS as REGISTRY_DOCUMENTS
from shared.scheduler import PeriodicJob

BLUEPRINTS = (
    events.blp,
    settings.blp,
    departments.blp,
    records.blp,
    tasks.blp,
    inspections.blp,
    photos.blp,
    hotline.blp,
    open311.blp,
)


def api(settings: EventIntakeSettings | None = None) -> Flask:
    return runtime.api_app(settings=settings or load(), blueprints=BLUEPRINTS)


def jobs(settings: EventIntakeSettings) -> tuple[PeriodicJob, ...]:
    """The worker's periodic scans: deadlines that passed become published facts."""
    every = settings.overdue_scan_seconds
    return (
        PeriodicJob("event_overdue", every, overdue.scan_events),
        PeriodicJob("task_overdue", every, overdue.scan_tasks),
        PeriodicJob("inspection_overdue", every, overdue.scan_inspections),
    )


def worker(settings: EventIntakeSettings | None = None) -> None:
    settings = settings or load()
    runtime.run_service_worker(
        settings=settings, routes=ROUTES, jobs=jobs(settings), documents=REGISTRY_DOCUMENTS
    )
