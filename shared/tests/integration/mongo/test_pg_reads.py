"""List pages counted and ordered by PostgreSQL equal the pages FerretDB computes itself.

Every case runs `TenantRepository.list` twice on the same data, once through
`shared.mongo.pg_reads` and once with it switched off, and the answers must agree: the total,
the ids on the page, and their order wherever the order is defined (ties are ordered by id
on the PostgreSQL path, and compared as sets here).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import mongoengine as me
import pytest
from bson import ObjectId

from shared.mongo.documents import TenantDocument
from shared.mongo.pg_reads import EqualityReads, configure_equality_reads, equality_reads
from shared.mongo.repository import TenantRepository

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("mongo_db")]

POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)


class Ticket(TenantDocument):
    code = me.StringField(required=True)
    status = me.StringField()
    urgent = me.BooleanField()
    rank = me.IntField()
    opened_at = me.DateTimeField()
    meta: ClassVar[dict[str, Any]] = {
        "collection": "it_pg_tickets",
        "indexes": [("tenant_id", "status"), ("tenant_id", "urgent", "rank")],
    }


class Tickets(TenantRepository[Ticket]):
    document = Ticket


@pytest.fixture(scope="module")
def tickets(mongo_db: str) -> Iterator[None]:
    Ticket._get_collection().drop()
    rng = random.Random(7)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(400):
        tenant = "t-a" if i % 3 else "t-b"
        Tickets(tenant).add(
            Ticket(
                code=rng.choice(["甲", "乙", "A", "a", "Z", "b-1", "b-10", "b-2"]) + f"{i:03d}",
                status=rng.choice(["open", "closed", "待办", None]),
                urgent=rng.choice([True, False, None]),
                rank=rng.choice([1, 2, 3, -5, None]),
                opened_at=rng.choice([start + timedelta(hours=rng.randrange(500)), None]),
            )
        )
    previous = equality_reads()
    yield
    configure_equality_reads(None if previous is None else POSTGRES_URL)


def _both(tenant: str, **kwargs: Any) -> tuple[Any, Any]:
    configure_equality_reads(POSTGRES_URL)
    fast = Tickets(tenant).list(**kwargs)
    configure_equality_reads(None)
    slow = Tickets(tenant).list(**kwargs)
    return fast, slow


def _key(doc: Ticket, order: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(getattr(doc, name.lstrip("-")) for name in order)


CASES = [
    ({}, ("-id",)),
    ({"status": "open"}, ("-id",)),
    ({"status": "待办"}, ("id",)),
    ({"urgent": True}, ("code",)),
    ({"urgent": False, "rank": 2}, ("-code",)),
    ({"status": "closed"}, ("-opened_at",)),
    ({"status": "open"}, ("opened_at", "-id")),
    ({"rank": -5}, ("-rank", "code")),
]


@pytest.mark.usefixtures("tickets")
@pytest.mark.parametrize(("where", "order"), CASES)
@pytest.mark.parametrize("offset", [0, 7])
def test_postgres_pages_equal_ferretdb_pages(
    where: dict[str, Any], order: tuple[str, ...], offset: int
) -> None:
    fast, slow = _both("t-a", offset=offset, limit=25, order_by=order, **where)
    answered = EqualityReads(POSTGRES_URL).page_ids(
        Ticket,
        Ticket._get_collection().database.name,
        {"tenant_id": "t-a", **where},
        order_by=order,
        offset=offset,
        limit=25,
    )
    assert answered is not None, "PostgreSQL should have answered this one"
    assert answered.ids == [d.pk for d in fast.items]
    assert fast.total == slow.total > 0
    assert [_key(d, order) for d in fast.items] == [_key(d, order) for d in slow.items]
    if order[-1].lstrip("-") == "id" or (len(order) == 1 and order[0].endswith("id")):
        assert [d.pk for d in fast.items] == [d.pk for d in slow.items]
    assert all(d.tenant_id == "t-a" for d in fast.items)


@pytest.mark.usefixtures("tickets")
def test_another_tenants_documents_never_appear() -> None:
    fast, slow = _both("t-b", offset=0, limit=500, order_by=("-id",))
    assert {d.pk for d in fast.items} == {d.pk for d in slow.items}
    assert fast.total == len(fast.items) == slow.total
    assert all(d.tenant_id == "t-b" for d in fast.items)


@pytest.mark.usefixtures("tickets")
def test_filters_postgres_cannot_answer_fall_back_to_ferretdb() -> None:
    fast, slow = _both("t-a", offset=0, limit=50, order_by=("-id",), rank__gte=2)
    database = Ticket._get_collection().database.name
    reads = EqualityReads(POSTGRES_URL)
    where = {"tenant_id": "t-a", "rank__gte": 2}
    assert reads.page_ids(Ticket, database, where, order_by=("-id",), offset=0, limit=5) is None
    assert fast.total == slow.total
    assert [d.pk for d in fast.items] == [d.pk for d in slow.items]


@pytest.mark.usefixtures("tickets")
@pytest.mark.parametrize(("where", "order"), CASES[:6])
def test_list_values_from_postgres_equal_those_from_ferretdb(
    where: dict[str, Any], order: tuple[str, ...]
) -> None:
    fields = ("code", "status", "urgent", "rank", "opened_at")
    configure_equality_reads(POSTGRES_URL)
    fast = Tickets("t-a").list_values(fields, offset=3, limit=20, order_by=order, **where)
    configure_equality_reads(None)
    slow = Tickets("t-a").list_values(fields, offset=3, limit=20, order_by=order, **where)
    assert fast.total == slow.total > 0

    def rows(page: Any) -> list[tuple[Any, ...]]:
        return sorted((str(row["_id"]), *(row[name] for name in fields)) for row in page.items)

    if order[-1].lstrip("-") == "id":
        assert rows(fast) == rows(slow)
    assert all(
        row["opened_at"] is None or row["opened_at"].tzinfo is not None for row in fast.items
    )
    # Only fields PostgreSQL can decode: an embedded list of documents is refused.
    database = Ticket._get_collection().database.name
    refused = EqualityReads(POSTGRES_URL).page_rows(
        Ticket,
        database,
        {"tenant_id": "t-a"},
        order_by=("-id",),
        offset=0,
        limit=5,
        fields=("outbox",),
    )
    assert refused is None


@pytest.mark.usefixtures("tickets")
def test_rows_within_ranges_nearest_first_and_within_the_tenant() -> None:
    database = Ticket._get_collection().database.name
    reads = EqualityReads(POSTGRES_URL)
    found = reads.rows_within(
        Ticket,
        database,
        {"tenant_id": "t-a", "urgent": True},
        {"rank": (1.0, 2.0)},
        fields=("rank", "code"),
        limit=500,
        nearest=("rank", "rank", 2.0, 2.0),
    )
    assert found is not None
    expected = {
        doc.pk: doc.rank
        for doc in Ticket.objects(tenant_id="t-a", urgent=True)
        if doc.rank is not None and 1 <= doc.rank <= 2
    }
    assert {row["_id"]: row["rank"] for row in found} == expected
    ranks = [row["rank"] for row in found]
    assert ranks == sorted(ranks, key=lambda rank: abs(rank - 2))  # nearest to 2 first
    latest = reads.rows_within(
        Ticket, database, {"tenant_id": "t-b"}, {}, fields=("rank",), limit=3, latest="rank"
    )
    assert latest is not None
    assert [row["rank"] for row in latest] == sorted(
        (d.rank for d in Ticket.objects(tenant_id="t-b") if d.rank is not None), reverse=True
    )[:3]
    # A range over a field that is no number cannot be answered here.
    assert (
        reads.rows_within(
            Ticket, database, {"tenant_id": "t-a"}, {"code": (0, 1)}, fields=(), limit=5
        )
        is None
    )


class Dossier(TenantDocument):
    """Every kind of value the services store, nested as they nest them."""

    class Entry(me.EmbeddedDocument):  # type: ignore[misc]
        at = me.DateTimeField()
        note = me.StringField()
        weight = me.FloatField()

    title = me.StringField()
    count = me.IntField()
    big = me.LongField()
    ratio = me.FloatField()
    flag = me.BooleanField()
    when = me.DateTimeField()
    ref = me.ObjectIdField()
    tags = me.ListField(me.StringField())
    numbers = me.ListField(me.IntField())
    entries = me.EmbeddedDocumentListField(Entry)
    extra = me.DictField()
    meta: ClassVar[dict[str, Any]] = {"collection": "it_pg_dossiers"}


class Dossiers(TenantRepository[Dossier]):
    document = Dossier


def _dossiers(tenant: str, n: int) -> list[Any]:
    rng = random.Random(n)
    made = []
    for _ in range(n):
        made.append(
            Dossiers(tenant)
            .add(
                Dossier(
                    title=rng.choice(["网格 12", "", 'a\\"b', None]),
                    count=rng.choice([0, -3, 2**31 - 1, None]),
                    big=rng.choice([2**40, None]),
                    ratio=rng.choice([0.1, 1.0, -2.5e-7, None]),
                    flag=rng.choice([True, False, None]),
                    when=datetime(2026, 10, 8, 9, 30, 15, 123000, tzinfo=UTC)
                    + timedelta(milliseconds=rng.randrange(10**9)),
                    ref=rng.choice([None, ObjectId()]),
                    tags=rng.choice([[], ["一", "two"]]),
                    numbers=[rng.randrange(100) for _ in range(rng.randrange(4))],
                    entries=[
                        Dossier.Entry(
                            at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=k),
                            note=rng.choice(["x", None]),
                            weight=rng.choice([0.5, 3.0]),
                        )
                        for k in range(rng.randrange(3))
                    ],
                    extra=rng.choice([{}, {"k": 1, "nested": {"deep": [1, "二", None]}}]),
                )
            )
            .pk
        )
    return made


def test_documents_read_from_postgresql_equal_what_ferretdb_answers() -> None:
    Dossier._get_collection().drop()
    ids = _dossiers("t-a", 40)
    _dossiers("t-b", 5)
    reads = EqualityReads(POSTGRES_URL)
    collection = Dossier._get_collection()
    asked = [ids[5], "missing-id", *ids[:5], ids[-1]]
    found = reads.documents(Dossier, collection.database.name, "t-a", asked)
    assert found is not None
    for key, doc in zip(asked, found, strict=True):
        expected = collection.find_one({"_id": key, "tenant_id": "t-a"})
        assert doc == expected, key
        if expected is not None:
            assert list(doc) == list(expected)  # the keys in their stored order
    # Another tenant's ids are not found, and get_many answers as the point reads do.
    assert reads.documents(Dossier, collection.database.name, "t-b", ids[:3]) == [None] * 3
    configure_equality_reads(POSTGRES_URL)
    try:
        fast = Dossiers("t-a").get_many([*ids[:10], "missing-id"])
    finally:
        configure_equality_reads(None)
    slow = Dossiers("t-a").get_many([*ids[:10], "missing-id"])
    assert [d.to_mongo() if d else None for d in fast] == [
        d.to_mongo() if d else None for d in slow
    ]
