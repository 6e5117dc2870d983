"""Mapping helpers the intake repositories share: stored instants back to aware UTC, epoch
milliseconds for the overdue scans, and the history entries of the workflows (events, tasks,
inspections) to and from their embedded documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import Field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol, TypeVar

from services.event_intake.documents.workflow import HistoryEntryDocument
from services.event_intake.domain.workflow import ActingAs, HistoryEntry
from shared.events.domain import DomainEvent
from shared.mongo import TenantDocument, TenantRepository

A = TypeVar("A", bound=StrEnum)
S = TypeVar("S", bound=StrEnum)


class Revised(Protocol):
    """An immutable aggregate (a dataclass) with the optimistic-lock counter it was read at."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    @property
    def revision(self) -> int: ...


R = TypeVar("R", bound=Revised)


def aware(moment: datetime | None) -> datetime | None:
    """Stored datetimes may come back naive (UTC); the domain speaks aware UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def required(moment: datetime | None) -> datetime:
    """`aware` for a field that always holds an instant."""
    found = aware(moment)
    if found is None:  # pragma: no cover - required fields
        raise ValueError("a required instant is missing")
    return found


def epoch_ms(moment: datetime) -> int:
    """An instant as epoch milliseconds (the scheduler's `due_ms`)."""
    return int(moment.astimezone(UTC).timestamp() * 1000)


def inserted(
    repository: TenantRepository[Any],
    aggregate: R,
    doc: TenantDocument,
    events: Sequence[DomainEvent],
) -> R:
    """Insert a new aggregate's document with its events; `Conflict` when its id exists (a
    retried create with the same client request id: the caller reads the first one)."""
    repository.add(doc, events)
    return replace(aggregate, revision=1)


def written_back(
    repository: TenantRepository[Any],
    aggregate: R,
    doc: TenantDocument,
    events: Sequence[DomainEvent],
) -> R:
    """Write back the document of an aggregate read at ``aggregate.revision`` with its events;
    `ConcurrentUpdate` when another write landed first."""
    doc.revision = aggregate.revision
    repository.save(doc, events)
    return replace(aggregate, revision=aggregate.revision + 1)


def entry_fields(entry: HistoryEntry[Any, Any]) -> dict[str, Any]:
    """The stored fields of one history entry (an aggregate's own extras are added by it)."""
    return {
        "action": entry.action.value,
        "actor": entry.actor,
        "acting_as": entry.acting_as.value,
        "at": entry.at,
        "from_state": None if entry.from_state is None else entry.from_state.value,
        "to_state": entry.to_state.value,
        "reason": entry.reason,
        "request_id": entry.request_id,
    }


def entry_values(doc: HistoryEntryDocument, actions: type[A], states: type[S]) -> dict[str, Any]:
    """The domain values of one stored history entry, read with the aggregate's enums."""
    return {
        "action": actions(doc.action),
        "actor": doc.actor,
        "acting_as": ActingAs(doc.acting_as),
        "at": required(doc.at),
        "from_state": None if doc.from_state is None else states(doc.from_state),
        "to_state": states(doc.to_state),
        "reason": doc.reason,
        "request_id": doc.request_id,
    }


def narrow(
    filters: dict[str, Any], name: str, chosen: str | None, allowed: frozenset[str] | None
) -> bool:
    """Narrow a list's `filters` on the field `name` to what the caller may see (`allowed`,
    None: anything) and asked for (`chosen`); False when nothing can match. One value stays an
    equality PostgreSQL answers; several are FerretDB's `$in`, after the tenant and the other
    equalities narrowed the rows."""
    if allowed is None:
        return True
    values = sorted(allowed)
    if chosen is not None:
        values = [chosen] if chosen in allowed else []
    if not values:
        return False
    if len(values) == 1:
        filters[name] = values[0]
    else:
        filters.pop(name, None)
        filters[f"{name}__in"] = values
    return True
