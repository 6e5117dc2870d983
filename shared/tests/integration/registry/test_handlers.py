"""The registry handlers on the real FerretDB, fed with the contracts' example messages: the read
model follows grids, teams and key subjects, once per event and never backwards."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from shared.events.contracts import contract_for, validate_envelope
from shared.events.envelope import Envelope
from shared.events.topics import Topic
from shared.kafka.consumer import ConsumerRunner
from shared.kafka.inmemory import InMemoryBroker, InMemoryConsumer, InMemoryProducer
from shared.registry.handlers import routes
from shared.registry.view import RegistryView

pytestmark = pytest.mark.integration

ROUTES = routes(grids=True, teams=True, subjects=True)
GRID = "grid-5b1e"  # the grid of every grid.* example: lon 120.10-120.11, lat 31.700-31.708
INSIDE = (120.105, 31.704)
SUBJECT = "sub-9c4e"  # the subject of every subject.* example, first in grid-0a1b
T1 = datetime(2026, 1, 5, 2, 30, tzinfo=UTC)  # 10:30 on 2026-01-05 in Shanghai
T2 = T1 + timedelta(days=30)
NEW_BOUNDARY = {
    "type": "Polygon",
    "coordinates": [
        [[120.2, 31.7], [120.21, 31.7], [120.21, 31.708], [120.2, 31.708], [120.2, 31.7]]
    ],
}


def event(type_: str, tenant: str, *, at: datetime = T1, **payload) -> Envelope:
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
    routes = {route.topic: route.handler for route in ROUTES}
    for envelope in envelopes:
        loaded = dataclasses.replace(envelope, payload=validate_envelope(envelope))
        routes[contract_for(envelope.type, envelope.version).topic](loaded)


def at(day: date, hour: int = 12) -> datetime:
    """`hour` o'clock in Shanghai on `day`."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def test_the_consumer_runner_feeds_grids_teams_and_subjects_into_the_read_model(tenant):
    broker = InMemoryBroker()
    for topic in (Topic.REGISTRY_GRIDS, Topic.REGISTRY_TEAMS, Topic.REGISTRY_SUBJECTS):
        broker.create_topic(str(topic))
        broker.create_topic(f"{topic}.dlq")
    runner = ConsumerRunner(
        consumer=InMemoryConsumer(broker, "registry-test"),
        dlq_producer=InMemoryProducer(broker),
        group_id="registry-test",
        routes=ROUTES,
        commit_interval_s=0.0,
        poll_timeout_ms=0,
    )
    for type_ in ("grid.created", "team.member_assigned", "subject.registered"):
        message = event(type_, tenant)
        topic = str(contract_for(type_, 1).topic)
        broker.append(topic, message.to_bytes(), message.key("k"), [])

    assert runner.run_once() == 3

    view = RegistryView(tenant)
    assert view.locate(*INSIDE, at(date(2026, 1, 6))) == GRID
    assert view.locate(*INSIDE, at(date(2026, 1, 4))) is None  # before valid_from
    assert view.locate(120.3, 31.704, at(date(2026, 1, 6))) is None
    worker = "c3f1a2b4-0000-4000-8000-000000000003"
    assert view.grid_ids_of_user(worker, date(2026, 1, 1)) == {"grid-0a1b"}
    assert view.grid_ids_of_user(worker, date(2025, 12, 31)) == frozenset()
    [subject] = view.subjects_of_grids(["grid-0a1b"])
    assert (subject.subject_id, subject.visit_cycle) == (SUBJECT, "weekly")


def test_the_same_grid_event_twice_gives_the_same_state(tenant):
    created = event("grid.created", tenant)
    deliver(created)
    view = RegistryView(tenant)
    stored = view.grids.get(f"{tenant}|{GRID}")

    deliver(created)

    again = view.grids.get(f"{tenant}|{GRID}")
    assert again.revision == stored.revision  # not even rewritten
    assert again.applied_event_ids == [created.event_id]
    assert view.locate(*INSIDE, at(date(2026, 1, 6))) == GRID


def test_an_older_grid_event_after_a_newer_one_changes_nothing(tenant):
    created = event("grid.created", tenant, at=T1)
    moved = event("grid.boundary_changed", tenant, at=T2, boundary=NEW_BOUNDARY)
    deliver(moved, created)  # a replay from an earlier offset brings the older one last

    view = RegistryView(tenant)
    assert view.grid(GRID).boundary == NEW_BOUNDARY
    assert view.locate(120.205, 31.704, at(T2.date() + timedelta(days=1))) == GRID


def test_a_boundary_change_applies_from_its_day_and_the_old_boundary_before(tenant):
    view = RegistryView(tenant)
    deliver(event("grid.created", tenant, at=T1))
    change_day = date(2026, 2, 4)
    assert view.locate(*INSIDE, at(change_day)) == GRID  # cached locator of that day

    deliver(event("grid.boundary_changed", tenant, at=at(change_day, 9), boundary=NEW_BOUNDARY))

    assert view.locate(*INSIDE, at(change_day)) is None  # the cache followed the change
    assert view.locate(120.205, 31.704, at(change_day)) == GRID
    assert view.locate(*INSIDE, at(change_day - timedelta(days=1))) == GRID
    assert view.locate(120.205, 31.704, at(change_day - timedelta(days=1))) is None


