"""Base-information use cases: record figures, list them as of a date, sum them up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from services.grid_registry.domain import base_info as domain
from services.grid_registry.repository.base_info import GridRef
from services.grid_registry.use_cases.context import RegistryContext
from services.grid_registry.use_cases.references import require_division, require_grid
from services.grid_registry.use_cases.subjects import viewer_for
from shared.errors import NotFound, PermissionDenied
from shared.mongo import Page


def sub_categories(ctx: RegistryContext) -> list[domain.SubCategory]:
    """The platform's default sub-categories followed by the tenant's own."""
    return [*domain.default_sub_categories(), *ctx.sub_categories.custom_sub_categories()]


def add_sub_category(
    ctx: RegistryContext, *, category: str, sub_category: str, label: str
) -> domain.SubCategory:
    """Add a tenant sub-category under a category; 422 when the code is taken."""
    sub = domain.add_sub_category(
        category=category, code=sub_category, label=label, existing=sub_categories(ctx)
    )
    return ctx.sub_categories.add_sub_category(sub, actor=ctx.actor, now=ctx.now())


@dataclass(frozen=True)
class Recorded:
    """A recording and what it did: ``created``, ``replaced`` (same date recorded again, new
    figures) or ``unchanged`` (same date, same figures: no event)."""

    snapshot: domain.Snapshot
    outcome: str


def record_figures_of(
    ctx: RegistryContext,
    *,
    grid: GridRef,
    sub_category: domain.SubCategory,
    as_of: date,
    expected: int,
    collected: int,
    verified: int,
    previous: domain.Snapshot | None,
    now: datetime,
) -> Recorded:
    """Record figures of a grid and sub-category already looked up (with the snapshot stored
    for that date, if any), at ``now``: `baseinfo.recorded` unless nothing changed. Shared by
    the PUT and the workbook import."""
    snapshot, event = domain.record_figures(
        snapshot_id=str(uuid.uuid4()),
        tenant_id=ctx.tenant_id,
        grid_id=grid.grid_id,
        division_id=grid.division_id,
        sub_category=sub_category,
        as_of=as_of,
        expected=expected,
        collected=collected,
        verified=verified,
        previous=previous,
        actor=ctx.actor,
        now=now,
    )
    if event is not None:
        ctx.snapshots.record_snapshot(snapshot, [event])
    outcome = "unchanged" if event is None else "replaced" if event.replaced else "created"
    return Recorded(snapshot=snapshot, outcome=outcome)


def record_figures(
    ctx: RegistryContext,
    *,
    grid_id: str,
    category: str,
    sub_category: str,
    expected: int,
    collected: int,
    verified: int,
    as_of: date,
) -> Recorded:
    """Record one grid's figures for a sub-category and date; recording the same date again
    replaces that date's figures. Publishes `baseinfo.recorded` unless nothing changed.

    Only the tenant centre and the grid's own team may record: a grid worker collects the
    figures of his grid, not of his neighbour's."""
    now = ctx.now()
    grid = ctx.grid_directory.by_ids([grid_id]).get(grid_id)
    if grid is None:
        raise NotFound(f"grid {grid_id} not found")
    if not viewer_for(ctx, now=now).may_see(grid_id):
        raise PermissionDenied(
            "only the tenant centre and the grid's own team may record its figures"
        )
    parsed = domain.parse_category(category)
    sub = domain.resolve_sub_category(parsed, sub_category, sub_categories(ctx))
    previous = ctx.snapshots.find_snapshot(
        grid_id=grid_id, category=parsed, sub_category=sub.code, as_of=as_of
    )
    return record_figures_of(
        ctx,
        grid=grid,
        sub_category=sub,
        as_of=as_of,
        expected=expected,
        collected=collected,
        verified=verified,
        previous=previous,
        now=now,
    )


@dataclass(frozen=True)
class FiguresLine:
    """One grid and sub-category as of a date: the latest figures and their rates."""

    grid_id: str
    division_id: str
    category: str
    sub_category: str
    sub_category_label: str
    expected: int
    collected: int
    verified: int
    collection_rate: Decimal
    verification_rate: Decimal
    as_of: date
    last_updated_at: datetime
    last_updated_by: str


def _labels(ctx: RegistryContext) -> dict[tuple[domain.Category, str], str]:
    return {(sub.category, sub.code): sub.label for sub in sub_categories(ctx)}


def _line(snapshot: domain.Snapshot, label: str) -> FiguresLine:
    return FiguresLine(
        grid_id=snapshot.grid_id,
        division_id=snapshot.division_id,
        category=snapshot.category.value,
        sub_category=snapshot.sub_category,
        sub_category_label=label,
        expected=snapshot.figures.expected,
        collected=snapshot.figures.collected,
        verified=snapshot.figures.verified,
        collection_rate=snapshot.figures.collection_rate,
        verification_rate=snapshot.figures.verification_rate,
        as_of=snapshot.as_of,
        last_updated_at=snapshot.recorded_at,
        last_updated_by=snapshot.recorded_by,
    )


def latest_snapshots(
    ctx: RegistryContext,
    *,
    as_of: date,
    division_id: str | None = None,
    grid_id: str | None = None,
) -> list[domain.Snapshot]:
    """Per grid and sub-category, the latest snapshot on or before ``as_of``."""
    history = ctx.snapshots.snapshots_until(as_of, division_id=division_id, grid_id=grid_id)
    return domain.latest(history, as_of)


def list_figures(
    ctx: RegistryContext,
    *,
    offset: int,
    limit: int,
    as_of: date | None = None,
    division_id: str | None = None,
    grid_id: str | None = None,
) -> Page[FiguresLine]:
    """One page of per-grid, per-sub-category figures as of a date (default: today); the
    ``division_id`` and ``grid_id`` filters must name the tenant's own (422)."""
    if division_id is not None:
        require_division(ctx, division_id)
    if grid_id is not None:
        require_grid(ctx, grid_id)
    day = as_of or domain.tenant_today(ctx.now())
    chosen = latest_snapshots(ctx, as_of=day, division_id=division_id, grid_id=grid_id)
    labels = _labels(ctx)
    window = chosen[offset : offset + limit]
    items = [_line(s, labels.get((s.category, s.sub_category), s.sub_category)) for s in window]
    return Page(items=items, total=len(chosen), offset=offset, limit=limit)


@dataclass(frozen=True)
class SummaryPage:
    """The tenant total and one page of per-division or per-grid sums, as of a date."""

    as_of: date
    by: str
    tenant: domain.Summary
    items: Page[domain.Summary]


def summarize(
    ctx: RegistryContext, *, by: str, offset: int, limit: int, as_of: date | None = None
) -> SummaryPage:
    """Sums (and rates of the sums) per division or grid and for the tenant, as of a date."""
    day = as_of or domain.tenant_today(ctx.now())
    tenant, parts = domain.summarize_by(latest_snapshots(ctx, as_of=day), by=by)
    page = Page(items=parts[offset : offset + limit], total=len(parts), offset=offset, limit=limit)
    return SummaryPage(as_of=day, by=by, tenant=tenant, items=page)
