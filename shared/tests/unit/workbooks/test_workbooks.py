"""Reading and writing Excel sheets with Chinese headers."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook

from shared.errors import InvalidInput
from shared.workbooks import (
    CellError,
    Column,
    ImportReport,
    RowOutcome,
    RowProblem,
    RowReport,
    choice,
    day,
    decimal,
    integer,
    many,
    read_sheet,
    text,
    write_sheet,
)

COLUMNS = (
    Column("name", "姓名", text(10)),
    Column("username", "用户名", text(), aliases=("账号",)),
    Column("kind", "类型", choice({"村": "village", "社区": "community"})),
    Column("count", "人数", integer(), required=False),
    Column("rate", "比例", decimal(), required=False),
    Column("since", "起始日期", day(), required=False),
    Column("roles", "角色", many(text()), required=False),
)


def workbook(*rows: tuple[object, ...]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_rows_are_parsed_by_header_in_any_order_with_aliases() -> None:
    data = workbook(
        (),  # a blank line above the header is skipped
        ("账号", "姓名", "类型", "人数", "比例", "起始日期", "角色"),
        ("zhang.san", "张三", "村", 12, 0.1, "2026年11月30日", "网格员、巡查员"),
        (None, None, None, None, None, None, None),
        ("li.si", "李四", "community", None, None, date(2026, 1, 2), None),
    )
    rows = read_sheet(data, COLUMNS)
    assert [row.number for row in rows] == [3, 5]
    assert rows[0].values == {
        "username": "zhang.san",
        "name": "张三",
        "kind": "village",
        "count": 12,
        "rate": Decimal("0.1"),
        "since": date(2026, 11, 30),
        "roles": ["网格员", "巡查员"],
    }
    assert rows[1].ok
    assert rows[1].values["kind"] == "community"


def test_bad_cells_are_reported_per_row_with_the_chinese_header() -> None:
    data = workbook(
        ("姓名", "用户名", "类型", "人数"),
        ("一个很长很长很长很长的名字", "u1", "城堡", "3.5"),
        ("王五", None, "村", -1),
    )
    first, second = read_sheet(data, COLUMNS)
    assert [problem.column for problem in first.problems] == ["姓名", "类型", "人数"]
    assert not first.ok
    assert next((p.column, p.reason) for p in second.problems) == ("用户名", "必填 / required")
    assert second.problems[1].column == "人数"


def test_a_missing_required_column_or_a_non_workbook_rejects_the_whole_file() -> None:
    with pytest.raises(InvalidInput) as raised:
        read_sheet(workbook(("姓名",), ("张三",)), COLUMNS)
    assert raised.value.field == "file"
    assert "用户名" in raised.value.reason
    assert "类型" in raised.value.reason
    with pytest.raises(InvalidInput, match="xlsx"):
        read_sheet(b"name,username\n", COLUMNS)
    with pytest.raises(InvalidInput, match="at most 1"):
        read_sheet(
            workbook(("姓名", "用户名", "类型"), ("a", "b", "村"), ("c", "d", "村")),
            COLUMNS,
            max_rows=1,
        )


def test_an_export_reads_back_as_the_same_rows() -> None:
    rows = [
        {
            "name": "张三",
            "username": "zhang.san",
            "kind": "village",
            "count": 3,
            "rate": Decimal("0.25"),
            "since": date(2026, 11, 30),
            "roles": ["a", "b"],
        },
    ]
    again = read_sheet(write_sheet(COLUMNS, rows, title="名册"), COLUMNS, sheet="名册")
    assert again[0].values == rows[0]


def test_the_import_report_counts_each_outcome() -> None:
    report = ImportReport(
        dry_run=True,
        rows=(
            RowReport(2, RowOutcome.CREATED, key="a"),
            RowReport(3, RowOutcome.REJECTED, problems=(RowProblem("姓名", "必填 / required"),)),
        ),
    )
    body = report.as_dict()
    assert body["summary"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert body["rows"][1] == {
        "row": 3,
        "outcome": "rejected",
        "key": None,
        "problems": [{"column": "姓名", "reason": "必填 / required"}],
    }


@pytest.mark.parametrize("value", ["东风\x0b村", "东风\x00村", "东风\ud800村", "东风\x1e村"])
def test_a_text_cell_with_characters_nothing_can_store_is_refused(value: str) -> None:
    # The same rule as JSON bodies (shared.text): a workbook is not a way around it.
    with pytest.raises(CellError, match="U\\+"):
        text()(value)
