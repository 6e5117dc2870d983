"""Excel import and export: sheet definitions and the row -> use case mapping.

Every import answers one `ImportReport` whether or not it is a dry run: a dry run goes through
the same planning (domain rules, lookups) and only skips the writes. Rows are independent and
each lands whole or not at all: one row is one document write carrying its own outbox event, so
a failure in row 40 leaves rows 1-39 imported and row 40 untouched ("nothing half-imported").
Duplicate keys inside one workbook reject every row carrying the key: which one was meant is
the user's call, not ours.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from services.grid_registry.domain import base_info as base_info_domain
from services.grid_registry.domain import divisions as divisions_domain
from services.grid_registry.repository.base_info import (
    GridDirectory,
    GridRef,
    SnapshotRepository,
    SubCategoryRepository,
)
from services.grid_registry.repository.divisions import DivisionRepository
from services.grid_registry.use_cases import base_info as base_info_use_cases
from services.grid_registry.use_cases import divisions as divisions_use_cases
from shared.errors import InvalidInput
from shared.mongo import Conflict, NotFound
from shared.workbooks import (
    Column,
    ImportReport,
    Row,
    RowOutcome,
    RowProblem,
    RowReport,
    choice,
    day,
    integer,
    read_sheet,
    text,
    write_sheet,
)

Clock = Callable[[], datetime]
_EXPORT_PAGE = 500


def _utc_now() -> datetime:
    return datetime.now(UTC)


# -- shared helpers ----------------------------------------------------------------------------


def _problems(exc: InvalidInput, headers: Mapping[str, str]) -> tuple[RowProblem, ...]:
    """Domain problems named by field -> problems named by the column the user typed in."""
    return tuple(RowProblem(headers.get(p.field), p.reason) for p in exc.problems)


def _rejected(row: Row, problems: Iterable[RowProblem], key: str | None = None) -> RowReport:
    return RowReport(number=row.number, outcome=RowOutcome.REJECTED, key=key, problems=(*problems,))


def _duplicates(keys: Mapping[int, Hashable]) -> set[int]:
    """Row numbers whose key appears on more than one row."""
    counts = Counter(keys.values())
    return {number for number, key in keys.items() if counts[key] > 1}


def _duplicate_problem(header: str) -> RowProblem:
    return RowProblem(header, "工作簿内重复 / duplicated in this workbook (all copies rejected)")


@dataclass(frozen=True)
class Export:
    """An export ready to download: the workbook bytes and the file name's stem."""

    name: str
    data: bytes


# -- divisions (村/社区) ----------------------------------------------------------------------

KIND_LABELS = {"村": "village", "社区": "community"}
KIND_NAMES = {value: label for label, value in KIND_LABELS.items()}
DIVISION_COLUMNS = (
    Column("code", "村社区编码", text(32), aliases=("编码",)),
    Column("name", "村社区名称", text(divisions_domain.NAME_MAX), aliases=("名称",)),
    Column("kind", "类型", choice(KIND_LABELS)),
)
_DIVISION_HEADERS = {column.key: column.header for column in DIVISION_COLUMNS}


