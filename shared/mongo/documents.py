"""`TenantDocument`: the base of every tenant-owned aggregate, with its outbox inside it.

Rules enforced when a subclass is defined (a `TypeError` at import, not a slow query later):
- every index starts with `tenant_id` (so every query a repository makes is index-prefixed and
  no index can serve an untenanted scan);
- no index option FerretDB lacks or silently ignores (TTL, partial, sparse, text, geo, hashed);
- no `unique=True` on a field: a unique field is unique across tenants; declare a unique index
  `("tenant_id", "code")` in `meta["indexes"]` instead.

The outbox: events the aggregate recorded but the relay has not published yet are stored in
the aggregate's own document (`outbox`), written by the same single-document update as the
business change, because FerretDB and standalone MongoDB have no multi-document transactions.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, ClassVar

import mongoengine as me

from shared.events.contracts import contract_for, validate_payload
from shared.events.domain import DomainEvent, EventOrigin
from shared.events.envelope import Envelope

_FORBIDDEN_INDEX_OPTIONS = frozenset(
    {"expireAfterSeconds", "partialFilterExpression", "sparse", "weights", "2dsphereIndexVersion"}
)
# mongoengine index-direction prefixes: - descending, + ascending, $ text, # hashed, ( 2d / geo.
_UNSUPPORTED_PREFIXES = ("$", "#", "(", "*")


class OutboxEntry(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    """One event waiting to be published; removed by the relay after Kafka acknowledged it."""

    event_id = me.StringField(required=True)
    topic = me.StringField(required=True)
    key = me.StringField(required=True)
    # Canonical JSON text of the envelope: what goes on the wire, byte for byte, on every retry.
    envelope = me.StringField(required=True)
    created_at = me.DateTimeField(required=True)
    # Who caused the event (`EventOrigin.actor`), for the audit trail only: never published,
    # so the contracts stay as they are. Absent on entries recorded without an actor.
    actor = me.StringField()


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event to store in the outbox together with a write: where it goes, its key and who
    caused it (`actor`, kept on the outbox entry for the audit trail, not in the envelope)."""

    topic: str
    aggregate_id: str
    envelope: Envelope
    actor: str | None = None

    @classmethod
    def record(
        cls,
        *,
        type: str,
        version: int,
        tenant_id: str,
        aggregate_id: str,
        payload: Mapping[str, Any],
        producer: str,
        correlation_id: str | None = None,
        occurred_at: datetime | None = None,
    ) -> PendingEvent:
        """The outbox entry for one domain event: payload checked against its contract, topic
        taken from the contract, key ``tenant_id:aggregate_id``. `InvalidMessage` names the
        fields when the payload breaks the contract (a bug in the producer, never the client)."""
        contract = contract_for(type, version)
        envelope = Envelope.new(
            type=type,
            version=version,
            tenant_id=tenant_id,
            producer=producer,
            payload=validate_payload(type, version, payload),
            correlation_id=correlation_id,
            occurred_at=occurred_at,
        )
        return cls(str(contract.topic), aggregate_id, envelope)

    @classmethod
    def of(cls, event: DomainEvent, *, tenant_id: str, origin: EventOrigin) -> PendingEvent:
        """The outbox entry for a domain event recorded in `tenant_id` by `origin` (its
        actor included)."""
        pending = cls.record(
            type=event.type,
            version=event.version,
            tenant_id=tenant_id,
            aggregate_id=event.aggregate_id,
            payload=event.payload(),
            producer=origin.producer,
            correlation_id=origin.correlation_id,
            occurred_at=event.occurred_at,
        )
        return replace(pending, actor=origin.actor)

    def to_entry(self) -> OutboxEntry:
        """The embedded outbox entry for this event."""
        return OutboxEntry(
            event_id=self.envelope.event_id,
            topic=str(self.topic),
            key=self.envelope.key(self.aggregate_id).decode(),
            envelope=self.envelope.to_bytes().decode(),
            created_at=datetime.now(UTC),
            actor=self.actor,
        )


