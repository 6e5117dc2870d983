"""Kafka-first publishing: a domain event sent straight to Kafka, no outbox in between.

For writes whose only durable home is Kafka: a phone's GPS points are acknowledged (202)
only once Kafka holds them, and a consumer stores them from there. The message is built the
way the outbox builds one (`PendingEvent.of`: the producer's one contract check, the
envelope, the key ``tenant_id:aggregate_id``; the relay's headers), so a consumer cannot tell
the two paths apart and service code still never builds an envelope by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.events.domain import DomainEvent, EventOrigin
from shared.kafka.clients import Headers
from shared.mongo.documents import PendingEvent


@dataclass(frozen=True, slots=True)
class DirectMessage:
    """One event ready for `Producer.send`: topic, key, canonical envelope bytes, headers."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers
    event_id: str

    @classmethod
    def of(cls, event: DomainEvent, *, tenant_id: str, origin: EventOrigin) -> DirectMessage:
        """The message for ``event`` recorded in ``tenant_id`` by ``origin``; `InvalidMessage`
        when its payload breaks its contract (a bug in the producer, never the client)."""
        pending = PendingEvent.of(event, tenant_id=tenant_id, origin=origin)
        envelope = pending.envelope
        return cls(
            topic=pending.topic,
            key=envelope.key(pending.aggregate_id),
            value=envelope.to_bytes(),
            headers=[
                ("event_id", envelope.event_id.encode()),
                ("type", envelope.type.encode()),
                ("version", str(envelope.version).encode()),
                ("tenant_id", envelope.tenant_id.encode()),
            ],
            event_id=envelope.event_id,
        )


__all__ = ["DirectMessage"]
