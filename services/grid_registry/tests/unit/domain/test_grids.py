"""Grid lifecycle rules: create, update, boundary history, split, merge, retire, overlap."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.grid_registry.domain import grids as domain
from shared.errors import InvalidInput, StateConflict

# 2026-11-22 08:00 in Shanghai is still 2026-11-22; 20:00 UTC is already the 23rd there.
NOW = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=10)


def box(west, south, east, north):
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def make(code="G1", boundary=None, grid_id=None, **overrides):
    args = {
        "grid_id": grid_id or f"id-{code}",
        "tenant_id": "t-1",
        "division_id": "d-1",
        "code": code,
        "name": f"网格{code}",
        "type": "village",
        "shape": domain.validate_shape(boundary or box(120.10, 31.70, 120.12, 31.71)),
        "actor": "u-1",
        "now": NOW,
    } | overrides
    return domain.create_grid(**args)


def part(code, boundary, index):
    return (f"p-{index}", domain.PartSpec(code, code, boundary), domain.validate_shape(boundary))


def test_a_new_grid_is_active_from_the_shanghai_day_and_carries_its_full_state():
    grid, event = make(now=datetime(2026, 11, 22, 20, 0, tzinfo=UTC))

    assert grid.valid_from == date(2026, 11, 23)
    assert grid.status is domain.GridStatus.ACTIVE
    assert grid.area_m2 > 2_000_000
    assert event.type == "grid.created"
    payload = event.payload()
    assert payload["boundary"] == grid.boundary
    assert payload["valid_to"] is None
    assert (payload["status"], payload["type"], payload["actor"]) == ("active", "village", "u-1")


@pytest.mark.parametrize(
    ("field", "overrides"),
    [("code", {"code": "-x"}), ("name", {"name": " "}), ("type", {"type": "town"})],
)
def test_invalid_grids_name_the_field(field, overrides):
    with pytest.raises(InvalidInput) as raised:
        make(**overrides)
    assert raised.value.field == field


def test_an_existing_grid_can_be_registered_from_a_past_day_but_not_a_future_one():
    grid, _ = make(valid_from=date(2020, 3, 1))
    assert grid.valid_from == date(2020, 3, 1)
    assert grid.boundary_valid_from == date(2020, 3, 1)

    with pytest.raises(InvalidInput) as raised:
        make(valid_from=date(2026, 11, 23))
    assert raised.value.field == "valid_from"


def test_update_changes_only_what_is_given():
    grid, _ = make()
    changed, event = domain.update_grid(grid, name="新名", type=None, actor="u-2", now=LATER)
    assert (changed.name, changed.type, changed.updated_by) == ("新名", grid.type, "u-2")
    assert event.type == "grid.updated"
    with pytest.raises(InvalidInput):
        domain.update_grid(grid, name=None, type=None, actor="u-2", now=LATER)


def test_a_boundary_change_keeps_the_old_boundary_until_yesterday():
    grid, _ = make()
    new_shape = domain.validate_shape(box(120.10, 31.70, 120.13, 31.71))

    changed, event = domain.change_boundary(grid, shape=new_shape, actor="u-2", now=LATER)
    same_day, _ = domain.change_boundary(changed, shape=new_shape, actor="u-2", now=LATER)

    [revision] = changed.boundary_history
    assert revision.boundary == grid.boundary
    assert revision.valid_from == grid.valid_from
    assert revision.valid_to == date(2026, 12, 1)
    assert revision.changed_by == "u-2"
    assert changed.boundary_valid_from == date(2026, 12, 2)
    assert changed.boundary_on(date(2026, 11, 25)) == grid.boundary
    assert changed.boundary_on(date(2026, 12, 2)) == new_shape.geojson
    assert event.type == "grid.boundary_changed"
    assert len(same_day.boundary_history) == 1


def test_retire_needs_a_reason_and_happens_once():
    grid, _ = make()
    with pytest.raises(InvalidInput) as raised:
        domain.retire_grid(grid, reason=" ", actor="u-1", now=LATER)
    assert raised.value.field == "reason"

    retired, event = domain.retire_grid(grid, reason="撤并", actor="u-1", now=LATER)

    assert retired.valid_to == date(2026, 12, 1)
    assert not retired.valid_on(date(2026, 12, 2))
    assert retired.valid_on(date(2026, 12, 1))
    assert event.type == "grid.retired"
    with pytest.raises(StateConflict):
        domain.retire_grid(retired, reason="again", actor="u-1", now=LATER)
    with pytest.raises(StateConflict):
        domain.update_grid(retired, name="x", type=None, actor="u-1", now=LATER)


def test_a_split_creates_parts_inside_and_retires_the_grid():
    grid, _ = make()
    parts = [
        part("G1-A", box(120.10, 31.70, 120.11, 31.71), 0),
        part("G1-B", box(120.11, 31.70, 120.12, 31.71), 1),
    ]

    created, (retired, event) = domain.split_grid(
        grid, parts=parts, operation_id="op-1", actor="u-1", now=LATER
    )

    assert [new.code for new, _ in created] == ["G1-A", "G1-B"]
    assert all(new.split_from == grid.grid_id for new, _ in created)
    assert all(new.created_by_operation == "op-1" for new, _ in created)
    assert all(new.valid_from == date(2026, 12, 2) for new, _ in created)
    assert retired.replaced_by == ("p-0", "p-1")
    assert retired.retired_by_operation == "op-1"
    assert retired.status is domain.GridStatus.RETIRED
    assert event.type == "grid.split"


@pytest.mark.parametrize(
    ("parts", "fields"),
    [
        ([("A", box(120.10, 31.70, 120.11, 31.71))], ["parts"]),
        (
            [("A", box(120.10, 31.70, 120.11, 31.71)), ("B", box(120.11, 31.70, 120.13, 31.71))],
            ["parts[1].boundary"],
        ),
        (
            [("A", box(120.10, 31.70, 120.115, 31.71)), ("B", box(120.11, 31.70, 120.12, 31.71))],
            ["parts[1].boundary"],
        ),
        (
            [("A", box(120.10, 31.70, 120.11, 31.71)), ("A", box(120.11, 31.70, 120.12, 31.71))],
            ["parts[1].code"],
        ),
        (
            [("A", box(120.10, 31.70, 120.11, 31.71)), ("-B", box(120.11, 31.70, 120.12, 31.71))],
            ["parts[1].code"],
        ),
    ],
    ids=["one part", "outside", "overlapping parts", "same code", "bad code"],
)
def test_split_rules(parts, fields):
    grid, _ = make()
    with pytest.raises(InvalidInput) as raised:
        domain.split_grid(
            grid,
            parts=[part(code, boundary, i) for i, (code, boundary) in enumerate(parts)],
            operation_id="op-1",
            actor="u-1",
            now=LATER,
        )
    assert [problem.field for problem in raised.value.problems] == fields


def test_a_part_may_stick_out_by_digitising_noise():
    grid, _ = make()
    parts = [
        part("A", box(120.10, 31.70, 120.11, 31.71), 0),
        part("B", box(120.11, 31.70, 120.12005, 31.71), 1),  # 0.5% outside
    ]
    created, _ = domain.split_grid(grid, parts=parts, operation_id="op", actor="u", now=LATER)
    assert len(created) == 2


def test_a_merge_unions_the_grids_of_one_division():
    a, _ = make("A", box(120.10, 31.70, 120.11, 31.71))
    b, _ = make("B", box(120.11, 31.70, 120.12, 31.71))

    (merged, created), retirements = domain.merge_grids(
        [a, b],
        grid_id="m-1",
        code="AB",
        name="合并",
        type=None,
        shape=None,
        operation_id="op-2",
        actor="u-1",
        now=LATER,
    )

    assert merged.boundary["type"] == "Polygon"
    assert merged.area_m2 == pytest.approx(a.area_m2 + b.area_m2, abs=1)
    assert merged.merged_from == ("id-A", "id-B")
    assert created.type == "grid.created"
    assert [(g.replaced_by, e.type) for g, e in retirements] == [
        (("m-1",), "grid.merged"),
        (("m-1",), "grid.merged"),
    ]


@pytest.mark.parametrize("case", ["one grid", "two divisions", "retired", "mixed types"])
def test_merge_rules(case):
    a, _ = make("A", box(120.10, 31.70, 120.11, 31.71))
    b, _ = make("B", box(120.11, 31.70, 120.12, 31.71))
    grids = {
        "one grid": [a],
        "two divisions": [a, make("B", division_id="d-2")[0]],
        "retired": [a, domain.retire_grid(b, reason="x", actor="u", now=LATER)[0]],
        "mixed types": [a, make("B", box(120.11, 31.70, 120.12, 31.71), type="community")[0]],
    }[case]
    expected = StateConflict if case == "retired" else InvalidInput
    with pytest.raises(expected):
        domain.merge_grids(
            grids,
            grid_id="m",
            code="AB",
            name="x",
            type=None,
            shape=None,
            operation_id="op",
            actor="u",
            now=LATER,
        )


def test_overlap_beyond_one_percent_names_the_other_grid():
    a, _ = make("A", box(120.10, 31.70, 120.11, 31.71))
    touching = domain.validate_shape(box(120.11, 31.70, 120.12, 31.71))
    sliver = domain.validate_shape(box(120.10995, 31.70, 120.12, 31.71))  # 0.5% of A
    overlapping = domain.validate_shape(box(120.105, 31.70, 120.12, 31.71))

    domain.check_no_overlap(touching, [a])
    domain.check_no_overlap(sliver, [a])
    with pytest.raises(InvalidInput, match="overlaps active grid A"):
        domain.check_no_overlap(overlapping, [a])
    retired, _ = domain.retire_grid(a, reason="x", actor="u", now=LATER)
    domain.check_no_overlap(overlapping, [retired])
