"""Declared list indexes behind FerretDB: created from `meta["list_indexes"]`, used by the
lists they declare, and answering exactly what the window-count path answers.

Two document classes share one collection: `Listed` declares its lists, `Undeclared` does not,
so the same request goes through the btree path for one and the old path for the other, and
the pages must agree total for total, row for row (ties, missing and null values included).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import mongoengine as me
import psycopg
import pytest
from psycopg import sql

from shared.mongo.documents import TenantDocument
from shared.mongo.indexes import ensure_gin_indexes, list_plan
from shared.mongo.pg_reads import EqualityReads, configure_equality_reads, declared_list
from shared.mongo.repository import TenantRepository

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("mongo_db")]

POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)
COLLECTION = "it_pg_listed"
NEWEST = ("-opened_at", "-listed_id")
FIELDS = ("code", "status", "urgent", "rank", "opened_at")


class _Fields(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {"abstract": True}

    listed_id = me.StringField(primary_key=True)
    code = me.StringField()
    status = me.StringField()
    urgent = me.BooleanField()
    rank = me.IntField()
    opened_at = me.DateTimeField()


class Listed(_Fields):
    meta: ClassVar[dict[str, Any]] = {
        "collection": COLLECTION,
        "indexes": [("tenant_id", "status", "urgent")],
        "list_indexes": [
            ("tenant_id", *NEWEST),
            ("tenant_id", "status", *NEWEST),
            ("tenant_id", "status", "urgent", *NEWEST),
            ("tenant_id", "urgent", "+rank", "+code"),
            ("tenant_id", "rank", "-code"),
        ],
    }


class Undeclared(_Fields):
    meta: ClassVar[dict[str, Any]] = {"collection": COLLECTION}


class ListedRepository(TenantRepository[Listed]):
    document = Listed


@pytest.fixture(scope="module")
def listed(mongo_db: str) -> Iterator[Any]:
    collection = Listed._get_collection()
    collection.drop()
    rng = random.Random(11)
    start = datetime(2026, 3, 1, tzinfo=UTC)
    # Few distinct instants and ranks: many ties. Missing values (the repository stores no
    # None) and explicit nulls (written raw) both occur in every ordered field.
    instants = [start + timedelta(hours=h) for h in range(12)]
    for n in range(700):
        tenant = "t-a" if n % 4 else "t-b"
        values: dict[str, Any] = {
            "code": rng.choice(["甲", "乙", "A", "a", "Z", "b-1", "b-10", "b-2", None]),
            "status": rng.choice(["open", "closed", "待办", None]),
            "urgent": rng.choice([True, False, None]),
            "rank": rng.choice([1, 2, 3, -5, 0, None]),
            "opened_at": rng.choice([*instants, None, None]),
        }
        key = f"L-{rng.randrange(10**6):06d}-{n:03d}"
        if n % 5 == 0:
            collection.insert_one(
                {
                    "_id": key,
                    "tenant_id": tenant,
                    "revision": 1,
                    "outbox": [],
                    "outbox_pending": False,
                    **values,  # None is stored as null here
                }
            )
        else:
            ListedRepository(tenant).add(Listed(listed_id=key, **values))
    created = ensure_gin_indexes(POSTGRES_URL, collection.database, [Listed])
    assert len([name for name in created if name.startswith("gridgov_list_")]) == 5
    yield collection
    configure_equality_reads(None)


def _database() -> str:
    return str(Listed._get_collection().database.name)


def _pages(
    reads: EqualityReads, document: type[TenantDocument], where: dict[str, Any], order: Any
) -> list[tuple[int, list[tuple[Any, ...]]]]:
    """Every page of 40 of the list (and one past the end): totals and rows."""
    pages = []
    for offset in range(0, 360, 40):
        found = reads.page_rows(
            document, _database(), where, order_by=order, offset=offset, limit=40, fields=FIELDS
        )
        assert found is not None, "PostgreSQL should have answered this one"
        pages.append((found.total, [tuple(row[k] for k in ("_id", *FIELDS)) for row in found.rows]))
    return pages


CASES = [
    ({}, NEWEST),
    ({"status": "open"}, NEWEST),
    ({"status": "待办"}, NEWEST),
    ({"status": "closed", "urgent": True}, NEWEST),
    ({"urgent": False, "status": "open"}, ("-opened_at", "-pk")),
    ({"urgent": True}, ("rank", "code")),
    ({"urgent": False}, ("+rank", "+code")),
    ({"rank": 2}, ("-code",)),
    ({"rank": -5}, ("-code",)),
    ({"status": "none of them"}, NEWEST),
]


@pytest.mark.usefixtures("listed")
@pytest.mark.parametrize(("where", "order"), CASES)
@pytest.mark.parametrize("tenant", ["t-a", "t-b"])
def test_the_btree_path_pages_exactly_as_the_window_path(
    where: dict[str, Any], order: tuple[str, ...], tenant: str
) -> None:
    full = {"tenant_id": tenant, **where}
    assert declared_list(Listed, full, order) is not None
    assert declared_list(Undeclared, full, order) is None
    reads = EqualityReads(POSTGRES_URL)
    btree, window = _pages(reads, Listed, full, order), _pages(reads, Undeclared, full, order)
    assert btree == window
    total = btree[0][0]
    assert [len(rows) for _, rows in btree] == [
        max(0, min(40, total - offset)) for offset in range(0, 360, 40)
    ]
    if where.get("status") != "none of them":
        assert total > 0
    # The tenant wall: only this tenant's rows, all of them.
    ids = {row[0] for _, rows in btree for row in rows}
    stored = Listed._get_collection().count_documents(full)
    assert total == stored
    if total <= 360:
        assert len(ids) == total


@pytest.mark.usefixtures("listed")
def test_missing_and_null_values_sort_like_mongodb_and_ties_by_id() -> None:
    reads = EqualityReads(POSTGRES_URL)
    found = reads.page_rows(
        Listed,
        _database(),
        {"tenant_id": "t-a"},
        order_by=NEWEST,
        offset=0,
        limit=900,
        fields=FIELDS,
    )
    assert found is not None
    assert found.total == len(found.rows)
    keys = [(row["opened_at"], row["_id"]) for row in found.rows]
    dated = [key for key in keys if key[0] is not None]
    assert keys == dated + [key for key in keys if key[0] is None]  # nulls last, descending
    assert dated == sorted(dated, reverse=True)
    undated = [key[1] for key in keys if key[0] is None]
    assert len(undated) > 10
    assert undated == sorted(undated, reverse=True)  # ties by the id, as ordered
    # Ascending: missing and null ranks first; equal ranks by code, equal codes by id.
    found = reads.page_rows(
        Listed,
        _database(),
        {"tenant_id": "t-a", "urgent": True},
        order_by=("rank", "code"),
        offset=0,
        limit=900,
        fields=FIELDS,
    )
    assert found is not None
    ranks = [row["rank"] for row in found.rows]
    assert ranks[0] is None
    assert ranks == sorted(ranks, key=lambda rank: (rank is not None, rank or 0))


@pytest.mark.usefixtures("listed")
def test_the_repository_lists_declared_lists_as_ferretdb_does() -> None:
    configure_equality_reads(POSTGRES_URL)
    fast = ListedRepository("t-a").list(offset=10, limit=30, order_by=NEWEST, status="open")
    fast_values = ListedRepository("t-a").list_values(
        ("status", "opened_at"), offset=10, limit=30, order_by=NEWEST, status="open"
    )
    configure_equality_reads(None)
    slow = ListedRepository("t-a").list(offset=10, limit=30, order_by=NEWEST, status="open")
    assert fast.total == slow.total == fast_values.total > 30
    # FerretDB orders a missing date and a null one alike, by the id then.
    assert [doc.pk for doc in fast.items] == [doc.pk for doc in slow.items]
    assert [row["_id"] for row in fast_values.items] == [doc.pk for doc in slow.items]
    assert all(doc.tenant_id == "t-a" for doc in fast.items)


class _Recording(EqualityReads):
    """EqualityReads that keeps the text of every statement it sends."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.statements: list[str] = []

    def _connection(self) -> Any:
        conn = super()._connection()
        statements = self.statements

        class Recorder:
            def execute(self, query: Any, *args: Any) -> Any:
                statements.append(query.as_string(conn) if hasattr(query, "as_string") else query)
                return conn.execute(query, *args)

        return Recorder()


