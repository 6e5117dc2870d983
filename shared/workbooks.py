"""Excel workbooks with Chinese headers: read rows with per-row errors, write exports.

Township staff keep rosters and grid lists in Excel; every import in the platform goes through
`read_sheet` (headers matched by their Chinese label or an alias, each cell parsed and checked,
every problem reported with its Excel row number and column header) and every export through
`write_sheet`, so an exported workbook can be edited and imported again. What a row *means*
(create, update, unchanged) is the importing use case's business; `ImportReport` is the one
shape they all answer with, dry run or not.

Uploads are hostile until measured. An .xlsx is a zip of XML: a 400 KB upload can inflate to
400 MiB of rows, and a 5 KB one can name row 1,048,576 and column XFD so that openpyxl pads a
billion empty cells. `read_sheet` therefore checks the archive before openpyxl sees a byte:
the sizes and ratios the zip declares, then every member inflated under a byte budget while
its XML elements, rows and cells are counted; openpyxl parses the re-packed bytes that were
counted, and its rows are read under a row and column bound. Any limit crossed is a
`WorkbookTooLarge` on ``file`` (422), answered in milliseconds (see the limits below).

Exports write user text as text: a string is never turned into a formula, and one that Excel
would take for the start of a formula when the cell is edited (``=``, ``+``, ``-``, ``@``, tab,
CR; OWASP "CSV injection") is marked quote-prefixed, Excel's own way of storing a typed
``'=...``. The value itself is unchanged, so the file imports back to the same text and the
importer strips nothing. Characters an .xlsx cannot hold (C0 controls but tab, LF and CR; lone
surrogates; U+FFFE/U+FFFF) are replaced with U+FFFD instead of failing the whole file, so one
bad stored record never breaks an export.

Framework-free on purpose (openpyxl only): domain-side import code may use it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from shared.errors import FieldProblem, InvalidInput
from shared.text import unsafe_text_reason

# What one uploaded workbook may make the server do. Measured (shared/tests/unit/workbooks): a
# 5,000-row, 7-column import is 2 MiB of XML, 35,000 cells and 110,000 elements (Excel's shared
# strings add up to one more per cell) at a compression ratio of 11-16; openpyxl spends 5-30 us
# an element, so the worst workbook accepted parses in about 2.5 s, the request limit is 30 s.
MAX_ROWS = 5000  # data rows per import
MAX_SHEET_ROWS = 20_000  # rows of the sheet read, blank ones included (and <row> per member)
MAX_COLUMNS = 100  # columns read per row; a value further right refuses the file
MAX_CELLS = 100_000  # <c> elements in the whole workbook
MAX_ELEMENTS = 250_000  # XML elements in the whole workbook (sheets, strings, styles...)
MAX_PART_ELEMENTS = 50_000  # of which in one structure part (styles, content types...)
MAX_UNPACKED_BYTES = 20 * 1_048_576  # inflated size of all members together
MAX_MEMBERS = 500  # files in the zip (a real workbook has 10-30)
MAX_RATIO = 100  # inflated / compressed, per member and overall (real ones: 5-20)
_RATIO_FLOOR = 1_048_576  # below this size a ratio says nothing: small parts compress well
_FILE_FIELD = "file"
_NOT_A_WORKBOOK = "不是有效的 .xlsx 工作簿 / not a valid .xlsx workbook"


class WorkbookTooLarge(InvalidInput):
    """The workbook would cost more to read than an import may: too many bytes, rows, cells or
    elements, or a suspicious compression ratio (rendered like every `InvalidInput`: 422 on
    ``file``, with the limit in the reason)."""


class CellError(ValueError):
    """Raised by a cell parser; the message is shown to the user next to the row and column."""


Parser = Callable[[Any], Any]


def text(max_length: int = 200) -> Parser:
    """A non-empty string (numbers typed into a text column are taken as their digits)."""

    def parse(value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        result = str(value).strip()
        unsafe = unsafe_text_reason(result)
        if unsafe is not None:
            raise CellError(f"含有不可保存的字符 / {unsafe}")
        if len(result) > max_length:
            raise CellError(f"超过 {max_length} 个字符 / longer than {max_length} characters")
        return result

    return parse


def integer(minimum: int | None = 0) -> Parser:
    def parse(value: Any) -> int:
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise CellError("应为整数 / must be a whole number") from None
        if number != number.to_integral_value():
            raise CellError("应为整数 / must be a whole number")
        if minimum is not None and number < minimum:
            raise CellError(f"不能小于 {minimum} / must be at least {minimum}")
        return int(number)

    return parse


def decimal() -> Parser:
    def parse(value: Any) -> Decimal:
        try:
            # str() first: a float cell 0.1 must become Decimal("0.1"), not its binary expansion.
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise CellError("应为数字 / must be a number") from None

    return parse


def day() -> Parser:
    """A date cell, or text as 2026-11-30 / 2026/11/30 / 2026年11月30日."""

    def parse(value: Any) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        raw = str(value).strip()
        for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
            try:
                return datetime.strptime(raw, pattern).date()  # noqa: DTZ007 - a calendar day
            except ValueError:
                continue
        raise CellError("应为日期，如 2026-11-30 / must be a date like 2026-11-30")

    return parse


# Date-and-time text as Chinese offices type it into a cell.
_DATETIME_PATTERNS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M:%S",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日%H时%M分",
    "%Y年%m月%d日 %H时%M分",
)
_NOT_A_TIME = "应为日期时间，如 2026-11-30 09:15 / must be a date and time like 2026-11-30 09:15"
# What a cell's wall time means when it names no offset: the tenants are in China.
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


def local_instant(value: datetime) -> datetime:
    """An aware UTC instant; a naive one (what Excel stores) is Asia/Shanghai wall time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_ZONE)
    return value.astimezone(UTC)


