"""Every document a service defines is relayed by its worker, unless it says it publishes no
events: a document forgotten in a hand-kept list would never publish, and no alarm would fire.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from shared import runtime
from shared.events.topics import Topic
from shared.registry.documents import DOCUMENTS as REGISTRY_DOCUMENTS
from shared.runtime import relayed_documents, service_documents


def test_the_registry_relays_its_aggregates_but_not_the_grid_set_counter() -> None:
    names = {cls.__name__ for cls in relayed_documents("grid_registry")}
    assert names == {
        "BaseInfoSnapshotDocument",
        "BaseInfoSubCategoryDocument",
        "DivisionDocument",
        "FilingDocument",
        "FilingItemDocument",
        "GridDocument",
        "GridTeamDocument",
        "SubjectDocument",
    }
    assert "GridSetVersionDocument" in {c.__name__ for c in service_documents("grid_registry")}


def test_identity_relays_tenants_users_and_service_accounts() -> None:
    names = {cls.__name__ for cls in relayed_documents("identity")}
    assert names == {"ServiceAccountDocument", "TenantRecordDocument", "UserDocument"}


def test_survey_relays_its_aggregates_but_never_its_frames_samples_or_read_models() -> None:
    relayed = {c.__name__ for c in relayed_documents("survey")}
    assert {
        "QuestionnaireDocument",
        "CampaignDocument",
        "ResponseDocument",
        "CallbackDocument",
        "RatePublicationDocument",
    } <= relayed
    # Residents' phones and addresses (frames) and who was drawn (samples) never travel;
    # intake's closed events are learned, not recorded.
    kept = {c.__name__ for c in service_documents("survey")}
    assert {"FrameEntryDocument", "SampleMemberDocument", "ClosedEventDocument"} <= kept - relayed


def test_event_intake_relays_its_records_but_not_the_registry_read_model() -> None:
    relayed = {c.__name__ for c in relayed_documents("event_intake")}
    assert {"EventDocument", "IntakeSettingsDocument", "DepartmentDocument"} <= relayed
    assert not relayed & {cls.__name__ for cls in REGISTRY_DOCUMENTS}


def test_the_platforms_registry_read_model_publishes_nothing() -> None:
    # Learned from grid_registry in each service that keeps it: never relayed, only indexed
    # (the workers of those services name them: `run_service_worker(documents=...)`).
    assert {cls._get_collection_name() for cls in REGISTRY_DOCUMENTS} == {
        "registry_grids",
        "registry_memberships",
        "registry_subjects",
        "registry_stamps",
    }
    assert not any(cls.publishes_events for cls in REGISTRY_DOCUMENTS)


@pytest.mark.parametrize(
    ("service", "topics"),
    [
        ("event_intake", {Topic.REGISTRY_GRIDS, Topic.REGISTRY_TEAMS}),
        (
            "patrol_tracking",
            {Topic.REGISTRY_GRIDS, Topic.REGISTRY_TEAMS, Topic.REGISTRY_SUBJECTS},
        ),
    ],
)
def test_workers_that_keep_the_registry_read_model_keep_its_indexes(
    monkeypatch: pytest.MonkeyPatch, service: str, topics: set[Topic]
) -> None:
    bootstrap = importlib.import_module(f"services.{service}.bootstrap")
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(runtime, "run_service_worker", lambda **kwargs: calls.append(kwargs))

    bootstrap.worker()

    [call] = calls
    assert set(call["documents"]) >= set(REGISTRY_DOCUMENTS)
    assert topics <= {route.topic for route in call["routes"]}


def test_scoring_relays_its_schemes_and_results_but_never_the_ledger_or_sheets() -> None:
    relayed = {c.__name__ for c in relayed_documents("scoring")}
    assert {"SchemeVersionDocument", "EvaluationDocument", "BulletinDocument"} <= relayed
    assert not {"LedgerEntryDocument", "ScoreSheetChunkDocument"} & relayed
    # Appeals publish appeal.*; fact adjustments and appeal settings record no events.
    assert "AppealDocument" in relayed
    assert not {"FactAdjustmentDocument", "AppealSettingsDocument"} & relayed
