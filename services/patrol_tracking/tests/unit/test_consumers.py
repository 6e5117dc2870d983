"""patrol_tracking's route table: the registry's grids, teams and key subjects reach its read
model, each event type to its handler; divisions are not consumed (no network: the read model is
replaced by a recorder)."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import pytest

from services.patrol_tracking import consumers, handlers
from shared.events.contracts import all_contracts, contract_for, validate_envelope
from shared.events.topics import Topic
from shared.kafka import BatchRoute
from shared.registry import handlers as registry_handlers

APPLY = {
    Topic.REGISTRY_GRIDS: "apply_grid",
    Topic.REGISTRY_TEAMS: "apply_membership",
    Topic.REGISTRY_SUBJECTS: "apply_subject",
}


class RecordingView:
    """Stands in for `RegistryView`: records which ``apply_*`` each envelope reached."""

    calls: ClassVar[list[tuple[str, str, str]]] = []

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("apply_"):
            raise AttributeError(name)

        def apply(state: dict[str, Any], *, occurred_at: Any, event_id: str) -> bool:
            RecordingView.calls.append((self.tenant_id, name, event_id))
            return True

        return apply


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    RecordingView.calls = []
    monkeypatch.setattr(registry_handlers, "RegistryView", RecordingView)
    return RecordingView.calls


def test_uploads_daily_facts_grids_teams_and_subjects_are_consumed_and_divisions_are_not():
    topics = [route.topic for route in consumers.ROUTES]
    assert topics == [
        Topic.PATROL_POINTS,
        Topic.PATROL_DAILY,
        Topic.REGISTRY_GRIDS,
        Topic.REGISTRY_TEAMS,
        Topic.REGISTRY_SUBJECTS,
    ]
    assert Topic.REGISTRY_DIVISIONS not in topics
    uploads = consumers.ROUTES[0]
    assert isinstance(uploads, BatchRoute)
    assert uploads.max_batch == consumers.UPLOADS_PER_CHUNK
    assert uploads.max_weight == consumers.ENTRIES_PER_CHUNK
    assert uploads.weight is handlers.upload_entries


def test_an_upload_weighs_its_fixes_or_heartbeats() -> None:
    for type_, key in (
        ("patrol.points_received", "points"),
        ("patrol.heartbeats_received", "heartbeats"),
    ):
        example = contract_for(type_, 1).load_example()
        envelope = dataclasses.replace(example, payload=validate_envelope(example))
        entries = envelope.payload[key]
        assert handlers.upload_entries(envelope) == len(entries) > 0
        three = dataclasses.replace(envelope, payload={**envelope.payload, key: entries[:1] * 3})
        assert handlers.upload_entries(three) == 3


def test_of_its_own_daily_topic_only_an_approved_leave_is_acted_on(monkeypatch):
    judged: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(
        handlers.patrol_days,
        "rejudge",
        lambda ctx, worker_id, days: judged.append((worker_id, [d.isoformat() for d in days])),
    )
    daily = next(r for r in consumers.ROUTES if r.topic == Topic.PATROL_DAILY)
    for contract in all_contracts():
        if contract.topic == Topic.PATROL_DAILY:
            example = contract.load_example()
            # As the runner hands it over: the payload as its contract loaded it.
            daily.handler(dataclasses.replace(example, payload=validate_envelope(example)))
    approved = contract_for("leave.approved", 1).load_example()
    assert judged == [(approved.payload["worker_id"], list(approved.payload["days"]))]


@pytest.mark.parametrize("topic", sorted(APPLY))
def test_every_registry_event_type_of_a_consumed_topic_reaches_its_handler(topic, recorded):
    route = next(r for r in consumers.ROUTES if r.topic == topic)
    contracts = [contract for contract in all_contracts() if contract.topic == topic]
    assert contracts  # the contracts of the topic are registered
    for contract in contracts:
        route.handler(contract.load_example())

    assert [name for _, name, _ in recorded] == [APPLY[topic]] * len(contracts)
    assert {tenant for tenant, _, _ in recorded} == {"tenant-heping"}  # the event's own tenant


def test_a_type_nobody_handles_is_skipped(recorded):
    route = next(r for r in consumers.ROUTES if r.topic == Topic.REGISTRY_SUBJECTS)
    example = contract_for("subject.registered", 1).load_example()

    route.handler(dataclasses.replace(example, type="subject.renamed"))

    assert recorded == []