def moment() -> Parser:
    """A date-and-time cell, or text such as 2026-11-30 09:15[:00], 2026/11/30 9:15,
    2026年11月30日 09:15 or ISO 8601 (with or without an offset) -> an aware UTC instant
    (Asia/Shanghai unless it says otherwise)."""

    def parse(value: Any) -> datetime:
        if isinstance(value, datetime):
            return local_instant(value)
        raw = " ".join(str(value).split())
        for pattern in _DATETIME_PATTERNS:
            try:
                return local_instant(datetime.strptime(raw, pattern))  # noqa: DTZ007 - local
            except ValueError:
                continue
        if "T" in raw:
            try:
                return local_instant(datetime.fromisoformat(raw))
            except ValueError:
                pass
        raise CellError(_NOT_A_TIME)

    return parse


def choice(labels: Mapping[str, str]) -> Parser:
    """One of ``labels`` (Chinese label or the English value itself) -> the English value."""
    accepted = {**{value: value for value in labels.values()}, **dict(labels)}

    def parse(value: Any) -> str:
        raw = str(value).strip()
        if raw not in accepted:
            options = "、".join(labels)
            raise CellError(f"应为以下之一 / must be one of: {options}")
        return accepted[raw]

    return parse


def many(item: Parser, separators: str = ",，、;；") -> Parser:
    """Several values in one cell, separated by commas or 、 (e.g. roles)."""

    def parse(value: Any) -> list[Any]:
        raw = str(value)
        for separator in separators[1:]:
            raw = raw.replace(separator, separators[0])
        return [item(part) for part in raw.split(separators[0]) if part.strip()]

    return parse


@dataclass(frozen=True, slots=True)
class Column:
    """One column: the field it fills, its Chinese header, accepted aliases, how to parse it."""

    key: str
    header: str
    parse: Parser = field(default_factory=text)
    required: bool = True
    aliases: tuple[str, ...] = ()

    def matches(self, header: str) -> bool:
        return header in (self.header, self.key, *self.aliases)


