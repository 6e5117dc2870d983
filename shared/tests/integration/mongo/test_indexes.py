"""GIN expression indexes behind FerretDB: created from declarations, used by the queries.

Proved with FerretDB's own `explain`, which returns PostgreSQL's plan of the SQL it runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, ClassVar

import mongoengine as me
import psycopg
import pytest

from shared.mongo.documents import TenantDocument
from shared.mongo.indexes import ensure_gin_indexes, gin_plan

pytestmark = pytest.mark.integration

POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)
TENANTS = 5
STATUSES = 20
PER_TENANT = 1000


class Case(TenantDocument):
    status = me.StringField(required=True)
    code = me.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {
        "collection": "it_gin_cases",
        "indexes": [("tenant_id", "status"), {"fields": ("tenant_id", "code"), "unique": True}],
    }


def _plan_nodes(plan: Any) -> Iterator[dict[str, Any]]:
    if isinstance(plan, dict):
        if "Node Type" in plan:
            yield plan
        for value in plan.values():
            yield from _plan_nodes(value)
    elif isinstance(plan, list):
        for value in plan:
            yield from _plan_nodes(value)


def _explain(collection: Any, query: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Node types and index names of PostgreSQL's plan for a FerretDB find."""
    answer = collection.database.command(
        "explain", {"find": collection.name, "filter": query, "limit": 50}
    )
    assert answer["filterPushdown"] is True, "FerretDB did not hand the filter to PostgreSQL"
    nodes = list(_plan_nodes(answer["queryPlanner"]))
    return {n["Node Type"] for n in nodes}, {n["Index Name"] for n in nodes if "Index Name" in n}


@pytest.fixture(scope="module")
def cases(mongo_db: str) -> Any:
    collection = Case._get_collection()
    collection.drop()
    collection.insert_many(
        [
            {
                "tenant_id": f"t{t}",
                "status": f"s{i % STATUSES}",
                "code": f"c{i}",
                "revision": 1,
                "outbox": [],
                "outbox_pending": False,
            }
            for t in range(TENANTS)
            for i in range(PER_TENANT)
        ]
    )
    created = ensure_gin_indexes(POSTGRES_URL, collection.database, [Case])
    assert len([name for name in created if "it_gin_cases" in name]) == 4
    return collection


def test_the_plan_has_one_index_per_declaration_plus_id_and_outbox_flag() -> None:
    fields = {index.fields for index in gin_plan([Case]) if index.collection == "it_gin_cases"}
    assert fields == {("_id",), ("outbox_pending",), ("tenant_id", "status"), ("tenant_id", "code")}


class Log(TenantDocument):
    """An append-only log: never read by `_id`, never publishing."""

    publishes_events: ClassVar[bool] = False
    worker = me.StringField(required=True)
    meta: ClassVar[dict[str, Any]] = {
        "collection": "it_gin_log",
        "indexes": [("tenant_id", "worker")],
        "reads_by_id": False,
    }


def test_a_log_gets_only_its_declared_indexes() -> None:
    fields = {index.fields for index in gin_plan([Log]) if index.collection == "it_gin_log"}
    assert fields == {("tenant_id", "worker")}


def test_a_subset_of_a_declared_index_is_served_by_it(cases: Any) -> None:
    # Why a log declares (tenant, worker, day) alone: a read of (tenant, day) uses it too.
    nodes, indexes = _explain(cases, {"tenant_id": "t2"})
    assert "Seq Scan" not in nodes
    assert any(name.startswith("gridgov_gin_") for name in indexes)


def test_a_tenants_point_read_uses_an_index(cases: Any) -> None:
    doc_id = cases.find_one({"tenant_id": "t3", "code": "c7"})["_id"]
    nodes, indexes = _explain(cases, {"_id": doc_id, "tenant_id": "t3"})
    assert "Seq Scan" not in nodes
    assert any(name.startswith("gridgov_gin_") for name in indexes)


def test_an_equality_list_uses_an_index(cases: Any) -> None:
    nodes, indexes = _explain(cases, {"tenant_id": "t1", "status": "s4"})
    assert "Seq Scan" not in nodes
    assert any(name.startswith("gridgov_gin_") for name in indexes)
    assert len(list(cases.find({"tenant_id": "t1", "status": "s4"}))) == PER_TENANT // STATUSES


def test_the_relays_pending_query_uses_an_index(cases: Any) -> None:
    nodes, indexes = _explain(cases, {"outbox_pending": True})
    assert "Seq Scan" not in nodes
    assert indexes


def test_ensuring_again_creates_nothing_and_a_dropped_collection_gets_them_back(
    cases: Any,
) -> None:
    assert ensure_gin_indexes(POSTGRES_URL, cases.database, [Case]) == []
    cases.drop()
    again = ensure_gin_indexes(POSTGRES_URL, cases.database, [Case])
    assert len([name for name in again if "it_gin_cases" in name]) == 4
    with psycopg.connect(POSTGRES_URL) as conn:
        names = {
            row[0]
            for row in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = %s", (cases.database.name,)
            )
        }
    assert set(again) <= names
