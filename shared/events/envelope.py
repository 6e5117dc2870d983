"""The one message shape on every topic, its canonical bytes and its strict parser.

`{event_id, type, version, tenant_id, occurred_at, producer, correlation_id, payload}`:
`event_id` is the idempotency key every consumer dedups on; `type` + `version` select the
contract in `shared.events.contracts`; the Kafka key is `tenant_id:aggregate_id` so all events of
one aggregate land on one partition, in order.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

ENVELOPE_FIELDS = frozenset(
    {
        "event_id",
        "type",
        "version",
        "tenant_id",
        "occurred_at",
        "producer",
        "correlation_id",
        "payload",
    }
)


class InvalidMessage(ValueError):
    """Bytes that are not a valid envelope, or a payload breaking its contract: poison."""


def _json_default(value: object) -> str:
    # Decimal travels as a string so no consumer ever sees a float rounding of money or scores.
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TypeError(f"non-finite Decimal {value!r} cannot be an event value")
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError("naive datetime in an event; use an aware UTC datetime")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable in an event")


def canonical_json(value: object) -> bytes:
    """Deterministic UTF-8 JSON: sorted keys, no whitespace, Decimal as string, no NaN."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    ).encode("utf-8")


def message_key(tenant_id: str, aggregate_id: str) -> bytes:
    """Kafka key `tenant_id:aggregate_id` (UTF-8): per-aggregate ordering, tenant-spread load."""
    if not tenant_id or not aggregate_id:
        raise ValueError("tenant_id and aggregate_id are both required for a message key")
    return f"{tenant_id}:{aggregate_id}".encode()


@dataclass(frozen=True, slots=True)
class Envelope:
    """One event. Build it with `Envelope.new`, send `to_bytes()`, read with `Envelope.parse`."""

    event_id: str
    type: str
    version: int
    tenant_id: str
    occurred_at: datetime
    producer: str
    correlation_id: str | None
    payload: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def new(
        cls,
        *,
        type: str,
        version: int,
        tenant_id: str,
        producer: str,
        payload: Mapping[str, Any],
        correlation_id: str | None = None,
        occurred_at: datetime | None = None,
    ) -> Envelope:
        """A fresh event with a uuid4 `event_id` and `occurred_at` now (UTC) unless given."""
        when = occurred_at if occurred_at is not None else datetime.now(UTC)
        if when.tzinfo is None:
            raise ValueError("occurred_at must be timezone-aware")
        envelope = cls(
            event_id=str(uuid.uuid4()),
            type=type,
            version=version,
            tenant_id=tenant_id,
            occurred_at=when.astimezone(UTC),
            producer=producer,
            correlation_id=correlation_id,
            payload=dict(payload),
        )
        # Validate what we are about to emit with the same rules a consumer applies.
        _check_fields(envelope.to_dict())
        return envelope

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON view (datetime as ISO 8601 UTC string; payload untouched)."""
        return {
            "event_id": self.event_id,
            "type": self.type,
            "version": self.version,
            "tenant_id": self.tenant_id,
            "occurred_at": self.occurred_at.astimezone(UTC).isoformat(),
            "producer": self.producer,
            "correlation_id": self.correlation_id,
            "payload": dict(self.payload),
        }

    def to_bytes(self) -> bytes:
        """Canonical JSON bytes: equal envelopes give equal bytes."""
        return canonical_json(self.to_dict())

    def key(self, aggregate_id: str) -> bytes:
        """The Kafka key for this event about `aggregate_id`."""
        return message_key(self.tenant_id, aggregate_id)

    @classmethod
    def parse(cls, raw: bytes | str | None) -> Envelope:
        """Decode and validate; raise `InvalidMessage` naming the first problem found."""
        if raw is None:
            raise InvalidMessage("empty message (tombstone) where an envelope was expected")
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidMessage(f"not JSON: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: object) -> Envelope:
        """Validate an already-decoded JSON object; raise `InvalidMessage` when it is wrong."""
        _check_fields(data)
        assert isinstance(data, dict)  # narrowed by _check_fields
        return cls(
            event_id=data["event_id"],
            type=data["type"],
            version=data["version"],
            tenant_id=data["tenant_id"],
            occurred_at=_parse_time(data["occurred_at"]),
            producer=data["producer"],
            correlation_id=data["correlation_id"],
            payload=data["payload"],
        )


def _parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidMessage(f"occurred_at: not ISO 8601: {value!r}") from exc
    if parsed.tzinfo is None:
        raise InvalidMessage("occurred_at: must carry a UTC offset")
    return parsed.astimezone(UTC)


def _check_fields(data: object) -> None:
    if not isinstance(data, dict):
        raise InvalidMessage("envelope must be a JSON object")
    missing = sorted(ENVELOPE_FIELDS - data.keys())
    if missing:
        raise InvalidMessage(f"missing field(s): {', '.join(missing)}")
    unknown = sorted(data.keys() - ENVELOPE_FIELDS)
    if unknown:
        raise InvalidMessage(f"unknown field(s): {', '.join(unknown)}")
    for name in ("event_id", "type", "tenant_id", "producer", "occurred_at"):
        if not isinstance(data[name], str) or not data[name]:
            raise InvalidMessage(f"{name}: must be a non-empty string")
    try:
        uuid.UUID(data["event_id"])
    except ValueError as exc:
        raise InvalidMessage("event_id: must be a UUID") from exc
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidMessage("version: must be an integer >= 1")
    if data["correlation_id"] is not None and not isinstance(data["correlation_id"], str):
        raise InvalidMessage("correlation_id: must be a string or null")
    if not isinstance(data["payload"], dict):
        raise InvalidMessage("payload: must be a JSON object")
    if isinstance(data["occurred_at"], str):
        _parse_time(data["occurred_at"])
