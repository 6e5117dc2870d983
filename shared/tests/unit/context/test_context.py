"""RequestContext: who acts for which tenant, and how its repositories stamp events."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import ClassVar

import pytest

from shared.context import RequestContext
from shared.events.envelope import Envelope
from shared.mongo import PendingEvent

WHEN = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class Repo:
    def __init__(self, tenant_id: str, origin: object) -> None:
        self.tenant_id, self.origin = tenant_id, origin


@dataclass(frozen=True)
class SampleContext(RequestContext):
    producer: ClassVar[str] = "sample"

    @cached_property
    def things(self) -> Repo:
        return Repo(self.tenant_id, self.origin)


def test_repositories_are_bound_to_the_tenant_and_stamp_the_origin() -> None:
    ctx = SampleContext(tenant_id="t1", actor="u1", correlation_id="req-1")
    assert ctx.things is ctx.things  # one repository per context
    assert ctx.things.tenant_id == "t1"
    assert ctx.things.origin == ctx.origin
    assert (ctx.origin.producer, ctx.origin.correlation_id) == ("sample", "req-1")


def test_the_clock_is_the_contexts() -> None:
    assert SampleContext(tenant_id="t1", actor="u1", clock=lambda: WHEN).now() == WHEN


@pytest.mark.parametrize(("tenant_id", "actor"), [("", "u1"), ("t1", "")])
def test_a_context_needs_a_tenant_and_an_actor(tenant_id: str, actor: str) -> None:
    with pytest.raises(ValueError, match="needs a"):
        SampleContext(tenant_id=tenant_id, actor=actor)


def test_a_consumed_event_carries_its_correlation_id_on() -> None:
    envelope = Envelope.new(
        type="division.created",
        version=1,
        tenant_id="t9",
        producer="grid_registry",
        payload={},
        correlation_id="req-7",
    )
    ctx = SampleContext.for_message(envelope)
    assert (ctx.tenant_id, ctx.correlation_id) == ("t9", "req-7")
    assert ctx.actor == "grid_registry:division.created"
    uncorrelated = Envelope.new(
        type="division.created", version=1, tenant_id="t9", producer="x", payload={}
    )
    assert SampleContext.for_message(uncorrelated).correlation_id == uncorrelated.event_id


class DryRepo:
    def __init__(self, tenant_id: str, origin: object, *, dry_run: bool) -> None:
        self.tenant_id, self.origin, self.dry_run = tenant_id, origin, dry_run


@dataclass(frozen=True)
class DryRunContext(RequestContext):
    producer: ClassVar[str] = "sample"
    supports_dry_run: ClassVar[bool] = True

    @cached_property
    def things(self) -> DryRepo:
        return self.repository(DryRepo)


def test_a_dry_run_is_the_same_context_with_repositories_that_store_nothing() -> None:
    ctx = DryRunContext(tenant_id="t1", actor="u1", correlation_id="req-1", clock=lambda: WHEN)

    dry = ctx.as_dry_run()

    assert (ctx.dry_run, ctx.things.dry_run) == (False, False)
    assert (dry.dry_run, dry.things.dry_run) == (True, True)
    assert dry.things is not ctx.things
    assert (dry.things.tenant_id, dry.things.origin) == ("t1", ctx.origin)
    assert (dry.actor, dry.correlation_id, dry.now()) == ("u1", "req-1", WHEN)


def test_a_context_whose_repositories_ignore_dry_runs_refuses_to_be_one() -> None:
    with pytest.raises(ValueError, match="does not support dry runs"):
        SampleContext(tenant_id="t1", actor="u1").as_dry_run()
    with pytest.raises(ValueError, match="does not support dry runs"):
        SampleContext(tenant_id="t1", actor="u1", dry_run=True)


@dataclass(frozen=True)
class DivisionCreated:
    """A domain event as a domain records it (the contract `division.created` v1)."""

    aggregate_id: str
    occurred_at: datetime
    type: str = "division.created"
    version: int = 1

    def payload(self) -> dict[str, str]:
        return {
            "division_id": self.aggregate_id,
            "code": "A-V01",
            "name": "东风村",
            "kind": "village",
            "created_by": "someone-the-payload-names",
        }


def test_the_contexts_actor_goes_on_the_outbox_entry_not_into_the_envelope() -> None:
    ctx = SampleContext(tenant_id="t1", actor="admin-7", correlation_id="req-1")
    assert ctx.origin.actor == "admin-7"

    pending = PendingEvent.of(DivisionCreated("d-1", WHEN), tenant_id="t1", origin=ctx.origin)
    entry = pending.to_entry().to_mongo().to_dict()

    assert entry["actor"] == "admin-7"
    assert "actor" not in json.loads(entry["envelope"])  # the contract is unchanged
    assert json.loads(entry["envelope"])["correlation_id"] == "req-1"


def test_a_consumed_events_context_is_the_actor_of_what_its_handling_records() -> None:
    envelope = Envelope.new(
        type="division.created", version=1, tenant_id="t9", producer="grid_registry", payload={}
    )
    origin = SampleContext.for_message(envelope).origin
    pending = PendingEvent.of(DivisionCreated("d-1", WHEN), tenant_id="t9", origin=origin)
    assert pending.to_entry().actor == "grid_registry:division.created"