def test_a_retired_grid_is_located_through_its_last_valid_day_only(tenant):
    view = RegistryView(tenant)
    deliver(event("grid.created", tenant, at=T1))
    assert view.locate(*INSIDE, at(date(2026, 4, 1))) == GRID

    deliver(event("grid.retired", tenant, at=at(date(2026, 4, 1), 9)))  # valid_to 2026-03-31

    assert view.locate(*INSIDE, at(date(2026, 4, 1))) is None
    assert view.locate(*INSIDE, at(date(2026, 3, 31), 23)) == GRID
    assert view.grid_exists_at(GRID, at(date(2026, 3, 31), 23))
    assert not view.grid_exists_at(GRID, at(date(2026, 4, 1), 0))
    assert view.grid(GRID).status == "retired"


def test_a_split_hands_the_territory_to_its_parts_from_the_next_day(tenant):
    view = RegistryView(tenant)
    deliver(event("grid.created", tenant, at=T1))
    west = {
        "type": "Polygon",
        "coordinates": [
            [[120.1, 31.7], [120.105, 31.7], [120.105, 31.708], [120.1, 31.708], [120.1, 31.7]]
        ],
    }
    east = {
        "type": "Polygon",
        "coordinates": [
            [[120.105, 31.7], [120.11, 31.7], [120.11, 31.708], [120.105, 31.708], [120.105, 31.7]]
        ],
    }
    split_at = at(date(2026, 4, 1), 9)
    for grid_id, code, shape in (("grid-a1c2", "HP-02", west), ("grid-b3d4", "HP-03", east)):
        deliver(
            event(
                "grid.created",
                tenant,
                at=split_at,
                grid_id=grid_id,
                code=code,
                boundary=shape,
                valid_from="2026-04-01",
                split_from=GRID,
            )
        )
    deliver(event("grid.split", tenant, at=split_at))

    april = at(date(2026, 4, 2))
    assert view.locate(120.102, 31.704, april) == "grid-a1c2"
    assert view.locate(120.108, 31.704, april) == "grid-b3d4"
    # On the shared border the lowest code wins, every time.
    assert view.locate(120.105, 31.704, april) == "grid-a1c2"
    assert view.locate(120.108, 31.704, at(date(2026, 3, 31))) == GRID
    assert view.grid_ids_of_division("div-7f3a") == {GRID, "grid-a1c2", "grid-b3d4"}
    assert view.grid_ids_of_division("div-7f3a", april) == {"grid-a1c2", "grid-b3d4"}
    assert view.division_of("grid-a1c2") == "div-7f3a"


def test_team_events_are_applied_once_and_never_backwards(tenant):
    worker = "c3f1a2b4-0000-4000-8000-000000000003"
    assigned = event("team.member_assigned", tenant, at=T1)
    ended = event("team.member_ended", tenant, at=T2)  # ends_on 2026-06-30
    deliver(assigned, ended, assigned)  # a redelivered older event after the newer one

    view = RegistryView(tenant)
    assert view.grid_ids_of_user(worker, date(2026, 6, 30)) == {"grid-0a1b"}
    assert view.grid_ids_of_user(worker, date(2026, 7, 1)) == frozenset()
    [member] = view.members_of("grid-0a1b", date(2026, 6, 30))
    assert (member.role, member.ends_on) == ("full_time_worker", date(2026, 6, 30))

    stored = view.memberships.get(f"{tenant}|mem-5b21")
    deliver(ended)
    assert view.memberships.get(f"{tenant}|mem-5b21").revision == stored.revision


def test_a_changed_membership_replaces_the_person_and_dates(tenant):
    deliver(event("team.member_assigned", tenant, at=T1))
    deliver(event("team.member_changed", tenant, at=T2, user_id="u-new", starts_on="2026-02-01"))

    view = RegistryView(tenant)
    assert view.grid_ids_of_user("c3f1a2b4-0000-4000-8000-000000000003", date(2026, 3, 1)) == (
        frozenset()
    )
    assert view.grid_ids_of_user("u-new", date(2026, 3, 1)) == {"grid-0a1b"}
    assert view.grid_ids_of_user("u-new", date(2026, 1, 31)) == frozenset()


def test_a_service_chooses_the_registry_topics_it_consumes():
    assert [r.topic for r in ROUTES] == [
        Topic.REGISTRY_GRIDS,
        Topic.REGISTRY_TEAMS,
        Topic.REGISTRY_SUBJECTS,
    ]
    assert [r.topic for r in routes(grids=True, teams=True, subjects=False)] == [
        Topic.REGISTRY_GRIDS,
        Topic.REGISTRY_TEAMS,
    ]
    assert [r.topic for r in routes(grids=False, teams=False, subjects=True)] == [
        Topic.REGISTRY_SUBJECTS
    ]
    # A grid's events carry its division id, all any service uses of a division.
    assert routes(grids=False, teams=False, subjects=False) == ()