@dataclass(frozen=True, slots=True)
class RowProblem:
    """What is wrong with one cell (``column`` is the header) or a whole row (``column`` None)."""

    column: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"column": self.column, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its Excel row number, the parsed values and what failed to parse."""

    number: int
    values: dict[str, Any]
    problems: tuple[RowProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def _too_large(reason: str) -> WorkbookTooLarge:
    return WorkbookTooLarge([FieldProblem(_FILE_FIELD, reason)])


def _not_a_workbook() -> InvalidInput:
    return InvalidInput.of(_FILE_FIELD, _NOT_A_WORKBOOK)


# What openpyxl (or zipfile, zlib, the XML parser under them) raises on a damaged file.
_UNREADABLE = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    ArithmeticError,
    OSError,
    EOFError,
    SyntaxError,  # xml.etree.ElementTree.ParseError
)


def _members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's files, refused on what they declare before any is inflated."""
    members = [info for info in archive.infolist() if not info.is_dir()]
    names = [info.filename for info in members]
    if len(members) > MAX_MEMBERS:
        raise _too_large(f"压缩包内文件过多 / more than {MAX_MEMBERS} files in the archive")
    if len(set(names)) != len(names):
        raise _not_a_workbook()  # a second copy of a name would hide what openpyxl reads
    total = compressed = 0
    for info in members:
        if info.flag_bits & 0x1 or info.compress_type not in (
            zipfile.ZIP_STORED,
            zipfile.ZIP_DEFLATED,
        ):
            raise _not_a_workbook()  # encrypted, or a method Excel never writes
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size:
            raise _too_large(f"压缩比异常 / {info.filename} inflates more than {MAX_RATIO} times")
        total += info.file_size
        compressed += info.compress_size
    if total > MAX_UNPACKED_BYTES:
        raise _too_large(
            f"解压后超过 {MAX_UNPACKED_BYTES // 1_048_576} MiB / "
            f"unpacks to more than {MAX_UNPACKED_BYTES // 1_048_576} MiB"
        )
    if total > _RATIO_FLOOR and total > MAX_RATIO * compressed:
        raise _too_large(f"压缩比异常 / the archive inflates more than {MAX_RATIO} times")
    return members


# A tag is recognised within this many bytes of its "<" (the prefix is at most 32 characters).
_TAG_WINDOW = 64
_CHUNK = 65_536
_ELEMENT = re.compile(rb"<[A-Za-z_]")
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,31}:)?row[\s/>]")
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,31}:)?c[\s/>]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


# Parts openpyxl parses into objects at 10-25 us an element (sheet cells cost 2-10): real ones
# hold a few hundred elements, bloated styles tens of thousands.
_STRUCTURE_PARTS = frozenset(
    {
        "[Content_Types].xml",
        "_rels/.rels",
        "docProps/app.xml",
        "docProps/core.xml",
        "docProps/custom.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/workbook.xml",
    }
)


@dataclass(slots=True)
class _Census:
    """What the archive has unpacked so far: bytes, elements and cells in all, and the elements
    and rows of the member being unpacked."""

    unpacked: int = 0
    elements: int = 0
    cells: int = 0
    member: str = ""
    member_elements: int = 0
    member_rows: int = 0

    def start(self, member: str) -> None:
        self.member, self.member_elements, self.member_rows = member, 0, 0

    def count(self, xml: bytes) -> None:
        if _DTD.search(xml):
            raise _not_a_workbook()  # OOXML has no DTDs; entities are how XML bombs expand
        elements = len(_ELEMENT.findall(xml))
        self.elements += elements
        self.member_elements += elements
        self.cells += len(_CELL.findall(xml))
        self.member_rows += len(_ROW.findall(xml))
        if self.elements > MAX_ELEMENTS:
            raise _too_large(f"XML 元素过多 / more than {MAX_ELEMENTS:,} XML elements")
        if self.member in _STRUCTURE_PARTS and self.member_elements > MAX_PART_ELEMENTS:
            raise _too_large(
                f"{self.member} 过大（样式过多？请复制数据到新工作簿）/ {self.member} has more "
                f"than {MAX_PART_ELEMENTS:,} elements (too many styles? copy the data to a new "
                "workbook)"
            )
        if self.cells > MAX_CELLS:
            raise _too_large(f"最多 {MAX_CELLS:,} 个单元格 / at most {MAX_CELLS:,} cells")
        if self.member_rows > MAX_SHEET_ROWS:
            raise _too_large(
                f"最多 {MAX_SHEET_ROWS:,} 行 / at most {MAX_SHEET_ROWS:,} rows per sheet"
            )


def _copy(source: IO[bytes], target: IO[bytes], info: zipfile.ZipInfo, census: _Census) -> None:
    """Inflate one member into ``target`` chunk by chunk, counting as it goes; stops at the
    budget whatever the zip headers claimed (zipfile itself stops at the declared size)."""
    census.start(info.filename)
    copied = 0
    carry = b""
    while chunk := source.read(_CHUNK):
        copied += len(chunk)
        census.unpacked += len(chunk)
        if copied > info.file_size or census.unpacked > MAX_UNPACKED_BYTES:
            raise _too_large(
                f"解压后超过 {MAX_UNPACKED_BYTES // 1_048_576} MiB / "
                f"unpacks to more than {MAX_UNPACKED_BYTES // 1_048_576} MiB"
            )
        target.write(chunk)
        # Count up to the last "<" and keep the rest, so no tag is split between two chunks.
        pending = carry + chunk
        cut = pending.rfind(b"<")
        if cut == -1 or len(pending) - cut > _TAG_WINDOW:
            census.count(pending)
            carry = b""
        else:
            census.count(pending[:cut])
            carry = pending[cut:]
    census.count(carry)


