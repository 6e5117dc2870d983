"""What the importers' tests share: workbooks built in memory, boundaries, the events and
documents stored, and the dry run followed by the real one on the same file."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook
from prometheus_client import REGISTRY

from services.grid_registry.use_cases import divisions as division_cases
from services.grid_registry.use_cases import grids as grid_cases
from services.grid_registry.use_cases.context import RegistryContext
from shared.auth import Role
from shared.events.envelope import Envelope
from shared.mongo import TenantDocument, tenant_documents
from shared.workbooks import ImportReport

TENANT = "tenant-a"
Importer = Callable[..., ImportReport]


def context(tenant: str = TENANT) -> RegistryContext:
    """A tenant admin's request (the importers' callers: tenant admins and centre staff)."""
    return RegistryContext(
        tenant_id=tenant,
        actor="admin-a",
        correlation_id="req-import",
        roles=frozenset({Role.TENANT_ADMIN}),
    )


def workbook(headers: tuple[str, ...], *rows: tuple[Any, ...]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def box(west: float, east: float) -> dict[str, Any]:
    """A boundary from ``west`` to ``east`` (degrees), one band of latitude for every grid."""
    ring = [[west, 31.70], [east, 31.70], [east, 31.71], [west, 31.71], [west, 31.70]]
    return {"type": "Polygon", "coordinates": [ring]}


def make_division(code: str) -> str:
    return division_cases.create_division(
        context(), code=code, name=code, kind="village"
    ).division_id


def make_grid(division_id: str, code: str, west: float, east: float | None = None) -> str:
    """An active grid from ``west`` to ``east`` (default: 0.01 degrees wide)."""
    grid = grid_cases.create_grid(
        context(),
        division_id=division_id,
        code=code,
        name=code,
        type="community",
        boundary=box(west, west + 0.01 if east is None else east),
    )
    return grid.grid_id


def events(document: type[TenantDocument], by: str | None = None) -> list[Any]:
    """The types of the events in the outboxes of the tenant's ``document``s, sorted; each
    with the document's ``by`` field when given."""
    found = [
        (getattr(doc, by) if by else None, Envelope.parse(entry.envelope).type)
        for doc in document.objects(tenant_id=TENANT)
        for entry in doc.outbox
    ]
    return sorted(found if by else [kind for _, kind in found])


def stored(tenant: str = TENANT) -> dict[str, list[dict[str, Any]]]:
    """Every document of the tenant in every collection, as stored (outboxes included)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for document in tenant_documents():
        collection = document._get_collection()
        docs = list(collection.find({"tenant_id": tenant}).sort("_id"))
        if docs:
            found[collection.name] = docs
    return found


def dry_then_real(
    run: Importer, data: bytes, ctx: RegistryContext | None = None
) -> tuple[ImportReport, ImportReport]:
    """The file imported as a dry run, then for real: the dry run wrote nothing, and both
    answered the same report row for row."""
    ctx = ctx or context()
    before = stored(ctx.tenant_id)
    dry = run(ctx.as_dry_run(), data=data)
    assert stored(ctx.tenant_id) == before
    real = run(ctx, data=data)
    assert (dry.dry_run, real.dry_run) == (True, False)
    assert dry.rows == real.rows
    return dry, real


def outcomes(report: ImportReport) -> list[tuple[str | None, str]]:
    return [(row.key, row.outcome.value) for row in report.rows]


def problems(report: ImportReport) -> dict[int, list[tuple[str | None, str]]]:
    return {
        row.number: [(p.column, p.reason) for p in row.problems]
        for row in report.rows
        if row.problems
    }


def counted(sheet: str, outcome: str, mode: str) -> float:
    labels = {"sheet": sheet, "outcome": outcome, "mode": mode}
    return REGISTRY.get_sample_value("gridgov_registry_import_rows_total", labels) or 0.0
