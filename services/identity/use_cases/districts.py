"""District use cases (platform admins)."""

from __future__ import annotations

from services.identity.domain import districts as domain
from services.identity.use_cases.context import PlatformContext
from shared.errors import NotFound
from shared.mongo import Page


def create_district(ctx: PlatformContext, *, district_id: str, name: str) -> domain.District:
    """Register a district; `Conflict` (409) when the id is taken."""
    district = domain.register_district(
        district_id=district_id, name=name, actor=ctx.actor, now=ctx.now()
    )
    return ctx.districts.add_district(district)


def get_district(ctx: PlatformContext, *, district_id: str) -> domain.District:
    """The district, or `NotFound`."""
    district = ctx.districts.find_district(district_id)
    if district is None:
        raise NotFound(f"district {district_id} not found")
    return district


def list_districts(ctx: PlatformContext, *, offset: int, limit: int) -> Page[domain.District]:
    """One page of districts ordered by id."""
    return ctx.districts.list_districts(offset=offset, limit=limit)
