"""The composition root of patrol_tracking: the one place its parts are wired together.

Used by ``app.py`` (HTTP: uploads, tracks, leave, settings, day summaries), ``worker.py``
(the registry read model's consumers, the points consumer that stores and folds, the cut-off
and retention jobs, the outbox relay) and the tests.
"""

from __future__ import annotations

from flask import Flask

from services.patrol_tracking.consumers import ROUTES
from services.patrol_tracking.repository.stream import KafkaPointStream, configure_point_stream
from services.patrol_tracking.settings import PatrolTrackingSettings, load
from services.patrol_tracking.use_cases import patrol_days
from services.patrol_tracking.views import leave, points, settings, tracks, visit_photos
from services.patrol_tracking.views import patrol_days as days_views
from shared import runtime
from shared.registry import documents as registry_documents
from shared.scheduler import PeriodicJob

BLUEPRINTS = (
    points.blp,
    tracks.blp,
    days_views.blp,
    leave.blp,
    settings.blp,
    visit_photos.blp,
)


def api(settings: PatrolTrackingSettings | None = None) -> Flask:
    settings = settings or load()
    # Uploads go to Kafka directly (no outbox): the producer is made lazily in each forked
    # gunicorn worker, with the service's own acknowledgement wait.
    configure_point_stream(
        KafkaPointStream.connect(
            runtime.bootstrap_servers(settings),
            client_id=f"{settings.service}-points",
            ack_timeout_s=settings.points_ack_timeout_seconds,
        )
    )
    return runtime.api_app(settings=settings, blueprints=BLUEPRINTS)


def jobs(settings: PatrolTrackingSettings) -> tuple[PeriodicJob, ...]:
    """The worker's periodic jobs: days past their cut-off are judged and published; raw
    points past their retention are dropped."""
    return (
        PeriodicJob("patrol_cut_off", settings.finalise_scan_seconds, patrol_days.finalise_due),
        PeriodicJob("patrol_retention", settings.retention_scan_seconds, patrol_days.drop_expired),
    )


def worker(settings: PatrolTrackingSettings | None = None) -> None:
    settings = settings or load()
    runtime.run_service_worker(
        settings=settings,
        routes=ROUTES,
        jobs=jobs(settings),
        documents=registry_documents.DOCUMENTS,
    )
