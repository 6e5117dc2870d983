"""Hypothesis strategies that try a compiled loader (`shared.fastload`) against its schema.

`inputs(schema_class)` draws request-like mappings for a schema: mostly valid values of each
field's type and range, mixed with the values a client may send instead (other JSON types,
NaN and infinities, bounds and just past them, numeric strings, ISO 8601 variants marshmallow
and msgspec read differently, control characters, unknown and missing keys). A test then
asserts `check_exact`: the compiled loader accepts only what the schema accepts, and gives
exactly what it gives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields, validate

from shared.fastload import FastLoader

_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["", "1.5", "0", "true", "\x00", "a\nb", "\ud800", "\ufffe"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)

# Instants written every way a client might: marshmallow reads them with fromisoformat.
_ODD_INSTANTS = [
    "2026-11-28T10:00:00Z",
    "2026-11-28T10:00:00z",
    "2026-11-28t10:00:00Z",
    "2026-11-28 10:00:00+08:00",
    "2026-11-28T10:00:00+0800",
    "2026-11-28T10:00:00+08",
    "2026-11-28T10:00Z",
    "2026-11-28T10:00:00.1234567+08:00",
    "2026-11-28T10:00:00,5+08:00",
    "2026-11-28T10:00:60Z",
    "2026-11-28T24:00:00Z",
    "20261128T100000Z",
    "2026-11-28T10:00:00",
    "2026-11-28",
    "2026-11-28T10:00:00+08:00\n",
    "2026-02-30T10:00:00Z",
    "2026-11-28T10:00:00-00:00",
    "2026-11-28T10:00:00+23:59",
]

_UUIDS = [
    "0b8d3f0e-3c1f-5a8e-9d6b-2f6c1e0a9b7d",
    "0B8D3F0E-3C1F-5A8E-9D6B-2F6C1E0A9B7D",
    "0b8d3f0e3c1f5a8e9d6b2f6c1e0a9b7d",
    "{0b8d3f0e-3c1f-5a8e-9d6b-2f6c1e0a9b7d}",
    "urn:uuid:0b8d3f0e-3c1f-5a8e-9d6b-2f6c1e0a9b7d",
    "0b8d3f0e-3c1f-5a8e-9d6b-2f6c1e0a9b7",
]


def _aware() -> st.SearchStrategy[str]:
    offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    )
    # Hypothesis bounds are naive; the drawn instants carry the offsets.
    aware = st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=offsets,
    )
    return st.one_of(
        aware.map(lambda at: at.isoformat()),
        aware.map(lambda at: at.astimezone(UTC).isoformat().replace("+00:00", "Z")),
    )


def _bounds(field: fields.Field[Any], kind: type[Any]) -> tuple[Any, Any]:
    for validator in field.validators:
        if isinstance(validator, kind):
            return validator.min, validator.max
    return None, None


def _good_list(field: fields.List[Any]) -> st.SearchStrategy[Any]:
    low, high = _bounds(field, validate.Length)
    return st.lists(_good(field.inner), min_size=low or 0, max_size=min(high or 3, 3))


def _good_integer(field: fields.Integer) -> st.SearchStrategy[Any]:
    low, high = _bounds(field, validate.Range)
    return st.integers(min_value=low, max_value=high)


def _good_float(field: fields.Float) -> st.SearchStrategy[Any]:
    low, high = _bounds(field, validate.Range)
    floats = st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
    return st.one_of(floats, floats.map(int))


def _good_string(field: fields.String) -> st.SearchStrategy[Any]:
    choices = [v for v in field.validators if isinstance(v, validate.OneOf)]
    if choices:
        return st.sampled_from([str(choice) for choice in choices[0].choices])
    patterns = [v for v in field.validators if isinstance(v, validate.Regexp)]
    if patterns:
        return st.from_regex(patterns[0].regex, fullmatch=True)
    low, high = _bounds(field, validate.Length)
    letters = st.characters(categories=["L", "N", "P", "Zs"])
    return st.text(letters, min_size=max(low or 0, 1), max_size=min(high or 12, 12))


_GOOD: dict[type[Any], Callable[[Any], st.SearchStrategy[Any]]] = {
    fields.Nested: lambda field: _valid(type(field.schema)),
    fields.List: _good_list,
    fields.Integer: _good_integer,
    fields.Float: _good_float,
    fields.Boolean: lambda _: st.booleans(),
    fields.AwareDateTime: lambda _: _aware(),
    fields.UUID: lambda _: st.uuids().map(str),
    fields.String: _good_string,
}


def _good(field: fields.Field[Any]) -> st.SearchStrategy[Any]:
    """Values of ``field`` a well-behaved client sends."""
    return _GOOD[type(field)](field)


def _odd_list(field: fields.List[Any]) -> st.SearchStrategy[Any]:
    good, odd = _good(field.inner), _odd(field.inner)
    return st.one_of(
        st.tuples(st.lists(good, max_size=2), odd, st.lists(good, max_size=2)).map(
            lambda parts: [*parts[0], parts[1], *parts[2]]
        ),
        st.just([]),
    )


def _odd_number(field: fields.Number[Any]) -> st.SearchStrategy[Any]:
    low, high = _bounds(field, validate.Range)
    edges = [v for b in (low, high) if b is not None for v in (b, b - 1, b + 1, b + 1e-9)]
    odd = [math.nan, math.inf, -math.inf, -0.0, 1.0, 1.5, True, False, "1", "1.5", 10**400]
    return st.sampled_from([*edges, *odd])


def _odd_string(field: fields.String) -> st.SearchStrategy[Any]:
    good = _good(field)
    return st.one_of(
        good.map(lambda text: text + "\n"),
        good.map(str.upper),
        good.map(lambda text: f"{text} "),
        st.sampled_from(["", "a" * 64, "a" * 65, "a\tb", "\u0661\u0662", "x\x7f", "x\u0085"]),
    )


_ODD: dict[type[Any], Callable[[Any], st.SearchStrategy[Any]]] = {
    fields.Nested: lambda field: _mutated(type(field.schema)),
    fields.List: _odd_list,
    fields.Integer: _odd_number,
    fields.Float: _odd_number,
    fields.Boolean: lambda _: st.sampled_from([0, 1, "true", "false", "yes", None]),
    fields.AwareDateTime: lambda _: st.sampled_from(_ODD_INSTANTS),
    fields.UUID: lambda _: st.sampled_from(_UUIDS),
    fields.String: _odd_string,
}


def _odd(field: fields.Field[Any]) -> st.SearchStrategy[Any]:
    """Values of ``field`` that are wrong, or right only in a way one parser may not read."""
    return st.one_of(_ODD[type(field)](field), _JUNK)


def _declared(schema_class: type[Schema]) -> list[tuple[str, fields.Field[Any]]]:
    return [(field.data_key or name, field) for name, field in schema_class().load_fields.items()]


def _valid(schema_class: type[Schema]) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping the schema accepts: every required field, each optional one or not."""

    @st.composite
    def draw(draw_: st.DrawFn) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, field in _declared(schema_class):
            if field.required or draw_(st.booleans()):
                value = draw_(_good(field))
                data[key] = None if (field.allow_none and draw_(st.booleans())) else value
        return data

    return draw()


