"""Ten kinds of poison for a topic of envelopes, and the valid events to mix them with.

Used by the DLQ tool's unit, integration and reliability tests: every kind is a message the
consumer runner must dead-letter (`shared.kafka.dlq.verdict` is not None for each).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from shared.events.contracts import contract_for
from shared.events.contracts.registry.divisions import DIVISION_CREATED
from shared.events.envelope import Envelope

Message = tuple[bytes | None, bytes | None]  # (key, value)


def division_created(tenant_id: str, division_id: str) -> Envelope:
    """A valid ``division.created`` v1 envelope (from the contract's example)."""
    example = contract_for(DIVISION_CREATED, 1).load_example()
    return Envelope.new(
        type=DIVISION_CREATED,
        version=1,
        tenant_id=tenant_id,
        producer="test",
        payload={**example.payload, "division_id": division_id},
    )


def _bent(change: Callable[[dict[str, Any]], object]) -> Callable[[Envelope], Message]:
    """A kind that edits the envelope's JSON object and keeps the proper key."""

    def make(envelope: Envelope) -> Message:
        data = envelope.to_dict()
        change(data)
        return _key(envelope), json.dumps(data, ensure_ascii=False).encode()

    return make


def _key(envelope: Envelope) -> bytes:
    return envelope.key(str(envelope.payload["division_id"]))


def _drop_name(data: dict[str, Any]) -> None:
    del data["payload"]["name"]


def _huge_name(data: dict[str, Any]) -> None:
    data["payload"]["name"] = "村" * 20_000  # 60 KB; the contract allows 200 characters


def _no_tenant(data: dict[str, Any]) -> None:
    data["tenant_id"] = ""


POISON: dict[str, Callable[[Envelope], Message]] = {
    "not_json": lambda e: (_key(e), b"\xff\xfe{not json"),
    "not_an_object": lambda e: (_key(e), b'["division.created", 1]'),
    "no_envelope": lambda e: (_key(e), json.dumps(dict(e.payload)).encode()),
    "unknown_field": _bent(lambda d: d.update(extra=True)),
    "unknown_version": _bent(lambda d: d.update(version=9)),
    "contract_breaking": _bent(_drop_name),
    "wrong_types": _bent(lambda d: d.update(version="1")),
    "huge_payload": _bent(_huge_name),
    "null_value": lambda e: (_key(e), None),
    "bad_tenant": lambda e: (b"\xff\xfe", _bent(_no_tenant)(e)[1]),
}


def burst(
    tenant_id: str, *, poison_per_kind: int, valid: int, run: str | None = None
) -> tuple[list[Message], list[Envelope]]:
    """``poison_per_kind`` messages of every kind of `POISON`, round robin, with ``valid``
    envelopes for ``tenant_id`` spread evenly among them. Returns (messages in publishing
    order, the valid envelopes)."""
    run = run or uuid.uuid4().hex[:8]
    poison = [
        make(division_created(tenant_id, f"poison-{run}-{i}-{kind}"))
        for i in range(poison_per_kind)
        for kind, make in POISON.items()
    ]
    events = [division_created(tenant_id, f"burst-{run}-{i}") for i in range(valid)]
    messages: list[Message] = []
    step = max(len(poison) // max(valid, 1), 1)
    pending = list(events)
    for index, message in enumerate(poison):
        if pending and index % step == step - 1:
            event = pending.pop(0)
            messages.append((_key(event), event.to_bytes()))
        messages.append(message)
    messages.extend((_key(event), event.to_bytes()) for event in pending)
    return messages, events
