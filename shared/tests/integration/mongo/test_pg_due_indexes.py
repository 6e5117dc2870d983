"""Declared scheduler scans behind FerretDB (`meta["due_indexes"]`): a partial btree index on
the deadline of the flagged rows, used by `EqualityReads.due_ids`, answering what FerretDB
answers."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from typing import Any, ClassVar

import mongoengine as me
import pytest

from shared.mongo.documents import TenantDocument
from shared.mongo.indexes import due_plan, ensure_gin_indexes
from shared.mongo.pg_reads import due_indexes
from shared.tests.integration.mongo.test_pg_list_indexes import _plan, _Recording

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("mongo_db")]

POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)


class Watched(TenantDocument):
    watched_id = me.StringField(primary_key=True)
    watch = me.BooleanField()
    due_ms = me.IntField()
    meta: ClassVar[dict[str, Any]] = {
        "collection": "it_pg_due",
        "indexes": [("tenant_id", "watch")],
        "due_indexes": [("watch", "due_ms")],
    }


class Refused(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {
        "collection": "it_pg_due_refused",
        "due_indexes": [("due_ms", "watch")],
    }
    watch = me.BooleanField()
    due_ms = me.IntField()


@pytest.fixture(scope="module")
def watched(mongo_db: str) -> Iterator[list[dict[str, Any]]]:
    collection = Watched._get_collection()
    collection.drop()
    rng = random.Random(7)
    rows = [
        {
            "_id": f"w-{n:04d}",
            "tenant_id": rng.choice(["t-a", "t-b", "t-c"]),
            "revision": 1,
            "outbox": [],
            "outbox_pending": False,
            "watch": rng.choice([True, True, False]),
            **({} if n % 9 == 0 else {"due_ms": rng.randrange(1_000, 100_000)}),
        }
        for n in range(600)
    ]
    collection.insert_many(rows)
    ensure_gin_indexes(POSTGRES_URL, collection.database, [Watched])
    yield rows
    collection.drop()


def test_a_declaration_is_a_boolean_flag_then_an_integer_deadline() -> None:
    assert [index.signature() for index in due_indexes(Watched)] == ["due:watch:due_ms"]
    assert [index.collection for index in due_plan([Watched])] == ["it_pg_due"]
    with pytest.raises(ValueError, match="boolean then an integer"):
        due_indexes(Refused)


def test_the_scan_reads_its_partial_index_and_answers_as_ferretdb(
    watched: list[dict[str, Any]],
) -> None:
    reads = _Recording(POSTGRES_URL)
    database = str(Watched._get_collection().database.name)
    found = reads.due_ids(
        Watched, database, flag="watch", number="due_ms", at_most=40_000, limit=50
    )
    expected = sorted(
        (row["due_ms"], row["_id"], row["tenant_id"])
        for row in watched
        if row["watch"] and row.get("due_ms") is not None and row["due_ms"] <= 40_000
    )[:50]
    assert found is not None
    assert [key for _, key in found] == [key for _, key, _ in expected]
    assert [tenant for tenant, _ in found] == [tenant for _, _, tenant in expected]
    (statement,) = [text for text in reads.statements if "ORDER BY" in text]
    used = {node.get("Index Name", "") for node in _plan(statement)}
    assert any(name.startswith("gridgov_due_") for name in used), used


def test_ensuring_again_creates_nothing(watched: list[dict[str, Any]]) -> None:
    assert ensure_gin_indexes(POSTGRES_URL, Watched._get_collection().database, [Watched]) == []
