"""Messages for ledger tests: a contract's example with changes, checked as the consumer does."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import datetime
from typing import Any

from shared.events.contracts import contract_for, validate_envelope
from shared.events.envelope import Envelope


def uuid_of(label: str) -> str:
    """The envelope event id a test names ``label`` (envelopes carry UUIDs)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"gridgov-test:{label}"))


def message(
    type_: str,
    tenant_id: str,
    *,
    occurred_at: str | datetime | None = None,
    message_id: str | None = None,
    **changes: Any,
) -> Envelope:
    """The example envelope of ``type_`` for ``tenant_id`` with payload ``changes`` (JSON
    values: instants and days as ISO text), loaded through its contract; ``message_id`` names
    the envelope's event id (`uuid_of`; a fresh one by default)."""
    example = contract_for(type_, 1).load_example()
    payload = json.loads(json.dumps({**example.to_dict()["payload"], **changes}, default=str))
    when = example.occurred_at
    if isinstance(occurred_at, str):
        when = datetime.fromisoformat(occurred_at)
    elif occurred_at is not None:
        when = occurred_at
    raw = dataclasses.replace(
        example,
        event_id=uuid_of(message_id) if message_id else str(uuid.uuid4()),
        tenant_id=tenant_id,
        occurred_at=when,
        payload=payload,
    )
    # Through bytes and back, as Kafka carries it, then the contract check of the consumer.
    parsed = Envelope.parse(raw.to_bytes())
    return dataclasses.replace(parsed, payload=validate_envelope(parsed))
