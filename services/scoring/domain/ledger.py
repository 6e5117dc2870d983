"""The metric ledger: facts the scoring service learns from other services' events.

Each fact is derived from exactly one event and keyed by that event's id, so recording the
same event twice yields the same ledger (at-least-once delivery counts once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any


class UnusableFact(ValueError):
    """The event cannot become a fact (missing or malformed payload field)."""


@dataclass(frozen=True)
class LedgerEntry:
    """One line of the ledger: ``metric`` of ``subject`` changed by ``value`` at ``occurred_at``."""

    event_id: str
    tenant_id: str
    event_type: str
    subject_kind: str
    subject_id: str
    metric: str
    value: Decimal
    occurred_at: datetime
    attributes: Mapping[str, str]


def _required(payload: Mapping[str, Any], field: str) -> str:
    value = payload.get(field)
    if not isinstance(value, str) or not value:
        raise UnusableFact(f"payload.{field} is missing or not a string")
    return value


def fact_from_division_created(
    *, event_id: str, tenant_id: str, occurred_at: datetime, payload: Mapping[str, Any]
) -> LedgerEntry:
    """A registered division counts once towards the tenant's ``registry.divisions`` metric."""
    return LedgerEntry(
        event_id=event_id,
        tenant_id=tenant_id,
        event_type="division.created",
        subject_kind="division",
        subject_id=_required(payload, "division_id"),
        metric="registry.divisions",
        value=Decimal(1),
        occurred_at=occurred_at,
        attributes={
            "code": _required(payload, "code"),
            "name": _required(payload, "name"),
            "kind": _required(payload, "kind"),
        },
    )
