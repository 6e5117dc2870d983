"""What the importers share: the report (and its metric), problems named by column, duplicate
keys, the concurrent-change problem, and reading a paged list whole."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

from services.grid_registry import metrics
from services.grid_registry.use_cases.context import RegistryContext
from shared.errors import InvalidInput
from shared.mongo import Page
from shared.workbooks import Column, ImportReport, Row, RowOutcome, RowProblem, RowReport

Sheet = Literal["divisions", "grids", "teams", "base_info"]
Item = TypeVar("Item")
GridT = TypeVar("GridT")

_PAGE = 500
NO_SUCH_GRID = RowProblem("网格编码", "没有这个网格 / no such grid in the tenant")


@dataclass(frozen=True)
class Export:
    """An export ready to download: the workbook bytes and the file name's stem."""

    name: str
    data: bytes


def report(ctx: RegistryContext, sheet: Sheet, rows: Iterable[RowReport]) -> ImportReport:
    """The import's answer, in the context's mode; each row counted once in
    `gridgov_registry_import_rows_total`."""
    answer = ImportReport(dry_run=ctx.dry_run, rows=tuple(rows))
    mode = "dry_run" if ctx.dry_run else "applied"
    for row in answer.rows:
        metrics.IMPORT_ROWS.labels(sheet, row.outcome.value, mode).inc()
    return answer


def headers(columns: Sequence[Column]) -> dict[str, str]:
    """Field -> the column header the user typed it in."""
    return {column.key: column.header for column in columns}


def outcome(row: Row, result: RowOutcome, key: str | None) -> RowReport:
    return RowReport(number=row.number, outcome=result, key=key)


def rejected(row: Row, problems: Iterable[RowProblem], key: str | None = None) -> RowReport:
    return RowReport(number=row.number, outcome=RowOutcome.REJECTED, key=key, problems=(*problems,))


def problems(exc: InvalidInput, columns: Mapping[str, str]) -> tuple[RowProblem, ...]:
    """Domain problems named by field -> problems named by the column the user typed in.

    A nested path (``boundary.coordinates[0][3]``) lands on its root field's column and keeps
    the path in the reason, so the user still sees which ring or position to fix."""
    return tuple(_column_problem(p.field, p.reason, columns) for p in exc.problems)


def _column_problem(field: str, reason: str, columns: Mapping[str, str]) -> RowProblem:
    root = re.split(r"[.\[]", field, maxsplit=1)[0]
    if field == root or root not in columns:
        return RowProblem(columns.get(field), reason)
    return RowProblem(columns[root], f"{field}: {reason}")


def with_grids(
    rows: Iterable[Row], grids: Mapping[str, GridT], reports: dict[int, RowReport]
) -> list[tuple[Row, GridT]]:
    """The rows whose cells parsed and whose 网格编码 is one of ``grids`` (by code), each with
    its grid; the others are rejected into ``reports``."""
    found: list[tuple[Row, GridT]] = []
    for row in rows:
        code = row.values.get("grid_code")
        if not row.ok:
            reports[row.number] = rejected(row, row.problems, code)
        elif code not in grids:
            reports[row.number] = rejected(row, [NO_SUCH_GRID], code)
        else:
            found.append((row, grids[row.values["grid_code"]]))
    return found


def changed_meanwhile(column: str, exc: Exception) -> RowProblem:
    """Another writer created, changed or removed the row's record between our read and our
    write (in a dry run: what the read found no longer matches)."""
    return RowProblem(column, f"并发修改 / changed meanwhile: {exc}")


def duplicates(keys: Mapping[int, Hashable]) -> set[int]:
    """Row numbers whose key appears on more than one row: every copy is rejected, since which
    one was meant is the user's call, not ours."""
    counts = Counter(keys.values())
    return {number for number, key in keys.items() if counts[key] > 1}


def duplicate_problem(column: str) -> RowProblem:
    return RowProblem(column, "工作簿内重复 / duplicated in this workbook (all copies rejected)")


class Pages(Protocol[Item]):
    """A repository's paged list (``list_divisions``, ``list_grids``)."""

    def __call__(self, *, offset: int, limit: int) -> Page[Item]: ...


def every(pages: Pages[Item]) -> list[Item]:
    """Every item of a paged list, page by page (exports, and the grids an import matches)."""
    found: list[Item] = []
    while True:
        page = pages(offset=len(found), limit=_PAGE)
        found.extend(page.items)
        if not page.items or len(found) >= page.total:
            return found
