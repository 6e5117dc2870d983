"""FerretDB's stored form decoded (the integration test compares it with FerretDB's answers)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bson import ObjectId

from shared.mongo.pg_reads import StoredFormatError, decode_stored


def test_values_come_back_typed_nested_and_in_their_key_order() -> None:
    stored = {
        "$s": {
            "p": {
                "_id": {"t": "objectId"},
                "n": {"t": "long"},
                "at": {"t": "date"},
                "x": {"t": "double"},
                "gone": {"t": "null"},
                "list": {
                    "t": "array",
                    "i": [{"t": "int"}, {"t": "object", "$s": {"p": {"k": {"t": "string"}}}}],
                },
            },
            "$k": ["_id", "n", "at", "x", "gone", "list"],
        },
        "_id": "6b0a7a8aea501fc55bd1989e",
        "n": 1099511627776,
        "at": 1791430215123,
        "x": 1,
        "gone": None,
        "list": [3, {"k": "网格"}],
    }
    doc = decode_stored(stored)
    assert list(doc) == ["_id", "n", "at", "x", "gone", "list"]
    assert doc["_id"] == ObjectId("6b0a7a8aea501fc55bd1989e")
    assert doc["at"] == datetime(2026, 10, 8, 3, 30, 15, 123000, tzinfo=UTC)
    assert isinstance(doc["x"], float)
    assert doc["x"] == 1.0
    assert doc["list"] == [3, {"k": "网格"}]


@pytest.mark.parametrize(
    "stored",
    [
        {"_id": "a"},  # no schema
        {"$s": {"p": {"b": {"t": "binData", "s": 0}}, "$k": ["b"]}, "b": "AAE="},
    ],
)
def test_a_form_not_known_is_refused_for_the_caller_to_ask_ferretdb(stored: dict) -> None:
    with pytest.raises(StoredFormatError):
        decode_stored(stored)
