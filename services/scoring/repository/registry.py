"""The registry read model's columns the facts bridge attributes facts with.

The read model itself (`shared.registry`) is kept by the worker's registry consumers; its
`RegistryView` decodes every grid with its boundaries (GeoJSON) and history, which a period's
facts never need: who a fact counts for depends on a grid's division, type and validity and on
its team's memberships. These reads take only those scalar columns, answered by PostgreSQL in
one statement each (500 grids: milliseconds, where decoding the documents took ~0.4 s).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.events.domain import EventOrigin
from shared.mongo import TenantRepository
from shared.registry.documents import RegistryGridDocument, RegistryMembershipDocument
from shared.registry.model import GridRef, Membership

_GRID_FIELDS = (
    "grid_id",
    "division_id",
    "code",
    "name",
    "type",
    "status",
    "valid_from",
    "valid_to",
)
_MEMBER_FIELDS = (
    "membership_id",
    "grid_id",
    "division_id",
    "user_id",
    "role",
    "starts_on",
    "ends_on",
)


class _Grids(TenantRepository[RegistryGridDocument]):
    document = RegistryGridDocument


class _Memberships(TenantRepository[RegistryMembershipDocument]):
    document = RegistryMembershipDocument


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


class RegistryHistory:
    """The tenant's grids (without boundaries) and grid-team memberships, past and present."""

    def __init__(
        self, tenant_id: str, origin: EventOrigin | None = None, *, dry_run: bool = False
    ) -> None:
        self._grids = _Grids(tenant_id, origin, dry_run=dry_run)
        self._memberships = _Memberships(tenant_id, origin, dry_run=dry_run)

    def grids(self) -> list[GridRef]:
        """Every grid, in force or not; `boundary` is empty (not read)."""
        return [_grid(row) for row in self._grids.all_values(_GRID_FIELDS)]

    def memberships(self) -> list[Membership]:
        return [_membership(row) for row in self._memberships.all_values(_MEMBER_FIELDS)]


def _grid(row: dict[str, Any]) -> GridRef:
    valid_from = date.fromisoformat(row["valid_from"])
    return GridRef(
        grid_id=row["grid_id"],
        division_id=row["division_id"],
        code=row["code"],
        name=row["name"],
        type=row["type"],
        status=row["status"],
        valid_from=valid_from,
        valid_to=_day(row.get("valid_to")),
        boundary={},
        boundary_valid_from=valid_from,
    )


def _membership(row: dict[str, Any]) -> Membership:
    return Membership(
        membership_id=row["membership_id"],
        grid_id=row["grid_id"],
        division_id=row["division_id"],
        user_id=row.get("user_id"),
        role=row["role"],
        starts_on=date.fromisoformat(row["starts_on"]),
        ends_on=_day(row.get("ends_on")),
    )
