"""Declared list indexes (`meta["list_indexes"]`): what a declaration may say, which lists it
serves, and that its index is built from the very expressions the list queries use."""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path
from typing import Any, ClassVar

import mongoengine as me
import pytest

from shared.mongo.documents import TenantDocument
from shared.mongo.indexes import ListBtreeIndex, list_plan
from shared.mongo.pg_reads import (
    _btree_clauses,
    _order,
    declared_list,
    declared_lists,
    list_indexes,
)
from shared.runtime import service_documents

NEWEST = ("-opened_at", "-case_id")
# The services' packages, found on disk: the platform library imports no service by name.
SERVICES = Path(__file__).resolve().parents[4] / "services"


class Case(TenantDocument):
    case_id = me.StringField(primary_key=True)
    status = me.StringField()
    urgent = me.BooleanField()
    rank = me.IntField()
    score = me.FloatField()
    opened_at = me.DateTimeField()
    labels = me.ListField(me.StringField())
    meta: ClassVar[dict[str, Any]] = {
        "collection": "unit_list_cases",
        "list_indexes": [
            ("tenant_id", *NEWEST),
            ("tenant_id", "status", "urgent", *NEWEST),
            ("tenant_id", "rank", "+score"),
        ],
    }


class Misdeclared(TenantDocument):
    status = me.StringField()
    score = me.FloatField()
    meta: ClassVar[dict[str, Any]] = {
        "collection": "unit_list_misdeclared",
        "list_indexes": [
            ("tenant_id", "score", "-id"),  # a float cannot be an exact btree equality
            ("tenant_id", "status", "-id"),
        ],
    }


def _sql(composable: Any) -> str:
    return str(composable.as_string())


def test_a_declaration_is_its_equalities_then_its_order() -> None:
    first, second, third = list_indexes(Case)
    assert first.signature() == "tenant_id:text|opened_at:number:desc,_id:text:desc"
    assert second.signature() == (
        "tenant_id:text,status:text,urgent:json|opened_at:number:desc,_id:text:desc"
    )
    # An order without the id as text ends with the `_id` tie-break, as every list does.
    assert third.signature() == "tenant_id:text,rank:json|score:number:asc,_id:text:asc"


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        (("status", "-opened_at"), "must start with tenant_id"),
        (("tenant_id",), "needs its order"),
        (("tenant_id", "-opened_at", "status"), "needs its order"),
        (("tenant_id", "missing", "-opened_at"), "filters on 'missing'"),
        (("tenant_id", "score", "-opened_at"), "filters on 'score'"),
        (("tenant_id", "opened_at", "-rank"), "filters on 'opened_at'"),
        (("tenant_id", "status", "status", "-rank"), "twice"),
        (("tenant_id", "-labels"), "orders by a field"),
        (("tenant_id", "-urgent"), "orders by a field"),
        ("tenant_id", "must be a tuple"),
    ],
)
def test_a_declaration_that_cannot_be_one_is_refused_by_name(spec: Any, why: str) -> None:
    class Bad(TenantDocument):
        case_id = me.StringField(primary_key=True)
        status = me.StringField()
        urgent = me.BooleanField()
        rank = me.IntField()
        score = me.FloatField()
        opened_at = me.DateTimeField()
        labels = me.ListField(me.StringField())
        meta: ClassVar[dict[str, Any]] = {"collection": "unit_bad", "list_indexes": [spec]}

    with pytest.raises(ValueError, match=why) as raised:
        list_indexes(Bad)
    assert "Bad" in str(raised.value)
    assert declared_lists(Bad) == ()  # skipped (and logged) where lists are read


def test_a_bad_declaration_is_skipped_and_the_others_still_serve() -> None:
    with pytest.raises(ValueError, match="score"):
        list_indexes(Misdeclared)
    [kept] = declared_lists(Misdeclared)
    assert kept.signature().startswith("tenant_id:text,status:text|")
    assert [index.list_index for index in list_plan([Misdeclared])] == [kept]


def test_a_list_is_served_only_by_exactly_its_declaration() -> None:
    where = {"urgent": True, "tenant_id": "t", "status": "open"}  # any order of keys
    assert declared_list(Case, where, NEWEST) == list_indexes(Case)[1]
    assert declared_list(Case, where, ("-opened_at", "-pk")) == list_indexes(Case)[1]
    assert declared_list(Case, {"tenant_id": "t"}, NEWEST) == list_indexes(Case)[0]
    assert declared_list(Case, {"tenant_id": "t", "rank": 2}, ("score",)) is not None
    # Another order, direction, subset or superset of equalities is not that list.
    assert declared_list(Case, where, ("-opened_at",)) is None
    assert declared_list(Case, where, ("opened_at", "case_id")) is None
    assert declared_list(Case, {"tenant_id": "t", "status": "open"}, NEWEST) is None
    assert declared_list(Case, {**where, "rank": 1}, NEWEST) is None
    assert declared_list(Case, {"tenant_id": "t", "rank__gte": 2}, ("score",)) is None
    assert declared_list(Case, {"tenant_id": "t"}, ("-labels",)) is None


def test_the_index_is_made_of_the_queries_own_expressions() -> None:
    index = list_indexes(Case)[1]
    columns = _sql(index.columns())
    # The ORDER BY of the list, key by key, is the tail of the index (same text, directions).
    order = _sql(_order(Case, NEWEST))
    terms = [re.fullmatch(r"(.*) (DESC NULLS LAST|ASC NULLS FIRST)", t) for t in order.split(", ")]
    tail = ", ".join(f"({term[1]}) {term[2]}" for term in terms if term is not None)
    assert len(terms) == 2
    assert columns.endswith(", " + tail)
    assert columns.endswith("((_jsonb -> '_id') #>> '{}') DESC NULLS LAST"), (
        "the order ends with the id: no second tie-break"
    )
    # Each equality compares the index's own leading expressions.
    clauses = _btree_clauses(Case, {"tenant_id": "t", "status": "open", "urgent": True})
    assert clauses is not None
    assert [_sql(clause) for clause in clauses] == [
        "(_jsonb -> 'tenant_id') #>> '{}' = 't'",
        "(_jsonb -> 'status') #>> '{}' = 'open'",
        "_jsonb -> 'urgent' = 'true'::jsonb",
    ]
    assert columns.startswith(
        "((_jsonb -> 'tenant_id') #>> '{}'), ((_jsonb -> 'status') #>> '{}'), "
        "(_jsonb -> 'urgent'), "
    )
    # A value of another type than the field's is no equality this path answers.
    assert _btree_clauses(Case, {"tenant_id": "t", "urgent": "yes"}) is None
    assert _btree_clauses(Case, {"tenant_id": "t", "rank": True}) is None


def test_index_names_are_stable_short_and_differ_per_make_up() -> None:
    plan = list_plan([Case, Case])
    assert len(plan) == 3
    table = "unit_list_cases_" + "x" * 60
    names = [index.name(table) for index in plan]
    assert len(set(names)) == 3
    assert all(name.startswith("gridgov_list_") and len(name) < 64 for name in names)
    again = ListBtreeIndex("unit_list_cases", list_indexes(Case)[0])
    assert again.name(table) == names[0]
    assert again.name("other_table") != names[0]


def test_every_services_declarations_are_lists() -> None:
    """A declaration that cannot be one would be skipped silently at run time: refuse it here."""
    checked = 0
    for info in pkgutil.iter_modules([str(SERVICES)]):
        for document in service_documents(info.name):
            checked += len(list_indexes(document))
    assert checked >= 4  # the centre's event lists at least
