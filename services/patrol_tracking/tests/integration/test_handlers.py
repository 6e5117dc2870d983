"""patrol_tracking's routes on the real FerretDB: the uploads' chunks stored and folded side
by side (a rebuilt day waits for the chunk's own points, a failed insert fails the chunk);
the registry routes fed with the contracts' example
messages: a worker's own grids on a day with that day's boundary, every grid in force, and the
key subjects due visits reach its use cases (`PatrolContext.registry`), once per event, inside
the event's tenant. The read model's own rules are tested in shared/tests/integration/registry.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pymongo.errors import ConnectionFailure

from services.patrol_tracking import consumers, handlers
from services.patrol_tracking.domain.intake import receive_points
from services.patrol_tracking.domain.points import Point, Provider
from services.patrol_tracking.domain.settings import IngestRules
from services.patrol_tracking.repository.points import PointRepository
from services.patrol_tracking.use_cases import patrol_days
from services.patrol_tracking.use_cases.context import PatrolContext
from services.patrol_tracking.use_cases.points import Uploads
from shared.events.contracts import contract_for, validate_envelope
from shared.events.domain import EventOrigin
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from shared.kafka import Delivery
from shared.kafka.direct import DirectMessage
from shared.registry.testing import seed_registry, square

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


# -- the phones' uploads: stored and folded side by side ------------------------------------------

UPLOADS_TENANT = "tenant-uploads"
WALKER = "walker-1"
WALK_DAY = date(2026, 3, 2)  # a Monday
WALK_START = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai


def _walk(first: int, count: int) -> list[Point]:
    """A walk north at 1.4 m/s inside the grid, a fix every 30 s: fixes first .. first+count-1."""
    return [
        Point(
            point_id=f"p{n}",
            at=WALK_START + timedelta(seconds=30 * n),
            lat=31.701 + 1.4 * 30 * n / 111_195.0,
            lon=120.01,
            accuracy_m=8.0,
            provider=Provider.GPS,
        )
        for n in range(first, first + count)
    ]


def _chunk(points: list[Point], offset: int) -> list[Delivery]:
    event = receive_points(
        tenant_id=UPLOADS_TENANT,
        worker_id=WALKER,
        points=points,
        rules=IngestRules(),
        now=points[-1].at,
    )
    message = DirectMessage.of(
        event, tenant_id=UPLOADS_TENANT, origin=EventOrigin("patrol_tracking", "req")
    )
    envelope = Envelope.parse(message.value)
    envelope = dataclasses.replace(envelope, payload=validate_envelope(envelope))
    return [Delivery(envelope, str(Topic.PATROL_POINTS), 0, offset)]


@pytest.fixture
def walker_registry(fresh_db: str) -> None:
    patrol_days.GEOMETRIES.clear()
    seed_registry(
        UPLOADS_TENANT,
        grids=[("g-1", "div-1", "G01", square(120.0, 31.7, 0.2), date(2026, 1, 1))],
        teams={"g-1": [(WALKER, "full_time_worker", date(2026, 1, 1), None)]},
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )


def _slow_inserts(monkeypatch: pytest.MonkeyPatch, *, fail_once: bool = False) -> list[int]:
    """Inserts that start late (the folds get well ahead of them); optionally failing once."""
    calls: list[int] = []
    real = handlers.store_uploads

    def slow(uploads: Uploads) -> int:
        calls.append(len(calls))
        time.sleep(0.3)
        if fail_once and len(calls) == 1:
            raise ConnectionFailure("the store went away")
        return real(uploads)

    monkeypatch.setattr(handlers, "store_uploads", slow)
    return calls


def _day() -> Any:
    return PatrolContext(tenant_id=UPLOADS_TENANT, actor="test").days.find_day(WALKER, WALK_DAY)


@pytest.mark.usefixtures("walker_registry")
def test_a_late_chunk_rebuilds_its_day_from_every_point_even_while_they_are_stored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _slow_inserts(monkeypatch)
    assert handlers.uploads_received(_chunk(_walk(61, 60), offset=1)) == []
    # The phone's buffer arrives after: the day is rebuilt from the stored points, which must
    # include this chunk's own, still being inserted when the fold gets there.
    assert handlers.uploads_received(_chunk(_walk(0, 61), offset=2)) == []
    day = _day()
    assert day.state.figures().patrol_s == 3600
    assert day.state.figures().distance_m == pytest.approx(1.4 * 3600, rel=1e-3)
    assert len(PointRepository(UPLOADS_TENANT).points_of_day(WALKER, WALK_DAY)) == 121


@pytest.mark.usefixtures("walker_registry")
def test_a_failed_insert_fails_the_chunk_and_its_redelivery_stores_without_folding_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert handlers.uploads_received(_chunk(_walk(0, 61), offset=3)) == []
    calls = _slow_inserts(monkeypatch, fail_once=True)
    chunk = _chunk(_walk(61, 60), offset=4)  # in order: folded from the chunk alone
    with pytest.raises(ConnectionFailure):
        handlers.uploads_received(chunk)
    folded = _day()
    assert folded.folded == {0: 4}
    assert folded.state.figures().patrol_s == 3600
    assert len(PointRepository(UPLOADS_TENANT).points_of_day(WALKER, WALK_DAY)) == 61

    assert handlers.uploads_received(chunk) == []  # the runner redelivers the chunk
    assert len(calls) == 2
    assert len(PointRepository(UPLOADS_TENANT).points_of_day(WALKER, WALK_DAY)) == 121
    again = _day()
    assert again.folded == {0: 4}
    assert again.state.figures() == folded.state.figures()
