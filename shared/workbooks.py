"""Excel workbooks with Chinese headers: read rows with per-row errors, write exports.

Township staff keep rosters and grid lists in Excel; every import in the platform goes through
`read_sheet` (headers matched by their Chinese label or an alias, each cell parsed and checked,
every problem reported with its Excel row number and column header) and every export through
`write_sheet`, so an exported workbook can be edited and imported again. What a row *means*
(create, update, unchanged) is the importing use case's business; `ImportReport` is the one
shape they all answer with, dry run or not.

Framework-free on purpose (openpyxl only): domain-side import code may use it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from shared.errors import InvalidInput

MAX_ROWS = 5000
_FILE_FIELD = "file"


class CellError(ValueError):
    """Raised by a cell parser; the message is shown to the user next to the row and column."""


Parser = Callable[[Any], Any]


def text(max_length: int = 200) -> Parser:
    """A non-empty string (numbers typed into a text column are taken as their digits)."""

    def parse(value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        result = str(value).strip()
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


def _open(data: bytes) -> Any:
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise InvalidInput.of(
            _FILE_FIELD, "不是有效的 .xlsx 工作簿 / not a valid .xlsx workbook"
        ) from None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_sheet(
    data: bytes, columns: Sequence[Column], *, sheet: str | None = None, max_rows: int = MAX_ROWS
) -> list[Row]:
    """Every non-empty data row of ``sheet`` (default: the first), parsed by ``columns``.

    The header row is the first non-empty row. A missing required column, an unreadable file
    or more than ``max_rows`` rows is an `InvalidInput` on ``file`` (nothing can be imported);
    a bad cell is a `RowProblem` on its row (the other rows still import).
    """
    workbook = _open(data)
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise InvalidInput.of(_FILE_FIELD, f"没有名为「{sheet}」的工作表 / no sheet {sheet!r}")
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        rows = worksheet.iter_rows(values_only=True)
        header_number, header = 0, None
        for header_number, candidate in enumerate(rows, start=1):  # noqa: B007 - used below
            if any(not _blank(cell) for cell in candidate):
                header = [str(cell).strip() if not _blank(cell) else "" for cell in candidate]
                break
        if header is None:
            raise InvalidInput.of(_FILE_FIELD, "工作表是空的 / the sheet is empty")
        positions = _positions(header, columns)
        parsed: list[Row] = []
        for number, cells in enumerate(rows, start=header_number + 1):
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
    """An .xlsx with the Chinese headers in bold and one line per row (keys as in columns)."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(worksheet, value=column.header)
        cell.font = bold
        header.append(cell)
    worksheet.append(header)
    for row in rows:
        worksheet.append([_cell_value(row.get(column.key)) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
    "MAX_ROWS",
    "CellError",
    "Column",
    "ImportReport",
    "Row",
    "RowOutcome",
    "RowProblem",
    "RowReport",
    "choice",
    "day",
    "decimal",
    "integer",
    "many",
    "read_sheet",
    "text",
    "write_sheet",
]
