"""survey's intake routes on the real FerretDB, fed with the contracts' example messages:
12345 callbacks kept per work order with the worker serving the grid, closures and reopenings
in the closed-events read model, every message once, other event types skipped."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.survey import consumers
from services.survey.documents.callbacks import CallbackDocument
from services.survey.use_cases.context import SurveyContext
from shared.events.contracts import contract_for, validate_envelope
from shared.events.envelope import Envelope
from shared.periods import Period, parse_period
from shared.registry.testing import seed_registry, square

pytestmark = pytest.mark.integration

TENANT = "tenant-heping"  # the examples' tenant
CALLED = datetime(2026, 3, 3, 6, 10, tzinfo=UTC)  # the hotline example's called_at


def event(type_: str, *, at: datetime, message_id: str | None = None, **payload: Any) -> Envelope:
    """The contract's example as ``type_``, changed as asked."""
    example = contract_for(type_, 1).load_example()
    return dataclasses.replace(
        example,
        event_id=message_id or str(uuid.uuid4()),
        tenant_id=TENANT,
        occurred_at=at,
        payload={**example.payload, **payload},
    )


def intake_state(**changes: Any) -> dict[str, Any]:
    """An event.* payload (the event.closed example's), changed as asked."""
    return {**contract_for("event.closed", 1).load_example().payload, **changes}


def deliver(*envelopes: Envelope) -> None:
    """What the consumer runner does per message: check the contract, load the payload, and
    call the topic's route."""
    routes = {route.topic: route.handler for route in consumers.ROUTES}
    for envelope in envelopes:
        loaded = dataclasses.replace(envelope, payload=validate_envelope(envelope))
        routes[contract_for(envelope.type, envelope.version).topic](loaded)


def ctx() -> SurveyContext:
    return SurveyContext(tenant_id=TENANT, actor="test")


def outbox(work_order_no: str) -> list[Envelope]:
    doc = CallbackDocument.objects(tenant_id=TENANT, pk=f"{TENANT}|{work_order_no}").get()
    return [Envelope.parse(entry.envelope) for entry in doc.outbox]


def period(kind: str, label: str) -> Period:
    parsed = parse_period(kind, label)
    assert isinstance(parsed, Period)
    return parsed


def test_intakes_callback_is_kept_once_with_the_grids_worker(fresh_db):
    seed_registry(
        TENANT,
        grids=[("g-1", "div-hp", "HP-01", square(120.0, 31.7), date(2026, 1, 1))],
        teams={"g-1": [("u-worker", "full_time_worker", date(2026, 1, 1), None)]},
    )
    first = event("hotline.callback_recorded", at=CALLED + timedelta(hours=1))
    deliver(first)
    deliver(first)  # redelivered: the same state, one event

    kept = ctx().callbacks.find("GD202603020001")
    assert kept is not None
    assert (kept.event_id, kept.grid_id, kept.division_id, kept.worker_id) == (
        "e-1",
        "g-1",
        "div-hp",
        "u-worker",
    )
    assert (kept.outcome.value, kept.called_at, kept.origin.value, kept.recordings) == (
        "basically_satisfied",
        CALLED,
        "intake",
        1,
    )
    [recorded] = outbox("GD202603020001")
    assert (recorded.type, recorded.version, recorded.tenant_id) == (
        "callback.recorded",
        1,
        TENANT,
    )
    assert validate_envelope(recorded)["origin"] == "intake"

    # A later callback replaces it; the older message replayed afterwards changes nothing.
    later = event(
        "hotline.callback_recorded",
        at=CALLED + timedelta(days=2),
        outcome="unsatisfied",
        called_at=(CALLED + timedelta(days=1)).isoformat(),
    )
    deliver(later, first)
    kept = ctx().callbacks.find("GD202603020001")
    assert kept is not None
    assert (kept.outcome.value, kept.called_at, kept.recordings) == (
        "unsatisfied",
        CALLED + timedelta(days=1),
        2,
    )
    assert [envelope.payload["outcome"] for envelope in outbox("GD202603020001")] == [
        "basically_satisfied",
        "unsatisfied",
    ]


def test_another_tenants_callback_stays_in_its_tenant(fresh_db):
    deliver(dataclasses.replace(event("hotline.callback_recorded", at=CALLED), tenant_id="t-b"))
    assert ctx().callbacks.find("GD202603020001") is None
    assert SurveyContext(tenant_id="t-b", actor="t").callbacks.find("GD202603020001") is not None


def test_closures_and_reopenings_reach_the_read_model_once(fresh_db):
    closed_at = datetime(2026, 4, 10, 2, 0, tzinfo=UTC)
    closed = dataclasses.replace(
        event("event.closed", at=closed_at),
        payload=intake_state(event_id="e-9", grid_id="g-1", closed_at=closed_at.isoformat()),
    )
    deliver(closed, closed)
    [found] = ctx().closed_events.closed_in(period("month", "2026-04"))
    assert (found.event_id, found.grid_id, found.closed_at) == ("e-9", "g-1", closed_at)

    reopened = dataclasses.replace(
        event("event.reopened", at=closed_at + timedelta(days=1)),
        payload=intake_state(event_id="e-9", grid_id="g-1", state="in_progress", closed_at=None),
    )
    deliver(reopened, closed)  # the closure replayed after the reopening changes nothing
    assert ctx().closed_events.closed_in(period("month", "2026-04")) == []


def test_other_intake_types_are_skipped(fresh_db):
    accepted = dataclasses.replace(
        event("event.accepted", at=CALLED), payload=intake_state(state="accepted", closed_at=None)
    )
    deliver(accepted)
    assert ctx().closed_events.find(accepted.payload["event_id"]) is None