def _mutated(schema_class: type[Schema]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid mapping with one thing changed: a field dropped, odd, or an unknown key."""
    declared = _declared(schema_class)

    @st.composite
    def draw(draw_: st.DrawFn) -> dict[str, Any]:
        data = draw_(_valid(schema_class))
        key, field = draw_(st.sampled_from(declared))
        change = draw_(st.sampled_from(["drop", "odd", "odd", "odd", "unknown"]))
        if change == "drop":
            data.pop(key, None)
        elif change == "odd":
            data[key] = draw_(_odd(field))
        else:
            data[draw_(st.sampled_from(["extra", key.upper(), "\x01"]))] = 1
        return data

    return draw()


def inputs(schema_class: type[Schema]) -> st.SearchStrategy[Any]:
    """What a client may send for ``schema_class``: valid mappings, valid mappings with one
    thing wrong or oddly written (at any depth), and other JSON values."""
    return st.one_of(_valid(schema_class), _mutated(schema_class), _mutated(schema_class), _JUNK)


def check_exact(loader: FastLoader, data: Any) -> bool:
    """Assert the compiled loader agrees with its schema on ``data``; whether it accepted."""
    fast = loader.load(data)
    if fast is None:
        return False
    try:
        slow = loader.schema_class().load(data)
    except ValidationError as exc:  # pragma: no cover - the failure this guards against
        raise AssertionError(f"compiled loader accepted what the schema refuses: {exc}") from exc
    assert fast == slow
    assert _types(fast) == _types(slow)
    return True


def _types(value: Any) -> Any:
    """The value's shape with every leaf's type and UTC offset: 1 == 1.0 must not pass."""
    if isinstance(value, dict):
        return {key: _types(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_types(item) for item in value]
    if isinstance(value, datetime):
        return (datetime, value.utcoffset())
    return type(value)


__all__ = ["check_exact", "inputs"]
