"""patrol_tracking's registry routes on the real FerretDB, fed with the contracts' example
messages: a worker's own grids on a day with that day's boundary, every grid in force, and the
key subjects due visits reach its use cases (`PatrolContext.registry`), once per event, inside
the event's tenant. The read model's own rules are tested in shared/tests/integration/registry.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from services.patrol_tracking import consumers
from services.patrol_tracking.use_cases.context import PatrolContext
from shared.events.contracts import contract_for, validate_envelope
from shared.events.envelope import Envelope

pytestmark = pytest.mark.integration

TENANT = "tenant-heping"  # the examples' tenant
GRID = "grid-0a1b"  # the grid of the team.* and subject.* examples
WORKER = "c3f1a2b4-0000-4000-8000-000000000003"  # the member of the team.* examples
SUBJECT = "sub-9c4e"
T1 = datetime(2026, 1, 5, 2, 30, tzinfo=UTC)  # 10:30 on 2026-01-05 in Shanghai
DAY = date(2026, 1, 6)
MOVED = {
    "type": "Polygon",
    "coordinates": [
        [[120.2, 31.7], [120.21, 31.7], [120.21, 31.708], [120.2, 31.708], [120.2, 31.7]]
    ],
}


def event(type_: str, *, at: datetime = T1, tenant: str = TENANT, **payload) -> Envelope:
    """The contract's example as `type_`, changed as asked, with a fresh event id."""
    example = contract_for(type_, 1).load_example()
    return dataclasses.replace(
        example,
        event_id=str(uuid.uuid4()),
        tenant_id=tenant,
        occurred_at=at,
        payload={**example.payload, **payload},
    )


def deliver(*envelopes: Envelope) -> None:
    """What the consumer runner does per message: check the contract, load the payload, and
    call the topic's route."""
    routes = {route.topic: route.handler for route in consumers.ROUTES}
    for envelope in envelopes:
        loaded = dataclasses.replace(envelope, payload=validate_envelope(envelope))
        routes[contract_for(envelope.type, envelope.version).topic](loaded)


def registry(tenant: str = TENANT):
    return PatrolContext(tenant_id=tenant, actor="test").registry


def test_a_workers_own_grids_and_their_subjects_come_from_the_registry_events(fresh_db):
    deliver(
        event("grid.created", grid_id=GRID),
        event("grid.created", grid_id="grid-other", code="HP-02", boundary=MOVED),
        event("team.member_assigned"),
        event("subject.registered"),
    )

    view = registry()
    [(grid, boundary)] = view.own_grids(WORKER, DAY)
    # The grid type picks the tenant's patrol rules (community or village).
    assert (grid.grid_id, grid.type, boundary) == (GRID, "village", grid.boundary)
    assert [g.grid_id for g, _ in view.grids_in_force(DAY)] == [GRID, "grid-other"]
    [subject] = view.subjects_of_grids([grid.grid_id for grid, _ in view.own_grids(WORKER, DAY)])
    assert (subject.subject_id, subject.visit_cycle, subject.location) == (
        SUBJECT,
        "weekly",
        (120.1551, 30.2741),
    )


def test_the_same_events_twice_change_nothing(fresh_db):
    messages = (
        event("grid.created", grid_id=GRID),
        event("team.member_assigned"),
        event("subject.registered"),
    )
    deliver(*messages)
    view = registry()
    before = [
        view.grids.get(f"{TENANT}|{GRID}").revision,
        view.memberships.get(f"{TENANT}|mem-5b21").revision,
        view.subjects.get(f"{TENANT}|{SUBJECT}").revision,
    ]

    deliver(*messages)

    assert [
        view.grids.get(f"{TENANT}|{GRID}").revision,
        view.memberships.get(f"{TENANT}|mem-5b21").revision,
        view.subjects.get(f"{TENANT}|{SUBJECT}").revision,
    ] == before
    assert len(view.subjects_of_grids([GRID])) == 1


def test_a_boundary_change_and_an_archived_subject_follow_from_their_day(fresh_db):
    change = datetime(2026, 2, 1, 1, tzinfo=UTC)  # 09:00 on 2026-02-01 in Shanghai
    deliver(
        event("grid.created", grid_id=GRID),
        event("team.member_assigned"),
        event("subject.registered"),
        event("grid.boundary_changed", at=change, grid_id=GRID, boundary=MOVED),
        event("subject.archived", at=change),
    )

    view = registry()
    [(_, before)] = view.own_grids(WORKER, date(2026, 1, 31))
    [(_, after)] = view.own_grids(WORKER, date(2026, 2, 1))
    assert after == MOVED
    assert before != MOVED  # the old boundary still applies to the days before the change
    assert view.subjects_of_grids([GRID]) == []


def test_another_tenant_sees_nothing_of_these_grids_teams_or_subjects(fresh_db):
    deliver(
        event("grid.created", grid_id=GRID),
        event("team.member_assigned"),
        event("subject.registered"),
    )

    other = registry("tenant-b")
    assert other.own_grids(WORKER, DAY) == []
    assert other.grids_in_force(DAY) == []
    assert other.subjects_of_grids([GRID]) == []
    assert other.grid(GRID) is None
    assert registry().own_grids(WORKER, DAY + timedelta(days=1))  # the events' tenant does
