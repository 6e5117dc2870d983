"""Divisions (村/社区) in a workbook: 村社区编码, 村社区名称, 类型 (村/社区)."""

from __future__ import annotations

from services.grid_registry.domain import divisions as domain
from services.grid_registry.use_cases import divisions as use_cases
from services.grid_registry.use_cases.context import RegistryContext
from services.grid_registry.use_cases.workbooks import common
from shared.errors import Conflict, InvalidInput, NotFound
from shared.workbooks import (
    Column,
    ImportReport,
    Row,
    RowOutcome,
    RowReport,
    choice,
    read_sheet,
    text,
    write_sheet,
)

KIND_LABELS = {"村": "village", "社区": "community"}
KIND_NAMES = {value: label for label, value in KIND_LABELS.items()}
COLUMNS = (
    Column("code", "村社区编码", text(32), aliases=("编码",)),
    Column("name", "村社区名称", text(domain.NAME_MAX), aliases=("名称",)),
    Column("kind", "类型", choice(KIND_LABELS)),
)
_HEADERS = common.headers(COLUMNS)


def import_divisions(ctx: RegistryContext, *, data: bytes) -> ImportReport:
    """Create new codes, update changed names/kinds, leave the rest: one report per row."""
    rows = read_sheet(data, COLUMNS)
    duplicated = common.duplicates({row.number: row.values["code"] for row in rows if row.ok})
    existing = ctx.divisions.divisions_by_code({row.values["code"] for row in rows if row.ok})
    reports: list[RowReport] = []
    for row in rows:
        if not row.ok:
            reports.append(common.rejected(row, row.problems, row.values.get("code")))
        elif row.number in duplicated:
            problem = common.duplicate_problem("村社区编码")
            reports.append(common.rejected(row, [problem], row.values["code"]))
        else:
            reports.append(_division_row(ctx, row, existing.get(row.values["code"])))
    return common.report(ctx, "divisions", reports)


def _division_row(ctx: RegistryContext, row: Row, current: domain.Division | None) -> RowReport:
    code, name, kind = row.values["code"], row.values["name"], row.values["kind"]
    try:
        if current is None:
            use_cases.create_division(ctx, code=code, name=name, kind=kind)
            return common.outcome(row, RowOutcome.CREATED, code)
        _, changed = use_cases.update_division(
            ctx, division_id=current.division_id, name=name, kind=kind
        )
    except InvalidInput as exc:
        return common.rejected(row, common.problems(exc, _HEADERS), code)
    except (Conflict, NotFound) as exc:
        # Another writer created or removed this code between our read and our write.
        return common.rejected(row, [common.changed_meanwhile("村社区编码", exc)], code)
    return common.outcome(row, RowOutcome.UPDATED if changed else RowOutcome.UNCHANGED, code)


def export_divisions(ctx: RegistryContext) -> common.Export:
    """Every division of the tenant in the import layout (re-importing it changes nothing)."""
    rows = [
        {"code": d.code, "name": d.name, "kind": KIND_NAMES[d.kind.value]}
        for d in common.every(ctx.divisions.list_divisions)
    ]
    return common.Export(name="divisions", data=write_sheet(COLUMNS, rows, title="村社区"))