def index_fields(spec: Any) -> list[str]:
    """The field names of one `meta["indexes"]` entry, direction prefixes included."""
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, (tuple, list)):
        return [str(part) for part in spec]
    if isinstance(spec, dict):
        return [str(part) for part in spec.get("fields", [])]
    raise TypeError(f"unrecognised index spec {spec!r}")


def index_problems(cls: type[me.Document]) -> list[str]:
    """Why `cls`'s declared indexes break the tenant rules (empty list when they do not)."""
    problems: list[str] = []
    for spec in cls._meta.get("indexes", []):
        names = index_fields(spec)
        if not names or names[0].lstrip("+-") != "tenant_id":
            problems.append(f"index {spec!r} must start with tenant_id")
        if any(name.startswith(_UNSUPPORTED_PREFIXES) for name in names):
            problems.append(f"index {spec!r} uses a text/hashed/geo type FerretDB lacks")
        if isinstance(spec, dict) and _FORBIDDEN_INDEX_OPTIONS & spec.keys():
            bad = sorted(_FORBIDDEN_INDEX_OPTIONS & spec.keys())
            problems.append(f"index {spec!r} uses unsupported option(s) {bad}")
    for name, field in cls._fields.items():
        if getattr(field, "unique", False) and name != "id":
            problems.append(
                f"field {name!r} has unique=True (cross-tenant uniqueness); "
                'declare {"fields": ("tenant_id", ...), "unique": True} instead'
            )
    return problems


class TenantDocument(me.Document):  # type: ignore[misc]  # mongoengine is untyped
    """Abstract base for tenant-owned aggregates; use through a `TenantRepository`.

    Subclasses get `tenant_id` (required, immutable once stored), `revision` (optimistic-lock
    counter the repository bumps on every update), `outbox` (pending events) and
    `outbox_pending` (true while `outbox` is not empty, written in the same update as the
    outbox: the relay's query is this top-level equality, which FerretDB hands to its database
    and an index answers, where `outbox: {$ne: []}` would scan every document). Service code
    goes through its `TenantRepository`; mongoengine's own per-document calls (`delete()`,
    `reload()`) stay tenanted too, but `save()` on a loaded document bypasses the revision check
    and the outbox, so the repository is the only writer.
    """

    # shard_key is client-side only here (no sharding command is ever sent): it makes
    # mongoengine put tenant_id into every per-document query it builds itself (save of a
    # loaded document, delete, reload, modify) and refuse to change tenant_id once loaded.
    meta: ClassVar[dict[str, Any]] = {"abstract": True, "shard_key": ("tenant_id",)}
    # The service's worker relays the outbox of every tenant document it defines; a document
    # that never records events says so here (and its outbox stays empty).
    publishes_events: ClassVar[bool] = True

    tenant_id = me.StringField(required=True, max_length=64)
    revision = me.IntField(required=True, default=0, min_value=0)
    outbox = me.EmbeddedDocumentListField(OutboxEntry, default=list)
    outbox_pending = me.BooleanField(required=True, default=False)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls._meta.get("abstract"):
            return
        problems = index_problems(cls)
        if problems:
            raise TypeError(f"{cls.__name__}: " + "; ".join(problems))


def tenant_documents() -> Iterator[type[TenantDocument]]:
    """Every concrete (non-abstract) `TenantDocument` subclass defined so far."""
    stack: list[type[TenantDocument]] = list(TenantDocument.__subclasses__())
    seen: set[type[TenantDocument]] = set()
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        stack.extend(cls.__subclasses__())
        if not cls._meta.get("abstract"):
            yield cls


def tenant_collection_names() -> frozenset[str]:
    """Collection names of every concrete `TenantDocument` (what the guard protects)."""
    return frozenset(cls._get_collection_name() for cls in tenant_documents())
