"""`AuditRecord`: one state change as the audit trail keeps it, built from a published outbox
entry (plain Python, no I/O: the relay maps, `shared.audit.repository` stores)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.clock import require_aware
from shared.events.envelope import Envelope

# Payload fields naming what the aggregate came from and what replaced it (a split's part
# names the grid it was split from, the retired grid the parts that replaced it). A field
# `previous_<name>` beside `<name>` is a move: the previous value before, the current after.
BEFORE_FIELDS = ("split_from", "merged_from")
AFTER_FIELDS = ("replaced_by",)
_PREVIOUS = "previous_"


def day_of(moment: datetime) -> str:
    """The UTC day bucket (``2026-11-27``) a moment falls in: what audit reads filter on."""
    return require_aware(moment, "moment").astimezone(UTC).date().isoformat()


def _ids(value: object) -> list[str]:
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list | tuple):
        return [item for item in value if isinstance(item, str) and item]
    return []


def linked_ids(payload: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """``(before_ids, after_ids)`` the payload names (see `BEFORE_FIELDS`, `AFTER_FIELDS`
    and the ``previous_<name>`` rule); empty lists for most events."""
    before = [i for name in BEFORE_FIELDS for i in _ids(payload.get(name))]
    after = [i for name in AFTER_FIELDS for i in _ids(payload.get(name))]
    for name, value in payload.items():
        if name.startswith(_PREVIOUS) and (current := name.removeprefix(_PREVIOUS)) in payload:
            before.extend(_ids(value))
            after.extend(_ids(payload[current]))
    return before, after


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """Who (`actor`) changed what (`aggregate_id`, by an event of `type`/`version`) in which
    tenant, from and to which ids, under which request (`correlation_id`), when it happened
    (`occurred_at`) and when the trail recorded it (`recorded_at`). `event_id` is the
    record's identity: one record per event, however often the relay publishes it."""

    event_id: str
    tenant_id: str
    type: str
    version: int
    aggregate_id: str
    actor: str | None
    correlation_id: str | None
    producer: str
    occurred_at: datetime
    recorded_at: datetime
    before_ids: tuple[str, ...] = ()
    after_ids: tuple[str, ...] = ()

    @property
    def day(self) -> str:
        """The UTC day bucket of `occurred_at`."""
        return day_of(self.occurred_at)

    @classmethod
    def of_entry(
        cls, entry: Mapping[str, Any], *, tenant_id: str, recorded_at: datetime
    ) -> AuditRecord:
        """The record of one outbox entry (as stored: ``event_id``, ``key``, ``envelope``,
        ``actor`` when known) of a document of `tenant_id`. Raises `InvalidMessage` when the
        entry's envelope is not one (the platform never stores such an entry)."""
        envelope = Envelope.parse(entry["envelope"])
        key = str(entry["key"])
        prefix = f"{tenant_id}:"
        aggregate_id = key.removeprefix(prefix) if key.startswith(prefix) else key
        before, after = linked_ids(envelope.payload)
        actor = entry.get("actor")
        return cls(
            event_id=envelope.event_id,
            tenant_id=tenant_id,
            type=envelope.type,
            version=envelope.version,
            aggregate_id=aggregate_id,
            actor=actor if isinstance(actor, str) and actor else None,
            correlation_id=envelope.correlation_id,
            producer=envelope.producer,
            occurred_at=envelope.occurred_at,
            recorded_at=require_aware(recorded_at, "recorded_at"),
            before_ids=tuple(before),
            after_ids=tuple(after),
        )
