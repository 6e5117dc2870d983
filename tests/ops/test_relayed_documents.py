"""Every document a service defines is relayed by its worker, unless it says it publishes no
events: a document forgotten in a hand-kept list would never publish, and no alarm would fire.
"""

from __future__ import annotations

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


def test_services_without_documents_relay_nothing() -> None:
    for service in ("patrol_tracking", "survey"):
        assert service_documents(service) == []


def test_event_intake_relays_its_records_but_not_the_registry_read_model() -> None:
    relayed = {c.__name__ for c in relayed_documents("event_intake")}
    assert {"EventDocument", "IntakeSettingsDocument", "DepartmentDocument"} <= relayed
    read_model = {c.__name__ for c in service_documents("event_intake")} - relayed
    assert read_model
    assert all(name.startswith("Registry") for name in read_model), read_model


def test_scoring_has_nothing_to_relay_yet() -> None:
    assert relayed_documents("scoring") == []
    assert [c.__name__ for c in service_documents("scoring")] == ["LedgerEntryDocument"]
