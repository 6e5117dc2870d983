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


def fact_from_division_created(
    *, event_id: str, tenant_id: str, occurred_at: datetime, payload: Mapping[str, Any]
) -> LedgerEntry:
    """A registered division counts once towards the tenant's ``registry.divisions`` metric.

    `payload` passed the ``division.created`` contract at the consumer's edge: not checked
    again here."""
    return LedgerEntry(
        event_id=event_id,
        tenant_id=tenant_id,
        event_type="division.created",
        subject_kind="division",
        subject_id=payload["division_id"],
        metric="registry.divisions",
        value=Decimal(1),
        occurred_at=occurred_at,
        attributes={
            "code": payload["code"],
            "name": payload["name"],
            "kind": payload["kind"],
        },
    )
