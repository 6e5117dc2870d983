"""Divisions: the villages (村) and communities (社区) a tenant divides its territory into."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from shared.clock import require_aware
from shared.errors import InvalidInput

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
NAME_MAX = 64


class DivisionKind(StrEnum):
    """村 or 社区: rules in the assessment schemes differ by kind."""

    VILLAGE = "village"
    COMMUNITY = "community"


@dataclass(frozen=True)
class _DivisionEvent:
    """What every division event carries: ids and labels only, never personal data."""

    division_id: str
    code: str
    name: str
    kind: DivisionKind

    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.division_id

    def _labels(self) -> dict[str, Any]:
        return {
            "division_id": self.division_id,
            "code": self.code,
            "name": self.name,
            "kind": self.kind.value,
        }


@dataclass(frozen=True)
class DivisionCreated(_DivisionEvent):
    """A division was registered."""

    created_by: str
    occurred_at: datetime

    type: ClassVar[str] = "division.created"

    def payload(self) -> dict[str, Any]:
        """The `division.created` v1 payload."""
        return {**self._labels(), "created_by": self.created_by}


@dataclass(frozen=True)
class Division:
    division_id: str
    tenant_id: str
    code: str
    name: str
    kind: DivisionKind
    created_at: datetime
    created_by: str


def register_division(
    *,
    division_id: str,
    tenant_id: str,
    code: str,
    name: str,
    kind: str,
    actor: str,
    now: datetime,
) -> tuple[Division, DivisionCreated]:
    """Build a new division and the event recording it; raises ``InvalidInput``."""
    require_aware(now)
    code = code.strip()
    name = name.strip()
    if not CODE_PATTERN.match(code):
        raise InvalidInput.of(
            "code", "1-32 letters, digits, '-' or '_', starting with a letter or digit"
        )
    if not name or len(name) > NAME_MAX:
        raise InvalidInput.of("name", f"must be 1-{NAME_MAX} characters")
    try:
        division_kind = DivisionKind(kind)
    except ValueError:
        raise InvalidInput.of("kind", "must be one of: village, community") from None
    division = Division(
        division_id=division_id,
        tenant_id=tenant_id,
        code=code,
        name=name,
        kind=division_kind,
        created_at=now,
        created_by=actor,
    )
    event = DivisionCreated(
        division_id=division_id,
        code=code,
        name=name,
        kind=division_kind,
        created_by=actor,
        occurred_at=now,
    )
    return division, event


@dataclass(frozen=True)
class DivisionUpdated(_DivisionEvent):
    """A division's name or kind changed; its code never does (imports match on it)."""

    updated_by: str
    occurred_at: datetime

    type: ClassVar[str] = "division.updated"

    def payload(self) -> dict[str, Any]:
        """The `division.updated` v1 payload."""
        return {**self._labels(), "updated_by": self.updated_by}


def update_division(
    division: Division, *, name: str, kind: str, actor: str, now: datetime
) -> tuple[Division, DivisionUpdated | None]:
    """The division with a new name and kind, and the event; no event when nothing changed."""
    require_aware(now)
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidInput.of("name", f"must be 1-{NAME_MAX} characters")
    try:
        division_kind = DivisionKind(kind)
    except ValueError:
        raise InvalidInput.of("kind", "must be one of: village, community") from None
    if (name, division_kind) == (division.name, division.kind):
        return division, None
    updated = replace(division, name=name, kind=division_kind)
    event = DivisionUpdated(
        division_id=division.division_id,
        code=division.code,
        name=name,
        kind=division_kind,
        updated_by=actor,
        occurred_at=now,
    )
    return updated, event
