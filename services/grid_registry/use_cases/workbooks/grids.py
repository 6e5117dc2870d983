"""Grids (网格) in a workbook: 网格编码, 网格名称, 村社区编码, 网格类型, 边界GeoJSON.

Rows apply in sheet order, and each is checked by its use case against the tenant's active
grids as the rows before it left them, in a dry run as in a real one (a dry run's repositories
answer the overlap check with the grids it pretended to write): when two rows of one workbook
overlap each other, the first lands and the later one is rejected naming the first. A grid
that gives area to a neighbour must therefore come before the neighbour's growing row.
"""

from __future__ import annotations

import json
from typing import Any

from services.grid_registry.domain import divisions as divisions_domain
from services.grid_registry.domain import grids as domain
from services.grid_registry.use_cases import grids as use_cases
from services.grid_registry.use_cases.context import RegistryContext
from services.grid_registry.use_cases.workbooks import common
from shared.errors import Conflict, InvalidInput, NotFound, StateConflict
from shared.workbooks import (
    CellError,
    Column,
    ImportReport,
    Parser,
    Row,
    RowOutcome,
    RowProblem,
    RowReport,
    choice,
    read_sheet,
    text,
    write_sheet,
)

GRID_TYPE_LABELS = {
    "社区网格": domain.GridType.COMMUNITY.value,
    "农村网格": domain.GridType.VILLAGE.value,
    "企业网格": domain.GridType.ENTERPRISE.value,
    "专属网格": domain.GridType.SPECIAL.value,
}
GRID_TYPE_NAMES = {value: label for label, value in GRID_TYPE_LABELS.items()}
# Excel keeps at most 32,767 characters in a cell: longer boundaries belong in the JSON API.
CELL_MAX = 32_767


def _geojson() -> Parser:
    """GeoJSON typed into a cell -> the parsed object (the domain then checks the polygon)."""
    as_text = text(CELL_MAX)

    def parse(value: Any) -> Any:
        try:
            return json.loads(as_text(value))
        except ValueError:
            raise CellError("不是有效的 JSON / not valid JSON") from None

    return parse


COLUMNS = (
    Column("code", "网格编码", text(32)),
    Column("name", "网格名称", text(domain.NAME_MAX)),
    Column("division_code", "村社区编码", text(32)),
    Column("type", "网格类型", choice(GRID_TYPE_LABELS)),
    Column("boundary", "边界GeoJSON", _geojson(), aliases=("边界", "GeoJSON")),
)
_HEADERS = {**common.headers(COLUMNS), "division_id": "村社区编码"}


def import_grids(ctx: RegistryContext, *, data: bytes) -> ImportReport:
    """Create new codes, rename/retype and re-draw existing grids, leave identical ones."""
    rows = read_sheet(data, COLUMNS)
    # A copy with a bad cell still makes its code ambiguous: every row carrying it counts.
    duplicated = common.duplicates(
        {row.number: row.values["code"] for row in rows if "code" in row.values}
    )
    known = ctx.divisions.divisions_by_code(
        {row.values["division_code"] for row in rows if "division_code" in row.values}
    )
    existing = {grid.code: grid for grid in common.every(ctx.grids.list_grids)}
    reports: list[RowReport] = []
    for row in rows:
        code = row.values.get("code")
        problems = list(row.problems)
        if row.number in duplicated:
            problems.append(common.duplicate_problem("网格编码"))
        if problems:
            reports.append(common.rejected(row, problems, code))
            continue
        current = existing.get(row.values["code"])
        division = known.get(row.values["division_code"])
        reports.append(_grid_row(ctx, row, current, division))
    return common.report(ctx, "grids", reports)


def _grid_row(
    ctx: RegistryContext,
    row: Row,
    current: domain.Grid | None,
    division: divisions_domain.Division | None,
) -> RowReport:
    code = row.values["code"]
    problems: list[RowProblem] = []
    if division is None:
        problems.append(RowProblem("村社区编码", "没有这个村社区 / no such division in the tenant"))
    elif current is not None and current.division_id != division.division_id:
        owner = ctx.divisions.find_division(current.division_id)
        problems.append(
            RowProblem(
                "村社区编码",
                f"网格属于 {owner.code if owner else current.division_id}，导入不能改村社区 "
                "/ the grid belongs to another division; import does not move grids",
            )
        )
    try:
        # Parsed here too so that a bad boundary is reported with the row's other problems,
        # and so that an unchanged one is recognised as a shape.
        shape = domain.validate_shape(row.values["boundary"])
    except InvalidInput as exc:
        problems.extend(common.problems(exc, _HEADERS))
    if problems:
        return common.rejected(row, problems, code)
    assert division is not None  # narrowed by the problems check above
    try:
        if current is None:
            result = _create_grid(ctx, row, division)
        else:
            result = _change_grid(ctx, row, current, shape)
    except InvalidInput as exc:
        return common.rejected(row, common.problems(exc, _HEADERS), code)
    except StateConflict as exc:
        return common.rejected(row, [RowProblem("网格编码", f"已撤销 / {exc}")], code)
    except (Conflict, NotFound) as exc:
        # Another writer created, changed or retired this grid between our read and our write.
        return common.rejected(row, [common.changed_meanwhile("网格编码", exc)], code)
    return common.outcome(row, result, code)


def _create_grid(ctx: RegistryContext, row: Row, division: divisions_domain.Division) -> RowOutcome:
    values = row.values
    use_cases.create_grid(
        ctx,
        division_id=division.division_id,
        code=values["code"],
        name=values["name"],
        type=values["type"],
        boundary=values["boundary"],
    )
    return RowOutcome.CREATED


def _change_grid(
    ctx: RegistryContext, row: Row, current: domain.Grid, shape: domain.Shape
) -> RowOutcome:
    name, type_ = row.values["name"], row.values["type"]
    renamed = name != current.name or type_ != current.type.value
    # Topological equality: the same polygon typed from another vertex is no change.
    redrawn = not shape.geometry.equals(current.shape())
    if not renamed and not redrawn:
        return RowOutcome.UNCHANGED
    # The row's cells were all checked above, so only a concurrent writer (or the grid's being
    # retired, which the first write reports) can come between the two writes.
    if redrawn:
        use_cases.change_boundary(ctx, grid_id=current.grid_id, boundary=row.values["boundary"])
    if renamed:
        use_cases.update_grid(ctx, grid_id=current.grid_id, name=name, type=type_)
    return RowOutcome.UPDATED


def export_grids(ctx: RegistryContext) -> common.Export:
    """Every active grid in the import layout (re-importing it changes nothing)."""
    codes = {d.division_id: d.code for d in common.every(ctx.divisions.list_divisions)}
    rows = [
        {
            "code": grid.code,
            "name": grid.name,
            "division_code": codes.get(grid.division_id, grid.division_id),
            "type": GRID_TYPE_NAMES[grid.type.value],
            "boundary": json.dumps(grid.boundary, separators=(",", ":")),
        }
        for grid in ctx.grids.active_grids()
    ]
    return common.Export(name="grids", data=write_sheet(COLUMNS, rows, title="网格"))
