"""The compiled loader accepts only what its schema accepts, and gives exactly what it gives."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import EXCLUDE, INCLUDE, Schema, fields, post_load, validate, validates

from shared.events.contracts import contract_for, validate_payload
from shared.events.contracts.patrol.points import (
    PATROL_HEARTBEATS_RECEIVED,
    PATROL_POINTS_RECEIVED,
    HeartbeatsReceivedV1,
    PointsReceivedV1,
)
from shared.fastload import FastLoader, NotCompilable, fast_loader, load_fast
from shared.http import BaseSchema
from shared.testing.fastload import check_exact, inputs


class Inner(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z]{1,4}$"))
    size = fields.Integer(strict=True, allow_none=True, load_default=None)


class Every(BaseSchema):
    fast_load = True

    name = fields.String(required=True, validate=validate.Length(min=1, max=8))
    kind = fields.String(required=True, validate=validate.OneOf(["a", "b"]))
    ratio = fields.Float(required=True, validate=validate.Range(min=0, max=1, max_inclusive=False))
    free = fields.Float(load_default=None)
    count = fields.Integer(strict=True, validate=validate.Range(min=1))
    on = fields.Boolean(truthy={True}, falsy={False})
    at = fields.AwareDateTime(required=True)
    ref = fields.UUID(data_key="refId")
    inner = fields.Nested(Inner, unknown=EXCLUDE)
    items = fields.List(fields.Nested(Inner), validate=validate.Length(max=3))


REF = "0b8d3f0e-3c1f-5a8e-9d6b-2f6c1e0a9b7d"
VALID: dict[str, Any] = {
    "name": "x",
    "kind": "a",
    "ratio": 0,
    "free": 5,
    "count": 3,
    "on": True,
    "at": "2026-11-28T10:00:00+08:00",
    "refId": REF,
    "inner": {"code": "ab", "ignored": 1},
    "items": [{"code": "c", "size": 2}],
}


def test_valid_input_loads_as_the_schema_loads_it() -> None:
    loaded = FastLoader(Every).load(VALID)
    assert loaded == Every().load(VALID)
    assert loaded is not None
    assert loaded["ratio"] == 0.0
    assert isinstance(loaded["ratio"], float)
    assert loaded["at"] == datetime(2026, 11, 28, 2, tzinfo=UTC)
    assert loaded["at"].utcoffset() == timedelta(hours=8)
    assert loaded["ref"] == uuid.UUID(REF)
    assert loaded["inner"] == {"code": "ab", "size": None}


def test_an_optional_field_without_default_stays_absent() -> None:
    data = {key: VALID[key] for key in ("name", "kind", "ratio", "at")}
    assert (
        FastLoader(Every).load(data)
        == {**Every().load(data)}
        == {
            "name": "x",
            "kind": "a",
            "ratio": 0.0,
            "at": datetime(2026, 11, 28, 2, tzinfo=UTC),
            "free": None,
        }
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("name", ""),  # too short
        ("kind", "A"),
        ("ratio", 1),  # max exclusive
        ("ratio", float("nan")),
        ("free", float("inf")),
        ("free", "1.5"),  # marshmallow reads it; the compiled loader leaves it to marshmallow
        ("count", 1.0),
        ("count", True),
        ("on", 1),
        ("at", "2026-11-28T10:00:00z"),  # msgspec reads it as UTC; fromisoformat does not
        ("at", "2026-11-28T10:00:00"),  # naive
        ("name", "a\x00"),  # unsafe text: the schema names it
        ("refId", "not-a-uuid"),
        ("items", [{"code": "ab\n"}]),  # $ matches before a final newline; unsafe text
        ("items", [{}] * 4),
        ("extra", 1),
    ],
)
def test_what_it_does_not_accept_is_left_to_the_schema(key: str, value: Any) -> None:
    data = {**VALID, key: value}
    assert FastLoader(Every).load(data) is None
    # The schema's own load decides, and still names the field (or accepts it).
    assert check_exact(FastLoader(Every), data) is False


def test_instants_are_read_by_the_function_marshmallow_uses() -> None:
    # msgspec would round a seventh decimal; fromisoformat, as marshmallow, truncates it.
    data = {**VALID, "at": "2026-11-28T10:00:00.1234567+08:00"}
    assert check_exact(FastLoader(Every), data) is True
    assert Every().load(data)["at"].microsecond == 123456


@given(inputs(Every))
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_random_input_never_loads_otherwise_than_the_schema(data: Any) -> None:
    check_exact(FastLoader(Every), data)


@pytest.mark.parametrize("schema", [PointsReceivedV1, HeartbeatsReceivedV1])
@given(data=st.data())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_the_upload_contracts_load_exactly(schema: type[Schema], data: st.DataObject) -> None:
    check_exact(FastLoader(schema), data.draw(inputs(schema)))


def test_the_upload_contracts_are_compiled_and_used() -> None:
    example = contract_for(PATROL_POINTS_RECEIVED, 1).load_example()
    assert fast_loader(PointsReceivedV1) is not None
    assert fast_loader(HeartbeatsReceivedV1) is not None
    assert load_fast(contract_for(PATROL_POINTS_RECEIVED, 1).loader, example.payload) == (
        PointsReceivedV1().load(dict(example.payload))
    )
    beats = contract_for(PATROL_HEARTBEATS_RECEIVED, 1).load_example()
    assert validate_payload(PATROL_HEARTBEATS_RECEIVED, 1, beats.payload) == (
        HeartbeatsReceivedV1().load(dict(beats.payload))
    )


def test_a_schema_made_with_options_of_its_own_is_loaded_by_marshmallow() -> None:
    assert load_fast(Every(), VALID) is not None
    assert load_fast(Every(partial=True), VALID) is None
    assert load_fast(Every(only=("name",)), VALID) is None
    assert load_fast(Every(unknown=EXCLUDE), VALID) is None
    assert load_fast(Every(many=True), [VALID]) is None


def test_a_schema_that_did_not_opt_in_is_not_compiled() -> None:
    assert fast_loader(Inner) is None
    assert load_fast(Inner(), {"code": "a"}) is None


def test_base_schema_load_takes_the_compiled_path_and_still_names_bad_fields() -> None:
    assert Every().load(VALID)["ref"] == uuid.UUID(REF)
    with pytest.raises(Exception, match="ratio"):
        Every().load({**VALID, "ratio": 2})


class _Hooked(Schema):
    a = fields.String()

    @post_load
    def _wrap(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return data


class _Validated(Schema):
    a = fields.String()

    @validates("a")
    def _check(self, value: str, **_: Any) -> None:
        pass


class _Included(Schema):
    class Meta:
        unknown = INCLUDE

    a = fields.String()


def _schema(**declared: fields.Field[Any]) -> type[Schema]:
    return Schema.from_dict(declared)


@pytest.mark.parametrize(
    "schema",
    [
        _Hooked,
        _Validated,
        _Included,
        _schema(n=fields.Integer()),  # not strict: reads "1" and 1.0
        _schema(f=fields.Float(allow_nan=True)),
        _schema(s=fields.String(validate=lambda value: True)),
        _schema(d=fields.DateTime()),
        _schema(d=fields.AwareDateTime(default_timezone=UTC)),
        _schema(e=fields.Email()),
        _schema(tags=fields.List(fields.String())),
        _schema(inner=fields.Nested(Inner, only=("code",))),
        _schema(inner=fields.Nested(Inner, many=True)),
        _schema(x=fields.String(attribute="y")),
        _schema(x=fields.String(load_default=list)),
    ],
)
def test_what_cannot_be_reproduced_exactly_is_refused_when_compiling(
    schema: type[Schema],
) -> None:
    with pytest.raises(NotCompilable):
        FastLoader(schema)