def _checked(data: bytes) -> io.BytesIO:
    """``data`` re-packed uncompressed once every limit holds: what openpyxl parses is exactly
    what was counted."""
    repacked = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = _members(archive)
            census = _Census()
            with zipfile.ZipFile(repacked, "w", zipfile.ZIP_STORED) as out:
                for info in members:
                    with archive.open(info) as source, out.open(info.filename, "w") as target:
                        _copy(source, target, info, census)
    except InvalidInput:
        raise
    except _UNREADABLE:
        raise _not_a_workbook() from None
    repacked.seek(0)
    return repacked


def _open(data: bytes) -> Any:
    checked = _checked(data)
    try:
        return load_workbook(checked, read_only=True, data_only=True, keep_links=False)
    except _UNREADABLE:
        raise _not_a_workbook() from None


def _sheet_rows(worksheet: Any) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows from row 1, each exactly ``MAX_COLUMNS + 1`` wide.

    The dimensions the file declares are ignored: a false ``A1:XFD1048576`` would make openpyxl
    pad every row to 16,384 cells (and a false ``A1:C3`` would hide rows)."""
    worksheet.reset_dimensions()
    rows = worksheet.iter_rows(min_row=1, min_col=1, max_col=MAX_COLUMNS + 1, values_only=True)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except _UNREADABLE:
            raise _not_a_workbook() from None
        yield row


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _bounded(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, cells) up to row ``MAX_SHEET_ROWS``; a row further down (openpyxl
    fills a gap before a far row with blank rows), or a value past column ``MAX_COLUMNS``,
    refuses the file."""
    for number, cells in enumerate(rows, start=1):
        if number > MAX_SHEET_ROWS:
            raise _too_large(
                f"工作表超过第 {MAX_SHEET_ROWS:,} 行（空行也计入）/ the sheet runs past row "
                f"{MAX_SHEET_ROWS:,} (blank rows count)"
            )
        if not _blank(cells[MAX_COLUMNS]):
            raise _too_large(f"最多 {MAX_COLUMNS} 列 / at most {MAX_COLUMNS} columns")
        yield number, cells


def read_sheet(
    data: bytes, columns: Sequence[Column], *, sheet: str | None = None, max_rows: int = MAX_ROWS
) -> list[Row]:
    """Every non-empty data row of ``sheet`` (default: the first), parsed by ``columns``.

    The header row is the first non-empty row. A missing required column, an unreadable file
    or more than ``max_rows`` rows is an `InvalidInput` on ``file`` (nothing can be imported);
    so is a workbook past any limit of this module (`WorkbookTooLarge`), refused before openpyxl
    parses it where the archive shows it, otherwise as soon as the row or column is reached.
    A bad cell is a `RowProblem` on its row (the other rows still import).
    """
    workbook = _open(data)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise InvalidInput.of(_FILE_FIELD, f"没有名为「{sheet}」的工作表 / no sheet {sheet!r}")
        sheets = [ws for ws in workbook.worksheets if sheet is None or ws.title == sheet]
        if not sheets:
            raise _not_a_workbook()
        worksheet = sheets[0]
        rows = _bounded(_sheet_rows(worksheet))
        header_number, header = 0, None
        for header_number, candidate in rows:  # noqa: B007 - used below
            if any(not _blank(cell) for cell in candidate):
                header = [str(cell).strip() if not _blank(cell) else "" for cell in candidate]
                break
        if header is None:
            raise InvalidInput.of(_FILE_FIELD, "工作表是空的 / the sheet is empty")
        positions = _positions(header, columns)
        parsed: list[Row] = []
        for number, cells in rows:
            if all(_blank(cell) for cell in cells):
                continue
            if len(parsed) >= max_rows:
                raise InvalidInput.of(
                    _FILE_FIELD, f"最多 {max_rows} 行 / at most {max_rows} data rows per import"
                )
            parsed.append(_parse_row(number, cells, columns, positions))
        return parsed
    finally:
        workbook.close()


