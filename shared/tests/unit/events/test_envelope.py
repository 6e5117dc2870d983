import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.events.envelope import Envelope, InvalidMessage, canonical_json, message_key


def make(**overrides: object) -> Envelope:
    fields: dict[str, object] = {
        "type": "division.created",
        "version": 1,
        "tenant_id": "t1",
        "producer": "grid_registry",
        "payload": {"division_id": "d1"},
    }
    fields.update(overrides)
    return Envelope.new(**fields)  # type: ignore[arg-type]


def test_new_assigns_uuid4_and_aware_utc_time() -> None:
    envelope = make()
    assert uuid.UUID(envelope.event_id).version == 4
    assert envelope.occurred_at.tzinfo is not None
    assert envelope.occurred_at.utcoffset() == timedelta(0)
    assert make().event_id != envelope.event_id


def test_new_converts_other_offsets_to_utc_and_rejects_naive() -> None:
    shanghai = timezone(timedelta(hours=8))
    envelope = make(occurred_at=datetime(2026, 1, 5, 10, 30, tzinfo=shanghai))
    assert envelope.occurred_at == datetime(2026, 1, 5, 2, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        make(occurred_at=datetime(2026, 1, 5, 10, 30))  # noqa: DTZ001 - the point of the test


def test_bytes_round_trip() -> None:
    envelope = make(correlation_id="req-1")
    assert Envelope.parse(envelope.to_bytes()) == envelope


def test_canonical_bytes_sort_keys_and_write_decimal_as_string() -> None:
    envelope = make(payload={"b": Decimal("1.10"), "a": 1})
    raw = envelope.to_bytes()
    assert b'"payload":{"a":1,"b":"1.10"}' in raw
    keys = list(json.loads(raw))
    assert keys == sorted(keys)
    assert b" " not in canonical_json({"x": [1, 2]})


def test_canonical_json_refuses_nan_and_naive_datetimes() -> None:
    with pytest.raises(TypeError):
        canonical_json({"x": Decimal("NaN")})
    with pytest.raises(TypeError):
        canonical_json({"x": datetime(2026, 1, 1)})  # noqa: DTZ001 - the point of the test


def test_key_is_tenant_colon_aggregate() -> None:
    assert make().key("d1") == b"t1:d1"
    assert message_key("t9", "a9") == b"t9:a9"
    with pytest.raises(ValueError, match="required"):
        message_key("", "a")


def _valid() -> dict[str, object]:
    return make().to_dict()


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d.pop("tenant_id"), "missing field"),
        (lambda d: d.update(extra=1), "unknown field"),
        (lambda d: d.update(event_id="not-a-uuid"), "UUID"),
        (lambda d: d.update(version=True), "version"),
        (lambda d: d.update(version=0), "version"),
        (lambda d: d.update(version="1"), "version"),
        (lambda d: d.update(tenant_id=""), "tenant_id"),
        (lambda d: d.update(occurred_at="2026-01-05T02:30:00"), "UTC offset"),
        (lambda d: d.update(occurred_at="yesterday"), "ISO 8601"),
        (lambda d: d.update(payload=[1]), "payload"),
        (lambda d: d.update(correlation_id=5), "correlation_id"),
    ],
)
def test_parse_rejects_bad_fields(mutate: object, reason: str) -> None:
    data = _valid()
    mutate(data)  # type: ignore[operator]
    with pytest.raises(InvalidMessage, match=reason):
        Envelope.parse(json.dumps(data).encode())


@pytest.mark.parametrize("raw", [None, b"", b"\xff\xfe", b"{not json", b"[]", b'"x"'])
def test_parse_rejects_bad_bytes(raw: bytes | None) -> None:
    with pytest.raises(InvalidMessage):
        Envelope.parse(raw)


@given(
    payload=st.dictionaries(
        st.text(min_size=1, max_size=10),
        st.one_of(st.integers(), st.text(max_size=20), st.booleans(), st.none()),
        max_size=5,
    ),
    tenant=st.text(min_size=1, max_size=20),
)
def test_round_trip_property(payload: dict[str, object], tenant: str) -> None:
    envelope = make(payload=payload, tenant_id=tenant)
    parsed = Envelope.parse(envelope.to_bytes())
    assert parsed == envelope
    assert parsed.to_bytes() == envelope.to_bytes()
