"""District use cases (platform admins)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from services.identity.domain import districts as domain
from services.identity.repository.districts import DistrictRepository
from shared.mongo import NotFound, Page


def create_district(
    *,
    repo: DistrictRepository,
    actor: str,
    district_id: str,
    name: str,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> domain.District:
    """Register a district; `Conflict` (409) when the id is taken."""
    district = domain.register_district(
        district_id=district_id, name=name, actor=actor, now=clock()
    )
    return repo.add_district(district)


def get_district(*, repo: DistrictRepository, district_id: str) -> domain.District:
    """The district, or `NotFound`."""
    district = repo.find_district(district_id)
    if district is None:
        raise NotFound(f"district {district_id} not found")
    return district


def list_districts(*, repo: DistrictRepository, offset: int, limit: int) -> Page[domain.District]:
    """One page of districts ordered by id."""
    return repo.list_districts(offset=offset, limit=limit)
