"""CSV uploads (`read_upload`): UTF-8 with or without BOM and GB18030, only the columns an
import reads, row numbers as a spreadsheet shows them, and every refusal a 422 on ``file``."""

from __future__ import annotations

import pytest

from shared.errors import InvalidInput
from shared.workbooks import Column, integer, read_upload, write_sheet

COLUMNS = (Column("code", "网格编码"), Column("count", "户数", integer(), required=False))


def _rows(data: bytes, filename: str = "frame.csv") -> list[tuple[int, dict, list]]:
    return [
        (row.number, dict(row.values), [p.column for p in row.problems])
        for row in read_upload(data, filename, COLUMNS)
    ]


@pytest.mark.parametrize(
    "data",
    [
        "网格编码,户数,联系电话\nG01,12,13800000000\nG02,,\n".encode(),
        "\ufeff网格编码,户数\nG01,12\nG02,\n".encode(),
        "网格编码,户数\nG01,12\nG02,\n".encode("gb18030"),
    ],
    ids=["utf-8 with an unread column", "utf-8 with BOM", "gb18030"],
)
def test_a_csv_reads_like_the_same_workbook(data: bytes) -> None:
    assert _rows(data) == [(2, {"code": "G01", "count": 12}, []), (3, {"code": "G02"}, [])]


def test_a_workbook_named_csv_is_read_as_a_workbook() -> None:
    book = write_sheet(COLUMNS, [{"code": "G01", "count": 3}])
    assert _rows(book, "frame.csv") == [(2, {"code": "G01", "count": 3}, [])]


def test_a_cell_a_workbook_cannot_hold_is_a_problem_of_its_row_and_column() -> None:
    rows = _rows("网格编码,户数\nG\ufffe1,1\n".encode())
    assert rows == [(2, {"count": 1}, ["网格编码"])]


@pytest.mark.parametrize(
    "data",
    [b"\x00\x01binary", "网格编码\n".encode("utf-16"), b'\xff"unterminated\n'],
    ids=["binary", "utf-16", "not text"],
)
def test_what_is_no_csv_is_422_on_file(data: bytes) -> None:
    with pytest.raises(InvalidInput) as refused:
        read_upload(data, "x.csv", COLUMNS)
    assert [problem.field for problem in refused.value.problems] == ["file"]