def test_types_nobody_handles_are_skipped(tenant):
    route = next(r for r in ROUTES if r.topic == Topic.REGISTRY_GRIDS)
    other = dataclasses.replace(event("grid.created", tenant), type="grid.renamed")

    route.handler(other)

    assert RegistryView(tenant).grid(GRID) is None


def test_one_tenants_grids_and_teams_never_answer_another(tenants):
    tenant_a, tenant_b, tenant_c = tenants("a"), tenants("b"), tenants("c")
    deliver(event("grid.created", tenant_a), event("team.member_assigned", tenant_a))
    # Tenant B's grid with the same id lies elsewhere.
    deliver(event("grid.created", tenant_b, boundary=NEW_BOUNDARY))

    day = at(date(2026, 1, 6))
    a, b = RegistryView(tenant_a), RegistryView(tenant_b)
    assert a.locate(*INSIDE, day) == GRID
    assert b.locate(*INSIDE, day) is None
    assert b.locate(120.205, 31.704, day) == GRID
    assert a.locate(120.205, 31.704, day) is None
    assert RegistryView(tenant_c).locate(*INSIDE, day) is None
    assert RegistryView(tenant_c).grid(GRID) is None
    worker = "c3f1a2b4-0000-4000-8000-000000000003"
    assert a.grid_ids_of_user(worker, date(2026, 3, 1)) == {"grid-0a1b"}
    assert b.grid_ids_of_user(worker, date(2026, 3, 1)) == frozenset()
    assert b.members_of("grid-0a1b", date(2026, 3, 1)) == []


def test_a_subject_event_twice_gives_the_same_state(tenant):
    registered = event("subject.registered", tenant)
    deliver(registered)
    view = RegistryView(tenant)
    stored = view.subjects.get(f"{tenant}|{SUBJECT}")

    deliver(registered)

    again = view.subjects.get(f"{tenant}|{SUBJECT}")
    assert again.revision == stored.revision  # not even rewritten
    assert again.applied_event_ids == [registered.event_id]
    [subject] = view.subjects_of_grids(["grid-0a1b"])
    assert subject.location == (120.1551, 30.2741)
    assert (subject.category, subject.division_id) == ("key_person", "div-7f3a")


def test_a_moved_subject_is_due_in_its_new_grid_only(tenant):
    deliver(event("subject.registered", tenant, at=T1))
    deliver(event("subject.moved", tenant, at=T2, location={"lon": 120.2, "lat": 31.7}))

    view = RegistryView(tenant)
    assert view.subjects_of_grids(["grid-0a1b"]) == []
    [subject] = view.subjects_of_grids(["grid-0a1b", "grid-0a1c"])
    assert (subject.grid_id, subject.location) == ("grid-0a1c", (120.2, 31.7))


def test_an_archived_subject_is_kept_but_no_longer_due(tenant):
    deliver(event("subject.registered", tenant, at=T1))
    deliver(event("subject.archived", tenant, at=T2))

    view = RegistryView(tenant)
    assert view.subjects_of_grids(["grid-0a1b"]) == []
    archived = view.subject(SUBJECT)
    assert (archived.status, archived.location) == ("archived", None)


def test_an_older_subject_event_after_a_newer_one_changes_nothing(tenant):
    registered = event("subject.registered", tenant, at=T1)
    updated = event("subject.updated", tenant, at=T2, visit_cycle="daily")
    archived = event("subject.archived", tenant, at=T2 + timedelta(days=1))
    # A replay from an earlier offset brings the older ones again after the newest.
    deliver(registered, updated, archived, registered, updated)

    view = RegistryView(tenant)
    assert view.subjects_of_grids(["grid-0a1b"]) == []
    assert view.subject(SUBJECT).status == "archived"
    assert view.subjects.get(f"{tenant}|{SUBJECT}").applied_event_ids == [archived.event_id]


def test_a_subject_update_changes_the_cycle_and_position(tenant):
    deliver(event("subject.registered", tenant, at=T1))
    deliver(event("subject.updated", tenant, at=T2, visit_cycle="daily", location=None))

    [subject] = RegistryView(tenant).subjects_of_grids(["grid-0a1b"])
    assert (subject.visit_cycle, subject.location) == ("daily", None)


def test_one_tenants_subjects_never_answer_another(tenants):
    deliver(event("subject.registered", tenants("a")))

    other = RegistryView(tenants("b"))
    assert other.subjects_of_grids(["grid-0a1b"]) == []
    assert other.subject(SUBJECT) is None
    assert len(RegistryView(tenants("a")).subjects_of_grids(["grid-0a1b"])) == 1
