"""`EqualityReads.rows_within` through declared indexes answers exactly what its GIN form does.

The same rows are read twice: as `Sighting` (a near index and a list index declared, created
by `ensure_gin_indexes`) and as `Undeclared` (the same collection, nothing declared: the
statement over the GIN indexes). Boxes straddle cell borders and the meridian's negative side,
rows lack coordinates or times, and windows cut through them: ids, values and order agree.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterator
from typing import Any, ClassVar

import mongoengine as me
import psycopg
import pytest

from shared.mongo.documents import TenantDocument
from shared.mongo.indexes import ensure_gin_indexes
from shared.mongo.pg_reads import EqualityReads

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("mongo_db")]

POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)
COLLECTION = "it_pg_sightings"
FIELDS = ("area", "x", "y", "at_ms")


class _Fields(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {"abstract": True}

    sighting_id = me.StringField(primary_key=True)
    kind = me.StringField(required=True)
    area = me.StringField(required=True)
    x = me.FloatField()
    y = me.FloatField()
    at_ms = me.IntField()


class Sighting(_Fields):
    meta: ClassVar[dict[str, Any]] = {
        "collection": COLLECTION,
        "indexes": [("tenant_id", "kind")],
        "list_indexes": [("tenant_id", "kind", "area", "-at_ms")],
        "near_indexes": [
            {"equal": ("tenant_id", "kind"), "x": "x", "y": "y", "cell": "0.005", "time": "at_ms"}
        ],
    }


class Undeclared(_Fields):
    meta: ClassVar[dict[str, Any]] = {"collection": COLLECTION, "indexes": [("tenant_id", "kind")]}


@pytest.fixture(scope="module")
def sightings(mongo_db: str) -> Iterator[str]:
    collection = Sighting._get_collection()
    collection.drop()
    rng = random.Random(5)
    rows = []
    for n in range(1_500):
        located = rng.random() > 0.1
        rows.append(
            {
                "_id": f"s-{n:05d}",
                "tenant_id": rng.choice(["t-a", "t-a", "t-b"]),
                "kind": rng.choice(["fire", "road"]),
                "area": rng.choice(["a-1", "a-2"]),
                # Around 0/0 (negative cells) on a lattice of cell borders and between them.
                "x": round(rng.uniform(-0.02, 0.02), rng.choice([3, 6])) if located else None,
                "y": round(rng.uniform(-0.02, 0.02), rng.choice([3, 6])) if located else None,
                "at_ms": rng.choice([None, *range(0, 10_000, 7)]),
                "revision": 1,
                "outbox": [],
                "outbox_pending": False,
            }
        )
    collection.insert_many(rows)
    ensure_gin_indexes(POSTGRES_URL, collection.database, [Sighting])
    yield collection.database.name
    collection.drop()


def _both(database: str, **kwargs: Any) -> tuple[Any, Any]:
    reads = EqualityReads(POSTGRES_URL)
    return (
        reads.rows_within(Sighting, database, fields=FIELDS, **kwargs),
        reads.rows_within(Undeclared, database, fields=FIELDS, **kwargs),
    )


BOXES = [
    (0.0, 0.0, (-0.002, 0.002), (-0.002, 0.002)),  # four cells around the origin
    (0.005, -0.005, (0.0, 0.01), (-0.01, 0.0)),  # edges exactly on cell borders
    (-0.013, 0.007, (-0.0161, -0.0099), (0.0031, 0.0109)),
    (0.0, 0.0, (-0.02, 0.02), (-0.02, 0.02)),  # 64 cells: the widest box a near index reads
]


@pytest.mark.parametrize("box", BOXES)
@pytest.mark.parametrize("window", [(0.0, 10_000.0), (2_000.0, 7_000.0)])
def test_nearest_rows_by_the_near_index_equal_the_gin_read(
    sightings: str, box: Any, window: Any
) -> None:
    x, y, x_range, y_range = box
    served, plain = _both(
        sightings,
        where={"tenant_id": "t-a", "kind": "fire"},
        ranges={"at_ms": window, "x": x_range, "y": y_range},
        limit=40,
        nearest=("x", "y", x, y),
    )
    assert plain is not None
    assert served == plain
    assert served, "every box holds some rows"
    everything, _ = _both(
        sightings,
        where={"tenant_id": "t-a", "kind": "fire"},
        ranges={"at_ms": window, "x": x_range, "y": y_range},
        limit=10_000,
        nearest=("x", "y", x, y),
    )
    expected = {
        doc.pk
        for doc in Undeclared.objects(tenant_id="t-a", kind="fire")
        if None not in (doc.x, doc.y, doc.at_ms)
        and x_range[0] <= doc.x <= x_range[1]
        and y_range[0] <= doc.y <= y_range[1]
        and window[0] <= doc.at_ms <= window[1]
    }
    assert {row["_id"] for row in everything or []} == expected


@pytest.mark.parametrize("window", [(0.0, 10_000.0), (3_000.0, 7_500.0)])
def test_latest_rows_by_the_list_index_equal_the_gin_read(sightings: str, window: Any) -> None:
    served, plain = _both(
        sightings,
        where={"tenant_id": "t-b", "kind": "road", "area": "a-2"},
        ranges={"at_ms": window},
        limit=25,
        latest="at_ms",
    )
    assert plain is not None
    assert served == plain
    assert len(served) == 25
    assert [row["at_ms"] for row in served] == sorted(
        (row["at_ms"] for row in served), reverse=True
    )


def test_the_served_reads_use_their_indexes(sightings: str) -> None:
    """PostgreSQL plans both reads as index scans of the declared indexes, never a table scan."""
    statements = []
    reads = EqualityReads(POSTGRES_URL)
    original = reads._connection

    class Spy:
        def __init__(self, connection: psycopg.Connection[Any]) -> None:
            self.connection = connection

        def execute(self, query: Any, params: Any = None) -> Any:
            statements.append((query.as_string(self.connection), params))
            return self.connection.execute(query, params)

    reads._connection = lambda: Spy(original())  # type: ignore[assignment,return-value]
    reads.rows_within(
        Sighting,
        sightings,
        {"tenant_id": "t-a", "kind": "fire"},
        {"at_ms": (0.0, 10_000.0), "x": (-0.002, 0.002), "y": (-0.002, 0.002)},
        fields=FIELDS,
        limit=30,
        nearest=("x", "y", 0.0, 0.0),
    )
    reads.rows_within(
        Sighting,
        sightings,
        {"tenant_id": "t-a", "kind": "fire", "area": "a-1"},
        {"at_ms": (0.0, 10_000.0)},
        fields=FIELDS,
        limit=30,
        latest="at_ms",
    )
    # Not the table look-up.
    statements = [(text, params) for text, params in statements if "jsonb_to_record" in text]
    assert len(statements) == 2
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute("SET enable_seqscan = off")  # a 1,500-row table may be scanned
        for statement, params in statements:
            explained = connection.execute(f"EXPLAIN {statement}", params)
            plan = "\n".join(row[0] for row in explained)
            assert re.search(r"Index Scan (using|on) gridgov_list_", plan), plan
            assert "jsonb_to_record" in plan


def test_a_box_of_too_many_cells_is_read_the_gin_way(sightings: str) -> None:
    served, plain = _both(
        sightings,
        where={"tenant_id": "t-a", "kind": "road"},
        ranges={"at_ms": (0.0, 10_000.0), "x": (-0.03, 0.03), "y": (-0.03, 0.03)},
        limit=40,
        nearest=("x", "y", 0.0, 0.0),
    )
    assert served == plain
    assert served


def test_a_prepared_statement_answers_every_box(sightings: str) -> None:
    """psycopg prepares a statement run five times on a connection: every later box and
    window, given as parameters of the prepared statement, is still answered exactly."""
    reads = EqualityReads(POSTGRES_URL)
    plain = EqualityReads(POSTGRES_URL)
    asked = 0
    for _ in range(3):
        for x, y, x_range, y_range in BOXES[:3]:
            for window in [(0.0, 10_000.0), (2_000.0, 7_000.0)]:
                ask = {
                    "where": {"tenant_id": "t-a", "kind": "fire"},
                    "ranges": {"at_ms": window, "x": x_range, "y": y_range},
                    "limit": 40,
                    "nearest": ("x", "y", x, y),
                }
                served = reads.rows_within(Sighting, sightings, fields=FIELDS, **ask)
                assert served == plain.rows_within(Undeclared, sightings, fields=FIELDS, **ask)
                asked += 1
    assert asked == 18