def _positions(header: list[str], columns: Sequence[Column]) -> dict[str, int]:
    positions: dict[str, int] = {}
    missing: list[str] = []
    for column in columns:
        found = [index for index, name in enumerate(header) if column.matches(name)]
        if found:
            positions[column.key] = found[0]
        elif column.required:
            missing.append(column.header)
    if missing:
        raise InvalidInput.of(_FILE_FIELD, "缺少列 / missing column(s): " + "、".join(missing))
    return positions


def _parse_row(
    number: int, cells: Sequence[Any], columns: Sequence[Column], positions: Mapping[str, int]
) -> Row:
    values: dict[str, Any] = {}
    problems: list[RowProblem] = []
    for column in columns:
        position = positions.get(column.key)
        raw = cells[position] if position is not None and position < len(cells) else None
        if _blank(raw):
            if column.required:
                problems.append(RowProblem(column.header, "必填 / required"))
            continue
        try:
            values[column.key] = column.parse(raw)
        except CellError as exc:
            problems.append(RowProblem(column.header, str(exc)))
    return Row(number=number, values=values, problems=tuple(problems))


def write_sheet(
    columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], *, title: str = "Sheet1"
) -> bytes:
    """An .xlsx with the Chinese headers in bold and one line per row (keys as in columns).

    Every value is written by `export_cell`: text stays text, whatever is stored."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = export_cell(worksheet, column.header)
        cell.font = bold
        header.append(cell)
    worksheet.append(header)
    for row in rows:
        worksheet.append([export_cell(worksheet, row.get(column.key)) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# What Excel, WPS and LibreOffice start a formula with when a cell is typed or edited (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What an .xlsx cannot hold: C0 controls but tab, LF and CR (openpyxl refuses them), lone
# surrogates (not UTF-8) and the non-characters U+FFFE/U+FFFF (not XML).
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def writable_text(value: str) -> str:
    """``value`` with every character an .xlsx cannot hold replaced by U+FFFD."""
    return _UNWRITABLE.sub(REPLACEMENT, value)


def export_cell(worksheet: Any, value: Any) -> Any:
    """A cell of ``worksheet`` holding ``value`` as data, never as a formula.

    Strings are typed as text explicitly (openpyxl would make ``=...`` a formula and ``#N/A``
    an error value) after `writable_text`; one starting with a `FORMULA_PREFIXES` character is
    also quote-prefixed, so editing the cell in Excel keeps it text. Works for write-only and
    ordinary worksheets alike (``worksheet.append`` takes cells)."""
    value = _cell_value(value)
    if not isinstance(value, str):
        return WriteOnlyCell(worksheet, value=value)
    text_value = writable_text(value)
    cell = WriteOnlyCell(worksheet, value=text_value)
    cell.data_type = "s"
    if text_value.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    return cell


def _cell_value(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, (list, tuple)):
        return "、".join(str(_cell_value(item)) for item in value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    return value


# --- CSV ------------------------------------------------------------------------------------
# Imports also take CSV, as the hotline and survey firms export it: turned into a workbook of the
# columns the import reads, it goes through `read_sheet`, limits and row numbers included.

_ZIP_MAGIC = b"PK\x03\x04"
_NOT_CSV = "不是 UTF-8 或 GB18030 编码的 CSV / not a UTF-8 or GB18030 CSV file"
_UNSTORABLE = "含有不可保存的字符 / holds characters a workbook cannot store"


def decode_csv(data: bytes) -> str:
    """The text of a CSV export: UTF-8 (a BOM is dropped) or else GB18030, as Excel and WPS
    save it for Chinese Windows; anything else (binary, UTF-16) is a 422 on ``file``."""
    if b"\x00" in data:
        raise InvalidInput.of(_FILE_FIELD, _NOT_CSV)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError:
            continue
    raise InvalidInput.of(_FILE_FIELD, _NOT_CSV)


def csv_workbook(
    data: bytes, columns: Sequence[Column], unreadable: dict[int, list[RowProblem]]
) -> bytes:
    """The CSV as an .xlsx of the ``columns`` an import reads (other columns are dropped here,
    so what the import does not need is never held), one sheet row per CSV record, so row
    numbers match what a spreadsheet shows. Cells holding characters a workbook cannot hold
    are left blank and noted in ``unreadable`` (record number -> problems)."""
    reader = csv.reader(io.StringIO(decode_csv(data), newline=""))
    book = Workbook(write_only=True)
    sheet = book.create_sheet("csv")
    keep: list[int] | None = None
    headers: list[str] = []
    try:
        for number, record in enumerate(reader, start=1):
            if number > MAX_SHEET_ROWS:
                raise _too_large(f"最多 {MAX_SHEET_ROWS:,} 行 / at most {MAX_SHEET_ROWS:,} rows")
            if len(record) > MAX_COLUMNS:
                raise _too_large(f"最多 {MAX_COLUMNS} 列 / at most {MAX_COLUMNS} columns")
            if keep is None:
                if not any(cell.strip() for cell in record):
                    sheet.append([])
                    continue
                # All columns when none is known, so the missing-column answer names them.
                keep = [
                    index
                    for index, name in enumerate(record)
                    if any(column.matches(name.strip()) for column in columns)
                ] or list(range(len(record)))
                headers = [record[index].strip() for index in keep]
            written: list[Any] = []
            for header, index in zip(headers, keep, strict=True):
                cell = record[index] if index < len(record) else ""
                storable = writable_text(cell) == cell
                if not storable:
                    unreadable.setdefault(number, []).append(RowProblem(header, _UNSTORABLE))
                written.append(export_cell(sheet, cell if storable else ""))
            sheet.append(written)
    except csv.Error as exc:
        reason = f"CSV 格式错误 / not a readable CSV file: {exc}"
        raise InvalidInput.of(_FILE_FIELD, reason) from None
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_upload(
    data: bytes, filename: str, columns: Sequence[Column], *, max_rows: int = MAX_ROWS
) -> list[Row]:
    """`read_sheet` of an uploaded .xlsx, or of a .csv (``filename`` ending in .csv and not a
    zip) through `csv_workbook`; a CSV cell that could not be carried over is a problem of its
    row and column (in place of the "required" its blank cell caused)."""
    if not (filename.lower().endswith(".csv") and not data.startswith(_ZIP_MAGIC)):
        return read_sheet(data, columns, max_rows=max_rows)
    unreadable: dict[int, list[RowProblem]] = {}
    rows = read_sheet(csv_workbook(data, columns, unreadable), columns, max_rows=max_rows)
    merged: list[Row] = []
    for row in rows:
        lost = unreadable.get(row.number, [])
        named = {problem.column for problem in lost}
        kept = tuple(problem for problem in row.problems if problem.column not in named)
        merged.append(Row(number=row.number, values=row.values, problems=(*lost, *kept)))
    return merged


class RowOutcome(StrEnum):
    """What an import did (or, in a dry run, would do) with one row."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class RowReport:
    number: int
    outcome: RowOutcome
    key: str | None = None
    problems: tuple[RowProblem, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.number,
            "outcome": self.outcome.value,
            "key": self.key,
            "problems": [problem.as_dict() for problem in self.problems],
        }


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The answer of every import: per row what happened, and the totals. Rejected rows change
    nothing; the other rows land (or, with ``dry_run``, would land) whole."""

    dry_run: bool
    rows: tuple[RowReport, ...]

    def count(self, outcome: RowOutcome) -> int:
        return sum(1 for row in self.rows if row.outcome is outcome)

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "summary": {outcome.value: self.count(outcome) for outcome in RowOutcome},
            "rows": [row.as_dict() for row in self.rows],
        }


__all__ = [
    "FORMULA_PREFIXES",
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_ELEMENTS",
    "MAX_MEMBERS",
    "MAX_PART_ELEMENTS",
    "MAX_RATIO",
    "MAX_ROWS",
    "MAX_SHEET_ROWS",
    "MAX_UNPACKED_BYTES",
    "REPLACEMENT",
    "CellError",
    "Column",
    "ImportReport",
    "Row",
    "RowOutcome",
    "RowProblem",
    "RowReport",
    "WorkbookTooLarge",
    "choice",
    "csv_workbook",
    "day",
    "decimal",
    "decode_csv",
    "export_cell",
    "integer",
    "local_instant",
    "many",
    "moment",
    "read_sheet",
    "read_upload",
    "text",
    "writable_text",
    "write_sheet",
]