def import_divisions(
    *,
    repo: DivisionRepository,
    actor: str,
    data: bytes,
    dry_run: bool,
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> ImportReport:
    """Create new codes, update changed names/kinds, leave the rest: one report per row."""
    rows = read_sheet(data, DIVISION_COLUMNS)
    duplicated = _duplicates({row.number: row.values["code"] for row in rows if row.ok})
    existing = repo.divisions_by_code({row.values["code"] for row in rows if row.ok})
    reports: list[RowReport] = []
    for row in rows:
        if not row.ok:
            reports.append(_rejected(row, row.problems, row.values.get("code")))
        elif row.number in duplicated:
            reports.append(_rejected(row, [_duplicate_problem("村社区编码")], row.values["code"]))
        else:
            reports.append(
                _division_row(
                    row,
                    existing.get(row.values["code"]),
                    repo=repo,
                    actor=actor,
                    dry_run=dry_run,
                    correlation_id=correlation_id,
                    now=clock(),
                )
            )
    return ImportReport(dry_run=dry_run, rows=tuple(reports))


def _division_row(
    row: Row,
    current: divisions_domain.Division | None,
    *,
    repo: DivisionRepository,
    actor: str,
    dry_run: bool,
    correlation_id: str | None,
    now: datetime,
) -> RowReport:
    code, name, kind = row.values["code"], row.values["name"], row.values["kind"]
    try:
        if current is None:
            # The domain check runs in dry runs too, so both answer the same report.
            divisions_domain.register_division(
                division_id="dry-run",
                tenant_id=repo.tenant_id,
                code=code,
                name=name,
                kind=kind,
                actor=actor,
                now=now,
            )
            if not dry_run:
                divisions_use_cases.create_division(
                    repo=repo,
                    actor=actor,
                    code=code,
                    name=name,
                    kind=kind,
                    correlation_id=correlation_id,
                    clock=lambda: now,
                )
            return RowReport(number=row.number, outcome=RowOutcome.CREATED, key=code)
        _, event = divisions_domain.update_division(
            current, name=name, kind=kind, actor=actor, now=now
        )
        if event is None:
            return RowReport(number=row.number, outcome=RowOutcome.UNCHANGED, key=code)
        if not dry_run:
            divisions_use_cases.update_division(
                repo=repo,
                actor=actor,
                division_id=current.division_id,
                name=name,
                kind=kind,
                correlation_id=correlation_id,
                clock=lambda: now,
            )
        return RowReport(number=row.number, outcome=RowOutcome.UPDATED, key=code)
    except InvalidInput as exc:
        return _rejected(row, _problems(exc, _DIVISION_HEADERS), code)
    except (Conflict, NotFound) as exc:
        # Another writer created or removed this code between our read and our write.
        return _rejected(
            row, [RowProblem("村社区编码", f"并发修改 / changed meanwhile: {exc}")], code
        )


def _all_divisions(repo: DivisionRepository) -> list[divisions_domain.Division]:
    found: list[divisions_domain.Division] = []
    while True:
        page = repo.list_divisions(offset=len(found), limit=_EXPORT_PAGE)
        found.extend(page.items)
        if not page.items or len(found) >= page.total:
            return found


def export_divisions(*, repo: DivisionRepository) -> Export:
    """Every division of the tenant in the import layout (re-importing it changes nothing)."""
    rows = [
        {"code": d.code, "name": d.name, "kind": KIND_NAMES[d.kind.value]}
        for d in _all_divisions(repo)
    ]
    return Export(name="divisions", data=write_sheet(DIVISION_COLUMNS, rows, title="村社区"))


# -- base information (基础信息采集) ---------------------------------------------------------

CATEGORY_CHOICES = {
    label: category.value for category, label in base_info_domain.CATEGORY_LABELS.items()
}
BASE_INFO_COLUMNS = (
    Column("grid_code", "网格编码", text(32)),
    Column("category", "类别", choice(CATEGORY_CHOICES)),
    Column("sub_category", "子类", text(base_info_domain.LABEL_MAX)),
    Column("expected", "应采集数", integer()),
    Column("collected", "已采集数", integer()),
    Column("verified", "已核实数", integer()),
    Column("as_of", "统计日期", day()),
)
_BASE_INFO_HEADERS = {column.key: column.header for column in BASE_INFO_COLUMNS}


@dataclass(frozen=True)
class _FiguresRow:
    row: Row
    grid: GridRef
    sub: base_info_domain.SubCategory
    as_of: date

    @property
    def key(self) -> tuple[str, base_info_domain.Category, str, date]:
        return (self.grid.grid_id, self.sub.category, self.sub.code, self.as_of)


def import_base_info(
    *,
    repo: SnapshotRepository,
    subs: SubCategoryRepository,
    grids: GridDirectory,
    actor: str,
    data: bytes,
    dry_run: bool,
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> ImportReport:
    """Record figures row by row: a new date is created, a recorded date with other figures
    is updated (replaced), the same figures are unchanged."""
    rows = read_sheet(data, BASE_INFO_COLUMNS)
    catalogue = base_info_use_cases.sub_categories(repo=subs)
    known = grids.by_codes({row.values["grid_code"] for row in rows if "grid_code" in row.values})
    reports: dict[int, RowReport] = {}
    resolved: list[_FiguresRow] = []
    for row in rows:
        key = row.values.get("grid_code")
        if not row.ok:
            reports[row.number] = _rejected(row, row.problems, key)
            continue
        grid = known.get(row.values["grid_code"])
        if grid is None:
            problem = RowProblem("网格编码", "没有这个网格 / no such grid in the tenant")
            reports[row.number] = _rejected(row, [problem], key)
            continue
        try:
            sub = base_info_domain.resolve_sub_category(
                base_info_domain.Category(row.values["category"]),
                row.values["sub_category"],
                catalogue,
            )
        except InvalidInput as exc:
            reports[row.number] = _rejected(row, _problems(exc, _BASE_INFO_HEADERS), key)
            continue
        resolved.append(_FiguresRow(row=row, grid=grid, sub=sub, as_of=row.values["as_of"]))
    duplicated = _duplicates({item.row.number: item.key for item in resolved})
    previous = repo.snapshots_on(
        grid_ids={item.grid.grid_id for item in resolved},
        dates={item.as_of for item in resolved},
    )
    for item in resolved:
        if item.row.number in duplicated:
            reports[item.row.number] = _rejected(
                item.row, [_duplicate_problem("网格编码")], item.grid.code
            )
            continue
        reports[item.row.number] = _figures_row(
            item,
            previous.get(item.key),
            repo=repo,
            actor=actor,
            dry_run=dry_run,
            correlation_id=correlation_id,
            now=clock(),
        )
    return ImportReport(dry_run=dry_run, rows=tuple(reports[row.number] for row in rows))


_OUTCOMES = {
    "created": RowOutcome.CREATED,
    "replaced": RowOutcome.UPDATED,
    "unchanged": RowOutcome.UNCHANGED,
}


def _figures_row(
    item: _FiguresRow,
    previous: base_info_domain.Snapshot | None,
    *,
    repo: SnapshotRepository,
    actor: str,
    dry_run: bool,
    correlation_id: str | None,
    now: datetime,
) -> RowReport:
    values = item.row.values
    try:
        recorded, event = base_info_use_cases.plan_figures(
            tenant_id=repo.tenant_id,
            grid=item.grid,
            sub_category=item.sub,
            as_of=item.as_of,
            expected=values["expected"],
            collected=values["collected"],
            verified=values["verified"],
            previous=previous,
            actor=actor,
            now=now,
        )
        if not dry_run:
            base_info_use_cases.store(
                repo=repo, recorded=recorded, event=event, correlation_id=correlation_id
            )
    except InvalidInput as exc:
        return _rejected(item.row, _problems(exc, _BASE_INFO_HEADERS), item.grid.code)
    except Conflict as exc:
        problem = RowProblem("统计日期", f"并发修改 / changed meanwhile: {exc}")
        return _rejected(item.row, [problem], item.grid.code)
    return RowReport(
        number=item.row.number, outcome=_OUTCOMES[recorded.outcome], key=item.grid.code
    )


def export_base_info(
    *,
    repo: SnapshotRepository,
    subs: SubCategoryRepository,
    grids: GridDirectory,
    as_of: date | None = None,
    clock: Clock = _utc_now,
) -> Export:
    """The latest figures on or before ``as_of`` (default today), each with its own date, in
    the import layout: re-importing the file changes nothing."""
    day_ = as_of or base_info_domain.tenant_today(clock())
    snapshots = base_info_use_cases.latest_snapshots(repo=repo, as_of=day_)
    codes = grids.by_ids({s.grid_id for s in snapshots})
    labels = {
        (sub.category, sub.code): sub.label for sub in base_info_use_cases.sub_categories(repo=subs)
    }
    rows: list[dict[str, Any]] = [
        {
            "grid_code": codes[s.grid_id].code if s.grid_id in codes else s.grid_id,
            "category": base_info_domain.CATEGORY_LABELS[s.category],
            "sub_category": labels.get((s.category, s.sub_category), s.sub_category),
            "expected": s.figures.expected,
            "collected": s.figures.collected,
            "verified": s.figures.verified,
            "as_of": s.as_of,
        }
        for s in snapshots
    ]
    return Export(name="base-info", data=write_sheet(BASE_INFO_COLUMNS, rows, title="基础信息"))
