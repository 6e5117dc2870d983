"""The composition root of scoring: the one place its parts are wired together.

Used by ``app.py`` (HTTP), ``worker.py`` (consumers) and the tests.
"""

from __future__ import annotations

from flask import Flask

from services.scoring import consumers
from services.scoring.repository.ledger import LedgerRepository
from services.scoring.repository.manual_inputs import ManualInputRepository
from services.scoring.settings import ScoringSettings, load
from services.scoring.use_cases.appeals import OverdueJob
from services.scoring.use_cases.evaluations import ProvisionalJob
from services.scoring.views import appeals as appeal_views
from services.scoring.views import bulletins as bulletin_views
from services.scoring.views import district_reports as district_report_views
from services.scoring.views import evaluations as evaluation_views
from services.scoring.views import ledger
from services.scoring.views import manual_inputs as manual_input_views
from services.scoring.views import payroll as payroll_views
from services.scoring.views import schemes as scheme_views
from shared import runtime
from shared.registry import documents as registry_documents
from shared.scheduler import PeriodicJob
from shared.tenancy import documents as tenancy_documents

BLUEPRINTS = (
    ledger.blp,
    manual_input_views.blp,
    scheme_views.blp,
    evaluation_views.blp,
    payroll_views.blp,
    bulletin_views.blp,
    district_report_views.blp,
    appeal_views.blp,
)


def api(settings: ScoringSettings | None = None) -> Flask:
    return runtime.api_app(settings=settings or load(), blueprints=BLUEPRINTS)


def _changed_since(ms: int) -> list[str]:
    """Tenants whose facts changed since `ms`: ledger entries recorded, or manual inputs
    entered or corrected (they reach the facts without passing through the ledger)."""
    return sorted(
        {
            *LedgerRepository.tenants_recorded_since(ms),
            *ManualInputRepository.tenants_changed_since(ms),
        }
    )


def jobs(settings: ScoringSettings) -> tuple[PeriodicJob, ...]:
    """The worker's periodic jobs: provisional scores of the schemes whose tenant's ledger or
    manual inputs changed since the previous pass."""
    return (
        PeriodicJob(
            "scoring_provisional",
            settings.provisional_scan_seconds,
            ProvisionalJob(_changed_since),
        ),
        PeriodicJob("scoring_appeals_overdue", settings.appeal_overdue_scan_seconds, OverdueJob()),
    )


def worker(settings: ScoringSettings | None = None) -> None:
    settings = settings or load()
    runtime.run_service_worker(
        settings=settings,
        routes=consumers.ROUTES,
        jobs=jobs(settings),
        documents=(*registry_documents.DOCUMENTS, *tenancy_documents.DOCUMENTS),
    )
