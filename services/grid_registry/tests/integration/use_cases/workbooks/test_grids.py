"""The grids importer and exporter at the use-case level, on the real FerretDB. Rows apply in
sheet order, each checked against the grids as the rows before it left them: in a dry run
through the grids it pretended to write, so it answers exactly what the real import does."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from services.grid_registry.documents.grids import GridDocument
from services.grid_registry.tests.integration.use_cases.workbooks.support import (
    TENANT,
    box,
    context,
    dry_then_real,
    events,
    make_division,
    make_grid,
    outcomes,
    problems,
    workbook,
)
from services.grid_registry.use_cases import grids as grid_cases
from services.grid_registry.use_cases.workbooks import export_grids, import_grids

pytestmark = pytest.mark.integration

HEADERS = ("网格编码", "网格名称", "村社区编码", "网格类型", "边界GeoJSON")


def cell(west: float, east: float) -> str:
    return json.dumps(box(west, east))


def grid_events() -> list[tuple[str, str]]:
    return events(GridDocument, by="code")


@pytest.fixture
def divisions(fresh_db):
    return {code: make_division(code) for code in ("D1", "D2")}


def test_a_dry_run_answers_the_real_imports_report_and_writes_nothing(divisions):
    make_grid(divisions["D1"], "W1", 120.10, 120.11)
    make_grid(divisions["D1"], "W2", 120.11, 120.12)
    make_grid(divisions["D2"], "W9", 120.20, 120.21)
    before = grid_events()
    data = workbook(
        HEADERS,
        ("W1", "W1", "D1", "社区网格", cell(120.10, 120.11)),
        ("W2", "二号网格", "D1", "农村网格", cell(120.11, 120.12)),
        ("W3", "三号网格", "D1", "community", cell(120.13, 120.14)),
        ("W4", "四号网格", "D404", "社区网格", cell(120.15, 120.16)),
        ("W5", "五号网格", "D1", "社区网格", json.dumps({"type": "Polygon", "coordinates": []})),
        ("W6", "甲", "D1", "社区网格", cell(120.30, 120.31)),
        ("W6", "乙", "D1", "社区网格", cell(120.31, 120.32)),
        ("W7", "七号网格", "D1", "社区网格", cell(120.135, 120.145)),
        ("W9", "W9", "D1", "社区网格", cell(120.20, 120.21)),
        ("W8", "八号网格", "D1", "城堡网格", "{not json"),
    )

    _, real = dry_then_real(import_grids, data)

    assert outcomes(real) == [
        ("W1", "unchanged"),
        ("W2", "updated"),
        ("W3", "created"),
        ("W4", "rejected"),
        ("W5", "rejected"),
        ("W6", "rejected"),
        ("W6", "rejected"),
        ("W7", "rejected"),
        ("W9", "rejected"),
        ("W8", "rejected"),
    ]
    found = problems(real)
    assert found[5] == [("村社区编码", "没有这个村社区 / no such division in the tenant")]
    assert found[6][0][0] == "边界GeoJSON"
    assert [column for column, _ in found[7]] == [column for column, _ in found[8]] == ["网格编码"]
    # W3 exists only because an earlier row of this workbook created it: the dry run knew.
    assert found[9][0][0] == "边界GeoJSON"
    assert "overlaps active grid W3" in found[9][0][1]
    assert found[10][0][0] == "村社区编码"
    assert "W9" not in found[10][0][1]
    assert sorted(column for column, _ in found[11]) == ["网格类型", "边界GeoJSON"]
    assert grid_events() == sorted([*before, ("W2", "grid.updated"), ("W3", "grid.created")])


def test_a_grid_giving_area_away_lets_a_later_row_take_it_in_a_dry_run_too(divisions):
    make_grid(divisions["D1"], "A", 120.10, 120.12)
    make_grid(divisions["D1"], "B", 120.12, 120.13)
    shrink_then_grow = workbook(
        HEADERS,
        ("A", "A", "D1", "社区网格", cell(120.10, 120.11)),
        ("B", "B", "D1", "社区网格", cell(120.11, 120.13)),
    )
    grow_first = workbook(
        HEADERS,
        ("B", "B", "D1", "社区网格", cell(120.10, 120.13)),
        ("A", "A", "D1", "社区网格", cell(120.10, 120.105)),
    )

    _, real = dry_then_real(import_grids, shrink_then_grow)
    _, late = dry_then_real(import_grids, grow_first)

    # The dry run checked B against A as row 2 had re-drawn it, not as stored.
    assert outcomes(real) == [("A", "updated"), ("B", "updated")]
    assert outcomes(late) == [("B", "rejected"), ("A", "updated")]
    assert "overlaps active grid A" in problems(late)[2][0][1]


def test_one_row_renames_and_redraws_a_grid_in_two_writes(divisions):
    make_grid(divisions["D1"], "W1", 120.10, 120.11)
    data = workbook(HEADERS, ("W1", "新名", "D1", "专属网格", cell(120.10, 120.12)))

    _, both = dry_then_real(import_grids, data)
    _, again = dry_then_real(import_grids, data)

    assert outcomes(both) == [("W1", "updated")]
    assert outcomes(again) == [("W1", "unchanged")]
    assert grid_events() == [
        ("W1", "grid.boundary_changed"),
        ("W1", "grid.created"),
        ("W1", "grid.updated"),
    ]
    stored = GridDocument.objects(tenant_id=TENANT, code="W1").get()
    assert (stored.name, stored.type.value, stored.revision) == ("新名", "special", 3)


def test_a_retired_grid_is_left_alone(divisions):
    retired = make_grid(divisions["D1"], "W1", 120.10, 120.11)
    grid_cases.retire_grid(context(), grid_id=retired, reason="撤并")
    data = workbook(
        HEADERS,
        ("W1", "W1", "D1", "社区网格", cell(120.10, 120.11)),
        ("W1", "新名", "D1", "社区网格", cell(120.10, 120.11)),
    )

    _, real = dry_then_real(import_grids, data)

    assert outcomes(real) == [("W1", "rejected"), ("W1", "rejected")]
    assert [column for column, _ in problems(real)[2]] == ["网格编码"]  # a duplicate code
    single = workbook(HEADERS, ("W1", "新名", "D1", "社区网格", cell(120.10, 120.11)))
    _, renamed = dry_then_real(import_grids, single)
    assert problems(renamed)[2][0][0] == "网格编码"
    assert "已撤销" in problems(renamed)[2][0][1]


def test_the_export_imports_back_unchanged(divisions):
    make_grid(divisions["D1"], "W1", 120.10, 120.11)
    make_grid(divisions["D2"], "W2", 120.11, 120.12)
    retired = make_grid(divisions["D1"], "W3", 120.12, 120.13)
    grid_cases.retire_grid(context(), grid_id=retired, reason="撤并")
    before = grid_events()

    exported = export_grids(context())

    rows = list(load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True))
    assert exported.name == "grids"
    assert [row[:4] for row in rows] == [
        HEADERS[:4],
        ("W1", "W1", "D1", "社区网格"),
        ("W2", "W2", "D2", "社区网格"),
    ]
    _, again = dry_then_real(import_grids, exported.data)
    assert outcomes(again) == [("W1", "unchanged"), ("W2", "unchanged")]
    assert grid_events() == before
    # Another tenant has neither the divisions nor the grids: nothing lands there.
    _, as_b = dry_then_real(import_grids, exported.data, context("tenant-b"))
    assert [outcome for _, outcome in outcomes(as_b)] == ["rejected", "rejected"]
