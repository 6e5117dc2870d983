"""Districts (区): the level above tenants that oversees and compares them, never edits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput

DISTRICT_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,39}$")
NAME_MAX = 64


@dataclass(frozen=True)
class District:
    district_id: str
    name: str
    created_at: datetime
    created_by: str


def register_district(*, district_id: str, name: str, actor: str, now: datetime) -> District:
    """A new district; raises ``InvalidInput`` naming every bad field."""
    require_aware(now)
    district_id, name = district_id.strip(), name.strip()
    problems: list[tuple[str, str]] = []
    if not DISTRICT_ID_PATTERN.match(district_id):
        problems.append(("district_id", "3-40 lower-case letters, digits or '-'"))
    if not name or len(name) > NAME_MAX:
        problems.append(("name", f"must be 1-{NAME_MAX} characters"))
    if problems:
        raise InvalidInput([FieldProblem(field, reason) for field, reason in problems])
    return District(district_id=district_id, name=name, created_at=now, created_by=actor)
