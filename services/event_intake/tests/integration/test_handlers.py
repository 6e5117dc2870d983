"""event_intake's consumer routes on the real FerretDB, fed with the contracts' example messages:
grids and teams reach its read model of the registry; divisions and subjects are not consumed.
The handlers' own rules (idempotence, ordering, boundary history, tenant walls) are tested with
the platform's read model (shared/tests/integration/registry)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from services.event_intake import consumers
from services.event_intake.repository.registry import RegistryView
from shared.events.contracts import contract_for
from shared.events.topics import Topic
from shared.kafka.consumer import ConsumerRunner
from shared.kafka.inmemory import InMemoryBroker, InMemoryConsumer, InMemoryProducer

pytestmark = pytest.mark.integration

TENANT = "tenant-heping"  # the examples' tenant
GRID = "grid-5b1e"  # the grid of every grid.* example: lon 120.10-120.11, lat 31.700-31.708
INSIDE = (120.105, 31.704)
WORKER = "c3f1a2b4-0000-4000-8000-000000000003"  # the member of the team.* examples


def at(day: date, hour: int = 12) -> datetime:
    """`hour` o'clock in Shanghai on `day`."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def test_the_consumer_runner_feeds_grids_and_teams_into_the_read_model(fresh_db):
    broker = InMemoryBroker()
    for topic in (Topic.REGISTRY_GRIDS, Topic.REGISTRY_TEAMS):
        broker.create_topic(str(topic))
        broker.create_topic(f"{topic}.dlq")
    runner = ConsumerRunner(
        consumer=InMemoryConsumer(broker, "intake-test"),
        dlq_producer=InMemoryProducer(broker),
        group_id="intake-test",
        routes=consumers.ROUTES,
        commit_interval_s=0.0,
        poll_timeout_ms=0,
    )
    for type_ in ("grid.created", "team.member_assigned"):
        example = contract_for(type_, 1).load_example()
        topic = str(contract_for(type_, 1).topic)
        broker.append(topic, example.to_bytes(), example.key("k"), [])

    assert runner.run_once() == 2

    view = RegistryView(TENANT)
    assert view.locate(*INSIDE, at(date(2026, 1, 6))) == GRID
    assert view.locate(*INSIDE, at(date(2026, 1, 4))) is None  # before valid_from
    assert view.grid_ids_of_user(WORKER, date(2026, 1, 1)) == {"grid-0a1b"}
    assert view.grid_ids_of_user(WORKER, date(2025, 12, 31)) == frozenset()


def test_divisions_and_subjects_are_not_consumed():
    # A grid's events carry its division id, all this service uses of a division; no report or
    # task names a key subject.
    assert [route.topic for route in consumers.ROUTES] == [
        Topic.REGISTRY_GRIDS,
        Topic.REGISTRY_TEAMS,
    ]


def test_types_nobody_handles_are_skipped(fresh_db):
    route = next(r for r in consumers.ROUTES if r.topic == Topic.REGISTRY_GRIDS)
    example = contract_for("grid.created", 1).load_example()
    other = dataclasses.replace(example, type="grid.renamed")

    route.handler(other)

    assert RegistryView(TENANT).grid(GRID) is None
