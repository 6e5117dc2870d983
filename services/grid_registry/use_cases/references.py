"""Ids a request names in its body or query: each must be one of the caller's tenant's.

Another tenant's id, or a made-up one, is a 422 naming the field (the request is wrong, not the
resource it was sent to); ids in the path are the resource itself and answer 404 where the use
case looks them up. Users are the tenant's accounts as identity announced them by its events
(`RegistryContext.accounts`): a user invited moments ago becomes known within seconds.
"""

from __future__ import annotations

from services.grid_registry.domain.divisions import Division
from services.grid_registry.domain.grids import Grid
from services.grid_registry.use_cases.context import RegistryContext
from shared.errors import InvalidInput


def require_division(ctx: RegistryContext, division_id: str) -> Division:
    """The tenant's division ``division_id``, else 422 naming ``division_id``."""
    division = ctx.divisions.find_division(division_id)
    if division is None:
        raise InvalidInput.of("division_id", "no such division in this tenant")
    return division


def require_grid(ctx: RegistryContext, grid_id: str) -> Grid:
    """The tenant's grid ``grid_id`` (of any status), else 422 naming ``grid_id``."""
    grid = ctx.grids.find_grid(grid_id)
    if grid is None:
        raise InvalidInput.of("grid_id", "no such grid in this tenant")
    return grid


def require_user(ctx: RegistryContext, user_id: str | None) -> None:
    """``user_id``, when given, is one of the tenant's accounts (enabled or not), else 422
    naming ``user_id``."""
    if user_id is not None and not ctx.accounts.has_user(user_id):
        raise InvalidInput.of(
            "user_id",
            f"no user {user_id} in this tenant (a user invited moments ago becomes known here "
            "within seconds, once identity's event about the account arrives)",
        )
