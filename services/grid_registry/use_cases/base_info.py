"""Base-information use cases: record figures, list them as of a date, sum them up."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from services.grid_registry.domain import base_info as domain
from services.grid_registry.domain.subjects import Viewer
from services.grid_registry.repository.base_info import (
    GridDirectory,
    GridRef,
    SnapshotRepository,
    SubCategoryRepository,
)
from services.grid_registry.use_cases import PRODUCER
from shared.errors import PermissionDenied
from shared.mongo import NotFound, Page, PendingEvent

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def sub_categories(*, repo: SubCategoryRepository) -> list[domain.SubCategory]:
    """The platform's default sub-categories followed by the tenant's own."""
    return [*domain.default_sub_categories(), *repo.custom_sub_categories()]


def add_sub_category(
    *,
    repo: SubCategoryRepository,
    actor: str,
    category: str,
    sub_category: str,
    label: str,
    clock: Clock = _utc_now,
) -> domain.SubCategory:
    """Add a tenant sub-category under a category; 422 when the code is taken."""
    sub = domain.add_sub_category(
        category=category, code=sub_category, label=label, existing=sub_categories(repo=repo)
    )
    return repo.add_sub_category(sub, actor=actor, now=clock())


@dataclass(frozen=True)
class Recorded:
    """A recording and what it did: ``created``, ``replaced`` (same date recorded again, new
    figures) or ``unchanged`` (same date, same figures: no event)."""

    snapshot: domain.Snapshot
    outcome: str


def recorded_event(
    event: domain.FiguresRecorded, *, tenant_id: str, correlation_id: str | None
) -> PendingEvent:
    """The outbox entry of a `baseinfo.recorded` event."""
    return PendingEvent.record(
        type=event.type,
        version=event.version,
        tenant_id=tenant_id,
        aggregate_id=event.grid_id,
        payload={
            "grid_id": event.grid_id,
            "division_id": event.division_id,
            "category": event.category.value,
            "sub_category": event.sub_category,
            "expected": event.figures.expected,
            "collected": event.figures.collected,
            "verified": event.figures.verified,
            "as_of": event.as_of.isoformat(),
            "actor": event.actor,
        },
        producer=PRODUCER,
        correlation_id=correlation_id,
        occurred_at=event.occurred_at,
    )


def plan_figures(
    *,
    tenant_id: str,
    grid: GridRef,
    sub_category: domain.SubCategory,
    as_of: date,
    expected: int,
    collected: int,
    verified: int,
    previous: domain.Snapshot | None,
    actor: str,
    now: datetime,
) -> tuple[Recorded, domain.FiguresRecorded | None]:
    """What recording these figures would do, without writing (shared by PUT and imports)."""
    snapshot, event = domain.record_figures(
        snapshot_id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        grid_id=grid.grid_id,
        division_id=grid.division_id,
        sub_category=sub_category,
        as_of=as_of,
        expected=expected,
        collected=collected,
        verified=verified,
        previous=previous,
        actor=actor,
        now=now,
    )
    outcome = "unchanged" if event is None else "replaced" if event.replaced else "created"
    return Recorded(snapshot=snapshot, outcome=outcome), event


def record_figures(
    *,
    repo: SnapshotRepository,
    subs: SubCategoryRepository,
    grids: GridDirectory,
    actor: str,
    grid_id: str,
    category: str,
    sub_category: str,
    expected: int,
    collected: int,
    verified: int,
    as_of: date,
    viewer: Viewer | None = None,
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> Recorded:
    """Record one grid's figures for a sub-category and date; recording the same date again
    replaces that date's figures. Publishes `baseinfo.recorded` unless nothing changed.

    With a ``viewer`` (the caller), only the tenant centre and the grid's own team may record:
    a grid worker collects the figures of his grid, not of his neighbour's."""
    grid = grids.by_ids([grid_id]).get(grid_id)
    if grid is None:
        raise NotFound(f"grid {grid_id} not found")
    if viewer is not None and not viewer.may_see(grid_id):
        raise PermissionDenied(
            "only the tenant centre and the grid's own team may record its figures"
        )
    parsed = domain.parse_category(category)
    sub = domain.resolve_sub_category(parsed, sub_category, sub_categories(repo=subs))
    previous = repo.find_snapshot(
        grid_id=grid_id, category=parsed, sub_category=sub.code, as_of=as_of
    )
    recorded, event = plan_figures(
        tenant_id=repo.tenant_id,
        grid=grid,
        sub_category=sub,
        as_of=as_of,
        expected=expected,
        collected=collected,
        verified=verified,
        previous=previous,
        actor=actor,
        now=clock(),
    )
    store(repo=repo, recorded=recorded, event=event, correlation_id=correlation_id)
    return recorded


def store(
    *,
    repo: SnapshotRepository,
    recorded: Recorded,
    event: domain.FiguresRecorded | None,
    correlation_id: str | None,
) -> None:
    """Write a planned recording with its `baseinfo.recorded` event (nothing if unchanged)."""
    if event is not None:
        pending = recorded_event(event, tenant_id=repo.tenant_id, correlation_id=correlation_id)
        repo.record_snapshot(recorded.snapshot, [pending])


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


def _labels(subs: SubCategoryRepository) -> dict[tuple[domain.Category, str], str]:
    return {(sub.category, sub.code): sub.label for sub in sub_categories(repo=subs)}


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
    *,
    repo: SnapshotRepository,
    as_of: date,
    division_id: str | None = None,
    grid_id: str | None = None,
) -> list[domain.Snapshot]:
    """Per grid and sub-category, the latest snapshot on or before ``as_of``."""
    history = repo.snapshots_until(as_of, division_id=division_id, grid_id=grid_id)
    return domain.latest(history, as_of)


def list_figures(
    *,
    repo: SnapshotRepository,
    subs: SubCategoryRepository,
    offset: int,
    limit: int,
    as_of: date | None = None,
    division_id: str | None = None,
    grid_id: str | None = None,
    clock: Clock = _utc_now,
) -> Page[FiguresLine]:
    """One page of per-grid, per-sub-category figures as of a date (default: today)."""
    day = as_of or domain.tenant_today(clock())
    chosen = latest_snapshots(repo=repo, as_of=day, division_id=division_id, grid_id=grid_id)
    labels = _labels(subs)
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
    *,
    repo: SnapshotRepository,
    by: str,
    offset: int,
    limit: int,
    as_of: date | None = None,
    clock: Clock = _utc_now,
) -> SummaryPage:
    """Sums (and rates of the sums) per division or grid and for the tenant, as of a date."""
    day = as_of or domain.tenant_today(clock())
    tenant, parts = domain.summarize_by(latest_snapshots(repo=repo, as_of=day), by=by)
    page = Page(items=parts[offset : offset + limit], total=len(parts), offset=offset, limit=limit)
    return SummaryPage(as_of=day, by=by, tenant=tenant, items=page)
