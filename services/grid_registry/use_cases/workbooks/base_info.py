"""Base information (基础信息采集) in a workbook: 网格编码, 类别, 子类, 应采集数, 已采集数,
已核实数, 统计日期. A row records one grid's figures of one sub-category on one date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.grid_registry.domain import base_info as domain
from services.grid_registry.repository.base_info import GridRef
from services.grid_registry.use_cases import base_info as use_cases
from services.grid_registry.use_cases.context import RegistryContext
from services.grid_registry.use_cases.workbooks import common
from shared.errors import Conflict, InvalidInput
from shared.workbooks import (
    Column,
    ImportReport,
    Row,
    RowOutcome,
    RowReport,
    choice,
    day,
    integer,
    read_sheet,
    text,
    write_sheet,
)

CATEGORY_CHOICES = {label: category.value for category, label in domain.CATEGORY_LABELS.items()}
COLUMNS = (
    Column("grid_code", "网格编码", text(32)),
    Column("category", "类别", choice(CATEGORY_CHOICES)),
    Column("sub_category", "子类", text(domain.LABEL_MAX)),
    Column("expected", "应采集数", integer()),
    Column("collected", "已采集数", integer()),
    Column("verified", "已核实数", integer()),
    Column("as_of", "统计日期", day()),
)
_HEADERS = common.headers(COLUMNS)
_OUTCOMES = {
    "created": RowOutcome.CREATED,
    "replaced": RowOutcome.UPDATED,
    "unchanged": RowOutcome.UNCHANGED,
}


@dataclass(frozen=True)
class _FiguresRow:
    row: Row
    grid: GridRef
    sub: domain.SubCategory
    as_of: date

    @property
    def key(self) -> tuple[str, domain.Category, str, date]:
        return (self.grid.grid_id, self.sub.category, self.sub.code, self.as_of)


def import_base_info(ctx: RegistryContext, *, data: bytes) -> ImportReport:
    """Record figures row by row: a new date is created, a recorded date with other figures
    is updated (replaced), the same figures are unchanged."""
    rows = read_sheet(data, COLUMNS)
    catalogue = use_cases.sub_categories(ctx)
    known = ctx.grid_directory.by_codes(
        {row.values["grid_code"] for row in rows if "grid_code" in row.values}
    )
    reports: dict[int, RowReport] = {}
    resolved: list[_FiguresRow] = []
    for row, grid in common.with_grids(rows, known, reports):
        try:
            sub = domain.resolve_sub_category(
                domain.Category(row.values["category"]), row.values["sub_category"], catalogue
            )
        except InvalidInput as exc:
            reports[row.number] = common.rejected(row, common.problems(exc, _HEADERS), grid.code)
            continue
        resolved.append(_FiguresRow(row=row, grid=grid, sub=sub, as_of=row.values["as_of"]))
    duplicated = common.duplicates({item.row.number: item.key for item in resolved})
    previous = ctx.snapshots.snapshots_on(
        grid_ids={item.grid.grid_id for item in resolved},
        dates={item.as_of for item in resolved},
    )
    for item in resolved:
        if item.row.number in duplicated:
            problem = common.duplicate_problem("网格编码")
            reports[item.row.number] = common.rejected(item.row, [problem], item.grid.code)
        else:
            reports[item.row.number] = _figures_row(ctx, item, previous.get(item.key))
    return common.report(ctx, "base_info", (reports[row.number] for row in rows))


def _figures_row(
    ctx: RegistryContext, item: _FiguresRow, previous: domain.Snapshot | None
) -> RowReport:
    values = item.row.values
    try:
        recorded = use_cases.record_figures_of(
            ctx,
            grid=item.grid,
            sub_category=item.sub,
            as_of=item.as_of,
            expected=values["expected"],
            collected=values["collected"],
            verified=values["verified"],
            previous=previous,
            now=ctx.now(),
        )
    except InvalidInput as exc:
        return common.rejected(item.row, common.problems(exc, _HEADERS), item.grid.code)
    except Conflict as exc:
        return common.rejected(
            item.row, [common.changed_meanwhile("统计日期", exc)], item.grid.code
        )
    return common.outcome(item.row, _OUTCOMES[recorded.outcome], item.grid.code)


def export_base_info(ctx: RegistryContext, *, as_of: date | None = None) -> common.Export:
    """The latest figures on or before ``as_of`` (default today), each with its own date, in
    the import layout: re-importing the file changes nothing."""
    day_ = as_of or domain.tenant_today(ctx.now())
    snapshots = use_cases.latest_snapshots(ctx, as_of=day_)
    codes = ctx.grid_directory.by_ids({s.grid_id for s in snapshots})
    labels = {(sub.category, sub.code): sub.label for sub in use_cases.sub_categories(ctx)}
    rows: list[dict[str, Any]] = [
        {
            "grid_code": codes[s.grid_id].code if s.grid_id in codes else s.grid_id,
            "category": domain.CATEGORY_LABELS[s.category],
            "sub_category": labels.get((s.category, s.sub_category), s.sub_category),
            "expected": s.figures.expected,
            "collected": s.figures.collected,
            "verified": s.figures.verified,
            "as_of": s.as_of,
        }
        for s in snapshots
    ]
    return common.Export(name="base-info", data=write_sheet(COLUMNS, rows, title="基础信息"))
