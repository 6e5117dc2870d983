"""Base-information repositories: snapshots of figures and the tenant's own sub-categories."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.grid_registry.documents.base_info import (
    BaseInfoSnapshotDocument,
    BaseInfoSubCategoryDocument,
)
from services.grid_registry.domain.base_info import Category, Figures, Snapshot, SubCategory
from services.grid_registry.repository.grids import GridRepository
from shared.events.domain import DomainEvent
from shared.mongo import TenantRepository

_GRID_PAGE = 500

SnapshotKey = tuple[str, Category, str, date]
"""grid_id, category, sub_category, as_of: what makes a snapshot unique."""

_LIST_FIELDS = (
    "_id",
    "grid_id",
    "division_id",
    "category",
    "sub_category",
    "as_of",
    "expected",
    "collected",
    "verified",
    "recorded_at",
    "recorded_by",
)


class SnapshotRepository(TenantRepository[BaseInfoSnapshotDocument]):
    document = BaseInfoSnapshotDocument

    def find_snapshot(
        self, *, grid_id: str, category: Category, sub_category: str, as_of: date
    ) -> Snapshot | None:
        doc = self._query(
            grid_id=grid_id, category=category, sub_category=sub_category, as_of=as_of.isoformat()
        ).first()
        return None if doc is None else _raw_to_domain(self.tenant_id, doc.to_mongo())

    def record_snapshot(self, snapshot: Snapshot, events: Sequence[DomainEvent]) -> Snapshot:
        """Insert the snapshot or replace the figures stored for its date, with its events, in
        one write; `Conflict` when another writer created the same date first."""
        doc = self.get(snapshot.snapshot_id)
        if doc is None:
            doc = BaseInfoSnapshotDocument(
                snapshot_id=snapshot.snapshot_id,
                tenant_id=snapshot.tenant_id,
                grid_id=snapshot.grid_id,
                category=snapshot.category,
                sub_category=snapshot.sub_category,
                as_of=snapshot.as_of.isoformat(),
            )
            _fill(doc, snapshot)
            self.add(doc, events)
        else:
            _fill(doc, snapshot)
            self.save(doc, events)
        return snapshot

    def snapshots_until(
        self, as_of: date, *, division_id: str | None = None, grid_id: str | None = None
    ) -> list[Snapshot]:
        """Every snapshot dated on or before ``as_of`` (optionally of one division or grid)."""
        filters: dict[str, Any] = {"as_of__lte": as_of.isoformat()}
        if division_id is not None:
            filters["division_id"] = division_id
        if grid_id is not None:
            filters["grid_id"] = grid_id
        # Raw dicts without the outbox: a tenant's history is read whole to pick the latest.
        rows = self._query(**filters).only(*_LIST_FIELDS[1:]).as_pymongo()
        return [_raw_to_domain(self.tenant_id, row) for row in rows]

    def snapshots_on(
        self, *, grid_ids: Collection[str], dates: Collection[date]
    ) -> dict[SnapshotKey, Snapshot]:
        """The snapshots of these grids on these dates, by (grid, category, sub, date)."""
        if not grid_ids or not dates:
            return {}
        rows = (
            self._query(grid_id__in=list(grid_ids), as_of__in=[d.isoformat() for d in dates])
            .only(*_LIST_FIELDS[1:])
            .as_pymongo()
        )
        found = (_raw_to_domain(self.tenant_id, row) for row in rows)
        return {(s.grid_id, s.category, s.sub_category, s.as_of): s for s in found}


class SubCategoryRepository(TenantRepository[BaseInfoSubCategoryDocument]):
    document = BaseInfoSubCategoryDocument

    def add_sub_category(self, sub: SubCategory, *, actor: str, now: datetime) -> SubCategory:
        """Store a tenant sub-category; `Conflict` when the code is taken in its category."""
        self.add(
            BaseInfoSubCategoryDocument(
                tenant_id=self.tenant_id,
                category=sub.category,
                code=sub.code,
                label=sub.label,
                created_at=now,
                created_by=actor,
            )
        )
        return sub

    def custom_sub_categories(self) -> list[SubCategory]:
        docs: Iterable[BaseInfoSubCategoryDocument] = self._query().order_by("category", "code")
        return [
            SubCategory(category=doc.category, code=doc.code, label=doc.label, custom=True)
            for doc in docs
        ]


@dataclass(frozen=True)
class GridRef:
    """What base information needs to know about a grid: its id, code and division."""

    grid_id: str
    code: str
    division_id: str


class GridDirectory:
    """The tenant's grids as base information sees them, read through `GridRepository`."""

    def __init__(self, grids: GridRepository) -> None:
        self.grids = grids

    def by_ids(self, grid_ids: Collection[str]) -> dict[str, GridRef]:
        found = self.grids.find_grids(grid_ids)
        return {grid_id: GridRef(g.grid_id, g.code, g.division_id) for grid_id, g in found.items()}

    def by_codes(self, codes: Collection[str]) -> dict[str, GridRef]:
        wanted = set(codes)
        found: dict[str, GridRef] = {}
        offset = 0
        # Paged over the whole tenant: one query per 500 grids instead of one per row.
        while wanted:
            page = self.grids.list_grids(offset=offset, limit=_GRID_PAGE)
            for grid in page.items:
                if grid.code in wanted:
                    found[grid.code] = GridRef(grid.grid_id, grid.code, grid.division_id)
            offset += _GRID_PAGE
            if offset >= page.total:
                break
        return found


def _fill(doc: BaseInfoSnapshotDocument, snapshot: Snapshot) -> None:
    doc.division_id = snapshot.division_id
    doc.expected = snapshot.figures.expected
    doc.collected = snapshot.figures.collected
    doc.verified = snapshot.figures.verified
    doc.recorded_at = snapshot.recorded_at
    doc.recorded_by = snapshot.recorded_by


def _raw_to_domain(tenant_id: str, row: Mapping[str, Any]) -> Snapshot:
    recorded_at: datetime = row["recorded_at"]
    return Snapshot(
        snapshot_id=row["_id"],
        tenant_id=tenant_id,
        grid_id=row["grid_id"],
        division_id=row["division_id"],
        category=Category(row["category"]),
        sub_category=row["sub_category"],
        as_of=date.fromisoformat(row["as_of"]),
        figures=Figures(
            expected=row["expected"], collected=row["collected"], verified=row["verified"]
        ),
        recorded_at=recorded_at,
        recorded_by=row["recorded_by"],
    )
