"""The teams importer and exporter at the use-case level, on the real FerretDB. Rows apply in
sheet order against the team as the rows before them left it; a dry run reads back the teams
it pretended to write, so it answers the real import's report, seat conflicts included."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from services.grid_registry.documents.teams import GridTeamDocument
from services.grid_registry.tests.integration.support import known_users
from services.grid_registry.tests.integration.use_cases.workbooks.support import (
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
from services.grid_registry.use_cases import divisions as division_cases
from services.grid_registry.use_cases import grids as grid_cases
from services.grid_registry.use_cases import teams as team_cases
from services.grid_registry.use_cases.workbooks import export_teams, import_teams

pytestmark = pytest.mark.integration

HEADERS = ("网格编码", "角色", "姓名", "用户ID", "手机号", "起始日期", "终止日期")
PHONE = "13912345678"


def team_events() -> list[str]:
    return events(GridTeamDocument)


def assign(grid_id: str, role: str, name: str, starts_on: date, **more: str) -> None:
    team_cases.assign_member(
        context(), grid_id=grid_id, role=role, person_name=name, starts_on=starts_on, **more
    )


@pytest.fixture
def grids(fresh_db):
    known_users("tenant-a", "u-1", "u-7")
    division = make_division("D1")
    found = {
        code: make_grid(division, code, 120.10 + i * 0.01)
        for i, code in enumerate(("G1", "G2", "G3"))
    }
    assign(found["G1"], "full_time_worker", "王小明", date(2026, 1, 1), user_id="u-1", phone=PHONE)
    return found


@pytest.mark.usefixtures("grids")
def test_a_dry_run_answers_the_real_imports_report_and_writes_nothing():
    data = workbook(
        HEADERS,
        ("G1", "专职网格员", "王小明", "u-1", PHONE, "2026-01-01", None),
        ("G1", "网格长", "陈刚", "u-7", 13987654321, "2026-02-01", "2026-12-31"),
        ("G1", "网格长", "周强", None, None, "2026-06-01", None),
        ("G2", "兼职网格员", "林芳", None, None, "2026/03/01", None),
        ("G2", "兼职网格员", "黄磊", None, None, "2026-03-01", None),
        ("G77", "网格长", "何军", None, None, "2026-01-01", None),
        ("G2", "队长", "罗敏", None, None, "2026-01-01", None),
        ("G2", "兼职网格员", "高洁", None, None, "2026-04-01", None),
        ("G2", "兼职网格员", "高洁", None, None, "2026-04-01", "2026-05-01"),
        ("G2", "兼职网格员", "梁静", None, None, "2026-09-01", "2026-08-01"),
    )

    _, real = dry_then_real(import_teams, data)

    assert outcomes(real) == [
        ("G1", "unchanged"),
        ("G1", "created"),
        ("G1", "rejected"),
        ("G2", "created"),
        ("G2", "created"),
        ("G77", "rejected"),
        ("G2", "rejected"),
        ("G2", "rejected"),
        ("G2", "rejected"),
        ("G2", "rejected"),
    ]
    found = problems(real)
    # 周强 would hold 网格长 while 陈刚, assigned by row 3 of this workbook, holds it: the report
    # names the row, which a dry run knows as well as the real import.
    [(column, reason)] = found[4]
    assert column == "起始日期"
    assert "grid_leader" in reason
    assert "(row 3)" in reason
    assert [column for column, _ in found[7]] == ["网格编码"]
    assert [column for column, _ in found[8]] == ["角色"]
    assert [column for column, _ in found[9]] == [column for column, _ in found[10]] == ["姓名"]
    assert [column for column, _ in found[11]] == ["终止日期"]
    assert team_events() == ["team.member_assigned"] * 4


def test_known_memberships_are_ended_and_corrected(grids):
    assign(grids["G1"], "grid_leader", "李四", date(2026, 1, 1))
    data = workbook(
        HEADERS,
        ("G1", "专职网格员", "王小明", "u-1", PHONE, "2026-01-01", "2026-06-30"),
        ("G1", "网格长", "李四", None, "13900000001", "2026-01-01", None),
        ("G1", "专职网格员", "王晓明", "u-1", PHONE, "2026-07-01", None),
    )

    _, real = dry_then_real(import_teams, data)

    # Row 4 is a new membership of u-1, from the day after row 2 ended the first one.
    assert outcomes(real) == [("G1", "updated"), ("G1", "updated"), ("G1", "created")]
    assert team_events() == sorted(
        ["team.member_assigned"] * 3 + ["team.member_ended", "team.member_changed"]
    )
    _, again = dry_then_real(import_teams, data)
    assert {outcome for _, outcome in outcomes(again)} == {"unchanged"}


def test_a_retired_grids_team_takes_no_new_members(grids):
    grid_cases.retire_grid(context(), grid_id=grids["G3"], reason="撤并")

    _, real = dry_then_real(
        import_teams,
        workbook(HEADERS, ("G3", "网格长", "李四", None, None, "2026-01-01", None)),
    )

    assert problems(real) == {2: [("网格编码", "网格已撤销 / grid G3 is retired")]}


def test_the_export_imports_back_unchanged(grids):
    assign(grids["G2"], "part_time_worker", "赵六", date(2026, 2, 1))
    before = team_events()

    exported = export_teams(context())

    rows = list(load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True))
    assert exported.name == "teams"
    assert [row[:5] for row in rows] == [
        HEADERS[:5],
        ("G1", "专职网格员", "王小明", "u-1", PHONE),
        ("G2", "兼职网格员", "赵六", None, None),
    ]
    _, again = dry_then_real(import_teams, exported.data)
    assert {outcome for _, outcome in outcomes(again)} == {"unchanged"}
    assert team_events() == before
    _, as_b = dry_then_real(import_teams, exported.data, context("tenant-b"))
    assert {outcome for _, outcome in outcomes(as_b)} == {"rejected"}


def test_a_row_naming_an_account_not_the_tenants_is_rejected_on_its_user_column(grids):
    known_users("tenant-b", "u-b")
    data = workbook(
        HEADERS,
        ("G2", "网格长", "陈刚", "u-b", None, "2026-01-01", None),
        ("G2", "兼职网格员", "林芳", "nobody", None, "2026-01-01", None),
        ("G2", "兼职网格员", "黄磊", None, None, "2026-01-01", None),
        ("G3", "网格长", "周强", "u-7", None, "2026-01-01", None),
    )

    _, real = dry_then_real(import_teams, data)

    assert outcomes(real) == [
        ("G2", "rejected"),
        ("G2", "rejected"),
        ("G2", "created"),
        ("G3", "created"),
    ]
    found = problems(real)
    for row, user in ((2, "u-b"), (3, "nobody")):
        [(column, reason)] = found[row]
        assert column == "用户ID"
        assert user in reason
        assert "within seconds" in reason
    assert team_events() == ["team.member_assigned"] * 3


def test_another_tenant_importing_the_export_takes_in_none_of_its_accounts(grids):
    """Tenant B has grids of the same codes: the rows naming tenant A's accounts are rejected,
    so A's user ids never reach B's teams or B's exports."""
    known_users("tenant-b", "u-b")
    b = context("tenant-b")
    division = division_cases.create_division(b, code="D1", name="D1", kind="village")
    for i, code in enumerate(("G1", "G2")):
        west = 120.10 + i * 0.01
        boundary = box(west, west + 0.01)
        grid_cases.create_grid(
            b,
            division_id=division.division_id,
            code=code,
            name=code,
            type="community",
            boundary=boundary,
        )
    assign(grids["G2"], "part_time_worker", "赵六", date(2026, 2, 1))
    exported = export_teams(context())

    _, as_b = dry_then_real(import_teams, exported.data, b)

    assert outcomes(as_b) == [("G1", "rejected"), ("G2", "created")]
    assert [column for column, _ in problems(as_b)[2]] == ["用户ID"]
    b_rows = list(
        load_workbook(io.BytesIO(export_teams(b).data)).active.iter_rows(values_only=True)
    )
    assert [row[3] for row in b_rows[1:]] == [None]
