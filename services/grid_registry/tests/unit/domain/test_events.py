"""One event path: every event grid_registry publishes is a domain event that builds its own
payload, and that payload fits its contract (what the repository checks when it stores it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from services.grid_registry.domain import base_info, divisions, filings, grids, subjects, teams
from shared.events.contracts import all_contracts, contract_for, validate_payload
from shared.events.domain import DomainEvent
from shared.events.topics import Topic

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
REGISTRY_TOPICS = {
    Topic.REGISTRY_DIVISIONS,
    Topic.REGISTRY_GRIDS,
    Topic.REGISTRY_TEAMS,
    Topic.REGISTRY_SUBJECTS,
    Topic.REGISTRY_BASE_INFO,
    Topic.REGISTRY_FILINGS,
}


@dataclass(frozen=True)
class StandInGrid:
    grid_id: str = "g-1"
    division_id: str = "d-1"
    code: str = "G1"
    status: str = "active"


def box(west: float, east: float) -> dict[str, object]:
    ring = [[west, 31.70], [east, 31.70], [east, 31.71], [west, 31.71], [west, 31.70]]
    return {"type": "Polygon", "coordinates": [ring]}


def division_events() -> list[DomainEvent]:
    division, created = divisions.register_division(
        division_id="d-1",
        tenant_id="t-1",
        code="HP",
        name="和平村",
        kind="village",
        actor="u-1",
        now=NOW,
    )
    _, updated = divisions.update_division(
        division, name="和平社区", kind="community", actor="u-1", now=NOW
    )
    assert updated is not None
    return [created, updated]


def grid_events() -> list[DomainEvent]:
    def create(code: str, west: float, grid_id: str) -> tuple[grids.Grid, grids.GridCreated]:
        return grids.create_grid(
            grid_id=grid_id,
            tenant_id="t-1",
            division_id="d-1",
            code=code,
            name=code,
            type="village",
            shape=grids.validate_shape(box(west, west + 0.01)),
            actor="u-1",
            now=NOW,
        )

    grid, created = create("G1", 120.10, "g-1")
    other, _ = create("G2", 120.11, "g-2")
    updated = grids.update_grid(grid, name="新", type=None, actor="u-1", now=NOW)[1]
    redrawn = grids.change_boundary(
        grid, shape=grids.validate_shape(box(120.10, 120.105)), actor="u-1", now=NOW
    )[1]
    retired = grids.retire_grid(grid, reason="撤并", actor="u-1", now=NOW)[1]
    parts = [
        (f"p-{i}", grids.PartSpec(f"P{i}", f"P{i}", b), grids.validate_shape(b))
        for i, b in enumerate((box(120.10, 120.105), box(120.105, 120.11)))
    ]
    split = grids.split_grid(grid, parts=parts, operation_id="op", actor="u-1", now=NOW)[1][1]
    merged = grids.merge_grids(
        [grid, other],
        grid_id="m-1",
        code="M",
        name="M",
        type=None,
        shape=None,
        operation_id="op",
        actor="u-1",
        now=NOW,
    )[1][0][1]
    return [created, updated, redrawn, split, merged, retired]


def team_events() -> list[DomainEvent]:
    grid = StandInGrid()
    team, assigned = teams.assign_member(
        teams.new_team(grid=grid, tenant_id="t-1"),
        grid=grid,
        membership_id="m-1",
        role="full_time_worker",
        user_id="w-1",
        person_name="张三",
        phone=None,
        starts_on=date(2026, 1, 1),
        ends_on=None,
        actor="u-1",
        now=NOW,
    )
    team, changed = teams.change_member(
        team, grid=grid, membership_id="m-1", phone="0571-88888888", actor="u-1", now=NOW
    )
    _, ended = teams.end_member(
        team, grid=grid, membership_id="m-1", ends_on=date(2026, 3, 1), actor="u-1", now=NOW
    )
    return [assigned, changed, ended]


def subject_events() -> list[DomainEvent]:
    subject, registered = subjects.register_subject(
        subject_id="s-1",
        tenant_id="t-1",
        grid=StandInGrid(),
        category="hazard_place",
        data={"name": "加油站", "location": {"lon": 120.1, "lat": 31.7}},
        actor="u-1",
        now=NOW,
    )
    subject, updated = subjects.update_subject(
        subject, changes={"address": "和平路1号"}, actor="u-1", now=NOW
    )
    subject, moved = subjects.move_subject(
        subject, grid=StandInGrid(grid_id="g-2", code="G2"), actor="u-1", now=NOW
    )
    _, archived = subjects.archive_subject(subject, reason="已关停", actor="u-1", now=NOW)
    return [registered, updated, moved, archived]


def base_info_events() -> list[DomainEvent]:
    _, recorded = base_info.record_figures(
        snapshot_id="b-1",
        tenant_id="t-1",
        grid_id="g-1",
        division_id="d-1",
        sub_category=base_info.default_sub_categories()[0],
        as_of=date(2026, 3, 1),
        expected=10,
        collected=9,
        verified=8,
        previous=None,
        actor="u-1",
        now=NOW,
    )
    assert recorded is not None
    return [recorded]


def filing_events() -> list[DomainEvent]:
    item = filings.define_item(
        code="management_rules",
        title=None,
        due_on=date(2026, 3, 31),
        required=True,
        existing=[],
        actor="u-1",
        now=NOW,
    )
    filing, recorded = filings.file_item(
        filing_id="f-1",
        tenant_id="t-1",
        division_id="d-1",
        item=item,
        current=None,
        filed_on=date(2026, 3, 1),
        document_title="网格工作管理制度",
        document_number=None,
        reference="oa://docs/1",
        actor="u-1",
        now=NOW,
    )
    _, withdrawn = filings.withdraw(filing, item=item, reason="版本错误", actor="u-1", now=NOW)
    return [recorded, withdrawn]


EVENTS = [
    *division_events(),
    *grid_events(),
    *team_events(),
    *subject_events(),
    *base_info_events(),
    *filing_events(),
]


def test_every_contract_grid_registry_publishes_has_a_domain_event():
    published = {(c.type, c.version) for c in all_contracts() if c.topic in REGISTRY_TOPICS}

    assert {(event.type, event.version) for event in EVENTS} == published


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: event.type)
def test_each_event_builds_a_payload_that_fits_its_contract(event):
    assert isinstance(event, DomainEvent)
    assert event.occurred_at == NOW
    assert event.aggregate_id

    validate_payload(event.type, event.version, event.payload())  # raises InvalidMessage
    assert contract_for(event.type, event.version).topic in REGISTRY_TOPICS


def test_grid_events_carry_the_grids_full_state_after_the_change():
    split = next(event for event in EVENTS if event.type == "grid.split")

    assert split.payload()["grid_id"] == split.aggregate_id == "g-1"
    assert (split.payload()["status"], split.payload()["replaced_by"]) == (
        "retired",
        ["p-0", "p-1"],
    )


def test_keys_keep_each_aggregates_events_in_order():
    keys = {event.type: event.aggregate_id for event in EVENTS}

    assert keys["division.created"] == "d-1"
    assert keys["grid.split"] == "g-1"
    assert keys["grid.merged"] == "g-1"  # each merged parent's own stream
    assert keys["team.member_ended"] == "g-1"  # the team is the grid's
    assert keys["subject.moved"] == "s-1"
    assert keys["baseinfo.recorded"] == "g-1"
    assert keys["filing.withdrawn"] == "d-1:management_rules"
