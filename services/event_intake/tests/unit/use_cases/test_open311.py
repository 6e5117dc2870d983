"""The GeoReport mapping: services, statuses, titles, keys, fields and the report's arguments."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from services.event_intake.domain import events as ev
from services.event_intake.domain.events import Position, Source, State
from services.event_intake.domain.settings import IntakeSettings
from services.event_intake.domain.taxonomy import SEED_TAXONOMY, Category, Taxonomy
from services.event_intake.tests.unit.domain.fakes import GRID, NOW, TENANT, FakeClock, centre
from services.event_intake.use_cases import open311
from services.event_intake.use_cases.events import Reported
from services.event_intake.use_cases.open311 import Status
from shared.errors import FieldProblem, InvalidInput, NotFound


def reported(**overrides: Any) -> ev.Event:
    event, _ = ev.report(
        event_id="e-1",
        tenant_id=TENANT,
        grid_id=GRID,
        actor=centre(),
        source=Source.RESIDENT_COMPLAINT,
        category="dispute",
        title="邻里噪音",
        description="楼上每晚装修",
        address="人民路12号",
        position=Position(lon=120.005, lat=31.705),
        taxonomy=SEED_TAXONOMY,
        clock=FakeClock(),
        now=NOW,
    )
    return replace(event, **overrides)


def test_a_category_is_a_realtime_service_without_attributes() -> None:
    service = open311.as_service(Category("dispute", "矛盾纠纷"))
    assert service == open311.Service(
        service_code="dispute",
        service_name="矛盾纠纷",
        description="矛盾纠纷",
        keywords="矛盾纠纷,dispute",
        metadata=False,
        type="realtime",
        group=None,
    )


@pytest.mark.parametrize("state", [State.CLOSED, State.REJECTED, State.MERGED])
def test_closed_rejected_and_merged_are_closed(state: State) -> None:
    assert open311.status_of(state) is Status.CLOSED
    assert state in open311.states_of([Status.CLOSED])
    assert state not in open311.states_of([Status.OPEN])


def test_every_other_state_is_open_and_both_statuses_are_every_state() -> None:
    for state in set(State) - open311.CLOSED_STATES:
        assert open311.status_of(state) is Status.OPEN
    assert open311.states_of([Status.OPEN, Status.CLOSED]) == frozenset(State)
    assert open311.states_of([]) == frozenset()


def test_the_title_is_the_first_50_characters_on_one_line_or_the_service_name() -> None:
    text = "井盖缺失\n\n" + "很危险" * 30
    title = open311.title_for(text, "城市管理")
    assert title == " ".join(text.split())[:50]
    assert len(title) == 50
    assert "\n" not in title
    assert open311.title_for("   \n ", "城市管理") == "城市管理"
    assert open311.title_for("", "城市管理") == "城市管理"


def test_the_key_comes_from_the_body_or_the_header_and_they_must_agree() -> None:
    assert open311.idempotency_key("k-1", None) == "k-1"
    assert open311.idempotency_key(None, "k-2") == "k-2"
    assert open311.idempotency_key("k-3", "k-3") == "k-3"
    assert open311.idempotency_key(None, None) is None
    with pytest.raises(InvalidInput) as clash:
        open311.idempotency_key("k-1", "k-2")
    assert clash.value.field == "request_id"


def test_an_event_in_georeport_fields() -> None:
    event = reported()
    request = open311.as_service_request(event, SEED_TAXONOMY)
    assert request.service_request_id == "e-1"
    assert request.status is Status.OPEN
    assert (request.service_code, request.service_name) == ("dispute", "矛盾纠纷")
    assert request.description == "楼上每晚装修"
    assert request.address == "人民路12号"
    assert (request.lat, request.long) == (31.705, 120.005)
    assert request.requested_datetime == NOW
    assert request.updated_datetime == NOW
    # Before acceptance the acceptance deadline is what the resident can expect.
    assert request.expected_datetime == event.acceptance_deadline
    for name in ("status_notes", "agency_responsible", "service_notice", "media_url"):
        assert getattr(request, name) is None


def test_an_accepted_event_expects_its_closure_and_was_updated_by_its_last_entry() -> None:
    accepted, _ = ev.transition(
        reported(), "accept", centre(), NOW + timedelta(hours=1), clock=FakeClock()
    )
    request = open311.as_service_request(accepted, SEED_TAXONOMY)
    assert accepted.closure_deadline is not None
    assert request.expected_datetime == accepted.closure_deadline
    assert request.updated_datetime == NOW + timedelta(hours=1)
    # A category the tenant removed since: its code stands in for its name.
    assert open311.as_service_request(accepted, Taxonomy(categories=())).service_name == "dispute"
    # No position: no lat/long.
    assert open311.as_service_request(replace(accepted, position=None), SEED_TAXONOMY).lat is None


def test_the_events_field_names_become_the_specs() -> None:
    renamed = open311.renamed(
        InvalidInput(
            [
                FieldProblem("position", "lies in no grid of this tenant"),
                FieldProblem("address", "too long"),
                FieldProblem("category", "unknown"),
                FieldProblem("description", "too long"),
            ]
        )
    )
    assert [p.field for p in renamed.problems] == [
        "lat",
        "address_string",
        "service_code",
        "description",
    ]
    assert renamed.problems[0].reason == "lies in no grid of this tenant"


class _Settings:
    def current(self) -> IntakeSettings:
        return IntakeSettings(tenant_id=TENANT)


CTX: Any = SimpleNamespace(settings=_Settings(), actor="svc-app", tenant_id=TENANT)


def test_a_request_is_reported_as_a_residents_complaint(monkeypatch) -> None:
    calls: list[dict[str, Any]] = []

    def report_event(ctx: Any, **arguments: Any) -> Reported:
        calls.append(arguments)
        return Reported(event=reported(), created=True, possible_duplicates=[])

    monkeypatch.setattr(open311.events, "report_event", report_event)
    submitted = open311.submit_request(
        CTX, service_code="dispute", lat=31.705, long=120.005, idempotency_header="k-9"
    )
    assert calls == [
        {
            "source": "resident_complaint",
            "category": "dispute",
            "title": "矛盾纠纷",
            "description": "",
            "address": "",
            "position": {"lon": 120.005, "lat": 31.705},
            "request_id": "k-9",
        }
    ]
    assert submitted.service_request_id == "e-1"
    assert submitted.created is True
    assert submitted.account_id is None
    assert reported().acceptance_deadline.isoformat() in submitted.service_notice


def test_an_unknown_code_or_a_place_outside_every_grid_is_422_on_the_spec_field(
    monkeypatch,
) -> None:
    def outside(ctx: Any, **_: Any) -> Reported:
        raise InvalidInput.of("position", "lies in no grid of this tenant")

    monkeypatch.setattr(open311.events, "report_event", outside)
    with pytest.raises(InvalidInput) as unknown:
        open311.submit_request(CTX, service_code="no_such", lat=31.7, long=120.0)
    assert unknown.value.field == "service_code"
    with pytest.raises(InvalidInput) as lost:
        open311.submit_request(CTX, service_code="dispute", lat=20.0, long=100.0)
    assert lost.value.field == "lat"


def test_an_unknown_service_definition_is_not_found() -> None:
    assert open311.service_definition(CTX, service_code="dispute").attributes == ()
    with pytest.raises(NotFound):
        open311.service_definition(CTX, service_code="no_such")
    assert [s.service_code for s in open311.list_services(CTX)] == [
        c.code for c in SEED_TAXONOMY.categories
    ]
