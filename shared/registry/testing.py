"""Seeding a tenant's registry read model in one call, for the tests of any service that keeps it.

```python
seed_registry(
    "tenant-a",
    grids=[("g-1", "div-1", "G01", square(120.0, 31.7), date(2026, 1, 1))],
    teams={"g-1": [("worker-1", "full_time_worker", date(2026, 1, 1), None)]},
    subjects=[("s-1", "g-1", "key_person", "weekly", (120.005, 31.705))],
)
```

The read model is recorded through `RegistryView.apply_*`, as the registry's events would
record it (at ``now``, each with a fresh event id): a later call with the same grid id replaces
that grid (a changed polygon becomes its boundary from ``now``'s day), so tests can re-seed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from shared.registry.view import RegistryView

# (grid_id, division_id, code, GeoJSON Polygon/MultiPolygon, valid_from)
GridSeed = tuple[str, str, str, Mapping[str, Any], date | str]
# (user_id, role, starts_on, ends_on or None); roles as in the team contract ("grid_worker"...)
MemberSeed = tuple[str | None, str, date | str, date | str | None]
# (subject_id, grid_id, category, visit_cycle, (lon, lat) or None); active
SubjectSeed = tuple[str, str, str, str, tuple[float, float] | None]


def square(west: float, south: float, side: float = 0.01) -> dict[str, Any]:
    """A GeoJSON Polygon: the axis-aligned square of `side` degrees from (west, south)."""
    east, north = west + side, south + side
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _day(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def seed_registry(
    tenant_id: str,
    grids: Sequence[GridSeed] = (),
    teams: Mapping[str, Sequence[MemberSeed]] | None = None,
    *,
    subjects: Sequence[SubjectSeed] = (),
    grid_type: str = "community",
    now: datetime | None = None,
) -> RegistryView:
    """Record `grids` (active, open-ended, of `grid_type`), `teams` (grid id -> memberships)
    and `subjects` (active) in `tenant_id`'s read model; returns the tenant's view.

    A team's or subject's grid must be among `grids` or seeded before. Membership ids are
    ``<grid_id>-m<n>`` (n from 1 in the order given), so re-seeding a team replaces it.
    """
    when = now or datetime.now(UTC)
    view = RegistryView(tenant_id)
    divisions: dict[str, str] = {}
    for grid_id, division_id, code, boundary, valid_from in grids:
        divisions[grid_id] = division_id
        view.apply_grid(
            {
                "grid_id": grid_id,
                "division_id": division_id,
                "code": code,
                "name": code,
                "type": grid_type,
                "status": "active",
                "boundary": dict(boundary),
                "valid_from": _day(valid_from),
                "valid_to": None,
            },
            occurred_at=when,
            event_id=str(uuid.uuid4()),
        )

    def division_of(grid_id: str) -> str:
        division_id = divisions.get(grid_id) or view.division_of(grid_id)
        if division_id is None:
            raise ValueError(f"seed grid {grid_id} before its team or subjects")
        return division_id

    for grid_id, members in (teams or {}).items():
        division_id = division_of(grid_id)
        for number, (user_id, role, starts_on, ends_on) in enumerate(members, start=1):
            view.apply_membership(
                {
                    "membership_id": f"{grid_id}-m{number}",
                    "grid_id": grid_id,
                    "division_id": division_id,
                    "user_id": user_id,
                    "role": role,
                    "starts_on": _day(starts_on),
                    "ends_on": _day(ends_on),
                },
                occurred_at=when,
                event_id=str(uuid.uuid4()),
            )
    for subject_id, grid_id, category, visit_cycle, location in subjects:
        view.apply_subject(
            {
                "subject_id": subject_id,
                "grid_id": grid_id,
                "division_id": division_of(grid_id),
                "category": category,
                "visit_cycle": visit_cycle,
                "status": "active",
                "location": None if location is None else {"lon": location[0], "lat": location[1]},
            },
            occurred_at=when,
            event_id=str(uuid.uuid4()),
        )
    return view