def _plan(statement: str) -> list[dict[str, Any]]:
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        # A few hundred rows are cheaper to scan than to look up: ask whether the index *can*
        # answer (its expressions match the query's), not whether it pays on a small table.
        conn.execute("SET enable_seqscan = off")
        row = conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) ") + sql.SQL(statement)).fetchone()
    assert row is not None
    nodes: list[dict[str, Any]] = []

    def walk(node: dict[str, Any]) -> None:
        nodes.append(node)
        for child in node.get("Plans", []):
            walk(child)

    walk(row[0][0]["Plan"])
    return nodes


@pytest.mark.usefixtures("listed")
def test_a_declared_list_is_counted_and_paged_from_its_own_index() -> None:
    reads = _Recording(POSTGRES_URL)
    where = {"tenant_id": "t-a", "status": "open", "urgent": True}
    reads.page_rows(Listed, _database(), where, order_by=NEWEST, offset=0, limit=20, fields=())
    count, page = [s for s in reads.statements if "_ferretdb_database_metadata" not in s]
    assert count.startswith("SELECT count(*)")
    assert "OVER ()" not in page
    assert "LIMIT 20" in page
    table = next(s for s in reads.statements if "count(*)" in s).split('"')[3]
    expected = next(
        index.name(table)
        for index in list_plan([Listed])
        if index.list_index == declared_list(Listed, where, NEWEST)
    )
    for statement in (count, page):
        nodes = _plan(statement)
        assert expected in {node.get("Index Name") for node in nodes}, nodes
        assert not {"Sort", "Seq Scan", "WindowAgg"} & {node["Node Type"] for node in nodes}
    # An undeclared list still takes the window count over the GIN indexes.
    reads.statements.clear()
    reads.page_rows(Listed, _database(), where, order_by=("code",), offset=0, limit=20, fields=())
    assert any("count(*) OVER ()" in s for s in reads.statements)


def test_ensuring_creates_the_list_indexes_once(listed: Any) -> None:
    database = listed.database
    assert [
        name
        for name in ensure_gin_indexes(POSTGRES_URL, database, [Listed])
        if name.startswith("gridgov_list_")
    ] == []
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        found: dict[str, str] = dict(
            conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = %s AND indexname LIKE 'gridgov_list_%%'",
                (database.name,),
            ).fetchall()
        )
    assert len(found) == 5
    assert all(" USING btree " in definition for definition in found.values())
    newest = next(d for d in found.values() if "'status'" in d and "'urgent'" in d)
    assert "DESC NULLS LAST" in newest
    assert COLLECTION in newest
    # Undeclared lists get none, and a second document on the collection adds none.
    assert list_plan([Undeclared]) == []
    assert ensure_gin_indexes(POSTGRES_URL, database, [Listed, Undeclared]) == []
