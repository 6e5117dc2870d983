"""List pages of FerretDB collections, counted and ordered by the PostgreSQL behind it.

FerretDB 1.24 hands a list's equality filter to PostgreSQL, but then decodes every matching
document in Go to count them, and again to sort them before taking a page: about 45 µs a
document, so a tenant list whose filter matches 2,000 documents took about 100 ms to count and
110 ms more for its page, however well indexed. PostgreSQL answers both from the GIN indexes in
a few milliseconds. So, for lists whose filter is plain equality on declared scalar fields
(the shape docs/store.md asks every hot list to have), `EqualityReads` asks PostgreSQL for the
total and for the ids of the page in order, and the page's documents are then read through
FerretDB by id (point reads, a few in flight).

Exactness: the SQL is the filter FerretDB itself pushes down (`_jsonb -> 'field' @> value`),
applied only to fields whose declared type guarantees what is stored (mongoengine validates
every write): strings, booleans, integers and ids. Ordering uses the same representation
FerretDB stores: ids and strings compare as text in the database's C collation (byte order,
as MongoDB compares strings), numbers and dates (milliseconds) as numbers, missing values
first when ascending, as MongoDB does. Anything else (operators, other types, an unknown
collection, PostgreSQL unreachable) returns None and the caller asks FerretDB as before.
Reads only: nothing here writes.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import mongoengine as me
import psycopg
from bson import ObjectId
from psycopg import sql

log = logging.getLogger(__name__)

_FETCH_THREADS = 4
_TEXT_ORDER = (me.StringField, me.ObjectIdField)
_NUMBER_ORDER = (me.IntField, me.FloatField, me.DateTimeField)


@dataclass(frozen=True, slots=True)
class PageIds:
    """The total matching and the ids of one page, in order."""

    total: int
    ids: list[Any]


class EqualityReads:
    """Counts and page orders of plain-equality lists, from FerretDB's PostgreSQL tables."""

    def __init__(self, postgres_url: str) -> None:
        self._url = postgres_url
        self._local = threading.local()
        self._tables: dict[tuple[str, str], str] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # -- the one entry point -------------------------------------------------------------------

    def page_ids(
        self,
        document: type[me.Document],
        database: str,
        where: Mapping[str, Any],
        *,
        order_by: Sequence[str],
        offset: int,
        limit: int,
    ) -> PageIds | None:
        """Total and page ids for `where` (mongoengine field names -> values) ordered by
        `order_by` (mongoengine style, `-` for descending); None when this cannot answer."""
        conditions = _conditions(document, where)
        order = _order(document, order_by)
        if conditions is None or order is None or "tenant_id" not in where:
            return None
        table = self._table(database, document._get_collection_name())
        if table is None:
            return None
        clause = sql.SQL(" AND ").join(
            sql.SQL("_jsonb -> {} @> {}::jsonb").format(sql.Literal(f), sql.Literal(v))
            for f, v in conditions
        )
        source = sql.Identifier(database, table)
        try:
            conn = self._connection()
            count = conn.execute(
                sql.SQL("SELECT count(*) FROM {} WHERE {}").format(source, clause)
            ).fetchone()
            rows = conn.execute(
                sql.SQL(
                    "SELECT _jsonb ->> '_id' FROM {} WHERE {} ORDER BY {} LIMIT {} OFFSET {}"
                ).format(source, clause, order, sql.Literal(limit), sql.Literal(offset))
            ).fetchall()
        except psycopg.Error as exc:
            log.warning("PostgreSQL list read failed, asking FerretDB: %r", exc)
            self._drop(database)
            return None
        total = int(count[0]) if count else 0
        return PageIds(total=total, ids=[_id_value(document, row[0]) for row in rows])

    def due_ids(
        self,
        document: type[me.Document],
        database: str,
        *,
        flag: str,
        number: str,
        at_most: int,
        limit: int | None,
    ) -> list[tuple[str, Any]] | None:
        """``(tenant_id, _id)`` of every tenant's documents whose boolean ``flag`` is true and
        whose integer ``number`` is at most ``at_most``, smallest first, at most ``limit`` of
        them (None: all): the scans of schedulers (a range FerretDB would answer by decoding
        every flagged document in Go). None when this cannot answer (the caller asks
        FerretDB)."""
        flag_field, number_field = _field(document, flag), _field(document, number)
        if not isinstance(flag_field, me.BooleanField) or not isinstance(number_field, me.IntField):
            return None
        table = self._table(database, document._get_collection_name())
        if table is None:
            return None
        value = sql.SQL(
            "(CASE WHEN jsonb_typeof(_jsonb -> {0}) = 'number' THEN (_jsonb -> {0})::numeric END)"
        ).format(sql.Literal(number_field.db_field))
        query = sql.SQL(
            "SELECT _jsonb ->> 'tenant_id', _jsonb ->> '_id' FROM {} "
            "WHERE _jsonb -> {} @> 'true'::jsonb AND {} <= {} ORDER BY {} LIMIT {}"
        ).format(
            sql.Identifier(database, table),
            sql.Literal(flag_field.db_field),
            value,
            sql.Literal(at_most),
            value,
            sql.Literal(limit),
        )
        try:
            rows = self._connection().execute(query).fetchall()
        except psycopg.Error as exc:
            log.warning("PostgreSQL due read failed, asking FerretDB: %r", exc)
            self._drop(database)
            return None
        return [(str(tenant), _id_value(document, raw)) for tenant, raw in rows]

    def fetch(self, calls: Sequence[Any]) -> list[Any]:
        """Run the page's point reads a few at a time; results in the order of `calls`."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(_FETCH_THREADS, thread_name_prefix="page-read")
        return list(self._pool.map(lambda call: call(), calls))

    # -- plumbing ------------------------------------------------------------------------------

    def _connection(self) -> psycopg.Connection[Any]:
        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = psycopg.connect(self._url, autocommit=True, connect_timeout=3)
            self._local.conn = conn
        return conn

    def _drop(self, database: str) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        for key in [key for key in self._tables if key[0] == database]:
            self._tables.pop(key, None)

    def _table(self, database: str, collection: str) -> str | None:
        key = (database, collection)
        if key not in self._tables:
            try:
                rows = self._connection().execute(
                    sql.SQL("SELECT _jsonb ->> '_id', _jsonb ->> 'table' FROM {}").format(
                        sql.Identifier(database, "_ferretdb_database_metadata")
                    )
                )
                for name, table in rows.fetchall():
                    self._tables[(database, str(name))] = str(table)
            except psycopg.Error:
                self._drop(database)
                return None
        return self._tables.get(key)


def _conditions(
    document: type[me.Document], where: Mapping[str, Any]
) -> list[tuple[str, str]] | None:
    """`(db field, JSON text as FerretDB stores it)` per equality; None if any cannot be."""
    found: list[tuple[str, str]] = []
    for name, value in where.items():
        field = _field(document, name)
        if field is None:
            return None
        encoded = _encode(field, value)
        if encoded is None:
            return None
        found.append((field.db_field, encoded))
    return found


def _field(document: type[me.Document], name: str) -> Any:
    if "__" in name:
        return None  # an operator (`__in`, `__lte`, ...): FerretDB evaluates those itself
    if name == "pk":
        name = document._meta["id_field"]
    return document._fields.get(name)


def _encode(field: Any, value: Any) -> str | None:
    if isinstance(field, me.ObjectIdField) and isinstance(value, ObjectId):
        return json.dumps(str(value))
    if isinstance(field, me.StringField) and isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(field, me.BooleanField) and isinstance(value, bool):
        return json.dumps(value)
    if (
        isinstance(field, me.IntField)
        and isinstance(value, int)
        and not isinstance(value, bool)
        and abs(value) < 2**53
    ):
        return json.dumps(value)
    return None


def _order(document: type[me.Document], order_by: Sequence[str]) -> sql.Composable | None:
    parts: list[sql.Composable] = []
    for spec in order_by:
        descending = spec.startswith("-")
        name = spec.lstrip("+-")
        field = _field(document, "pk" if name in {"id", "pk"} else name)
        if field is None:
            return None
        path = sql.SQL("_jsonb -> {}").format(sql.Literal(field.db_field))
        if isinstance(field, _TEXT_ORDER):
            key: sql.Composable = sql.SQL("({}) #>> '{{}}'").format(path)
        elif isinstance(field, _NUMBER_ORDER):
            key = sql.SQL(
                "(CASE WHEN jsonb_typeof({0}) = 'number' THEN ({0})::numeric END)"
            ).format(path)
        else:
            return None
        direction = sql.SQL("DESC NULLS LAST" if descending else "ASC NULLS FIRST")
        parts.append(sql.SQL("{} {}").format(key, direction))
    # Ties in the requested order keep a stable, total order.
    parts.append(sql.SQL("_jsonb ->> '_id' ASC"))
    return sql.SQL(", ").join(parts)


def _id_value(document: type[me.Document], raw: str) -> Any:
    id_field = document._fields[document._meta["id_field"]]
    return ObjectId(raw) if isinstance(id_field, me.ObjectIdField) else raw


_configured: EqualityReads | None = None


def equality_reads() -> EqualityReads | None:
    """The process's PostgreSQL list reads, or None when the store is not FerretDB over it."""
    return _configured


def configure_equality_reads(postgres_url: str | None) -> None:
    """Set (or, with None, clear) where list counts and orders are read from."""
    global _configured  # noqa: PLW0603 - one per process, set by the composition root
    _configured = None if postgres_url is None else EqualityReads(postgres_url)
