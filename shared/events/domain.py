"""The one shape of a domain event, as every domain records it and every repository stores it.

A domain module records past-tense events (``GridSplit``, ``UserInvited``) as plain frozen
dataclasses. Each one knows what crosses the wire: its contract (``type``, ``version``), the
aggregate it is about (the message key) and its ``payload``. A repository built with an
`EventOrigin` turns it into an outbox entry, checking the payload against its contract
there: the producer's one validation. Nothing else builds payloads or envelopes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class DomainEvent(Protocol):
    """What happened, in the producer's words; see the module docstring."""

    @property
    def type(self) -> str:
        """The contract's event type (``grid.split``): also picks the topic."""
        ...

    @property
    def version(self) -> int:
        """The contract's version."""
        ...

    @property
    def aggregate_id(self) -> str:
        """The id of the aggregate it happened to: events of one aggregate stay in order."""
        ...

    @property
    def occurred_at(self) -> datetime:
        """When it happened (timezone-aware)."""
        ...

    def payload(self) -> Mapping[str, Any]:
        """The self-contained payload the contract describes."""
        ...


@dataclass(frozen=True, slots=True)
class EventOrigin:
    """Who records events through a repository: the producing service, the correlation id
    of the request (or consumed message) being handled and the actor who caused them (the
    token's subject, or ``producer:type`` of a consumed event). A repository built without
    one records no events; each service's request context builds its repositories with one.
    The actor goes to the audit trail (`shared.audit`), not into the envelope: contracts
    stay as they are. Origins compare by producer and correlation id (the event stream they
    stamp); the actor rides along and is checked where it lands, on the outbox entry."""

    producer: str
    correlation_id: str | None = None
    actor: str | None = field(default=None, compare=False)
