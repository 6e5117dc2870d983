"""List pages of FerretDB collections, counted and ordered by the PostgreSQL behind it.

FerretDB 1.24 hands a list's equality filter to PostgreSQL, but then decodes every matching
document in Go to count them, and again to sort them before taking a page: about 45 µs a
document, so a tenant list whose filter matches 2,000 documents took about 100 ms to count and
110 ms more for its page, however well indexed. PostgreSQL answers both from the GIN indexes in
a few milliseconds. So, for lists whose filter is plain equality on declared scalar fields
(the shape docs/store.md asks every hot list to have), `EqualityReads` asks PostgreSQL for the
total and for the ids of the page in order, and the page's documents are then read through
FerretDB by id (point reads, a few in flight).

Two ways to the total and the page's ids:

- A list a document declares in ``meta["list_indexes"]`` (`ListIndex`: its equality fields,
  then its order) has a btree expression index (`shared.mongo.indexes` creates it), and the
  list is asked in that index's forms: one ``count(*)`` by an index scan (the filter is
  decided on index entries: no document is detoasted to recheck it), and one page statement
  that walks the index in order and stops after ``offset + limit`` entries.
  The centre's overdue list by state over 100,000 events (1,993 matching): 5.8 ms and 1.0 ms.
- Any other equality list: one statement with a window count over the GIN indexes. The same
  list took 50 ms that way: the GIN bitmap makes PostgreSQL recheck the filter on every
  matching row (detoasting each ~1.4 KB document, 35 ms), and the window count projects
  every matching row's id (14 ms).

A declaration serves a list whose equality fields are exactly its own (in any order of the
filter's keys) and whose ``order_by`` is exactly its order. Index and queries take each
expression from one place (`_Key`), so they cannot drift apart.

Exactness: the equalities match what FerretDB itself pushes down (`_jsonb -> 'field' @>
value`), applied only to fields whose declared type guarantees what is stored (mongoengine
validates every write): strings, booleans, integers and ids. The btree forms compare the same
values (strings and ids as their text, booleans and integers as their JSON value). Ordering
uses the same representation FerretDB stores: ids and strings compare as text in the
database's C collation (byte order, as MongoDB compares strings), numbers and dates
(milliseconds) as numbers, missing values first when ascending, as MongoDB does, and ties by
the id. Both ways give the same totals and pages (`shared/tests/integration/mongo`). Anything
else (operators, other types, an unknown collection, PostgreSQL unreachable) returns None and
the caller asks FerretDB as before. Reads only: nothing here writes.

Batches of whole documents by id (`EqualityReads.documents`, behind
`TenantRepository.get_many`) come back in one statement, each row decoded from FerretDB 1.x's
stored form by the type schema stored with it (`decode_stored`; compared field by field with
FerretDB's own answers in `shared/tests/integration/mongo`): 968 events read in about 0.1 s
where point reads through FerretDB took 4-12 s. A form it does not know is read through
FerretDB instead.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import mongoengine as me
import psycopg
from bson import ObjectId
from psycopg import sql

log = logging.getLogger(__name__)

_FETCH_THREADS = 4
_ABSENT_RECHECK_S = 2.0
_TEXT_ORDER = (me.StringField, me.ObjectIdField)
_NUMBER_ORDER = (me.IntField, me.FloatField, me.DateTimeField)


@dataclass(frozen=True, slots=True)
class PageIds:
    """The total matching and the ids of one page, in order."""

    total: int
    ids: list[Any]


@dataclass(frozen=True, slots=True)
class PageRows:
    """The total matching and one page of rows (``_id`` and the fields asked), in order."""

    total: int
    rows: list[dict[str, Any]]


class EqualityReads:
    """Counts and page orders of plain-equality lists, from FerretDB's PostgreSQL tables."""

    def __init__(self, postgres_url: str) -> None:
        self._url = postgres_url
        self._local = threading.local()
        self._tables: dict[tuple[str, str], str] = {}
        # Collections found not created yet, and when to look again (a relay pass every half
        # second must not read FerretDB's catalogue for each of them every time).
        self._absent: dict[tuple[str, str], float] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    # -- reads ---------------------------------------------------------------------------------

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
        found = self.page_rows(
            document, database, where, order_by=order_by, offset=offset, limit=limit, fields=()
        )
        return None if found is None else PageIds(found.total, [row["_id"] for row in found.rows])

    def page_rows(
        self,
        document: type[me.Document],
        database: str,
        where: Mapping[str, Any],
        *,
        order_by: Sequence[str],
        offset: int,
        limit: int,
        fields: Sequence[str],
    ) -> PageRows | None:
        """Like `page_ids`, with the values of the scalar ``fields`` of each row read from
        PostgreSQL too (strings, numbers, booleans, dates, lists of scalars), so a list that
        shows a few fields needs no read through FerretDB at all; None when this cannot answer
        (an operator in `where`, a field of another kind, PostgreSQL unreachable)."""
        clauses = _equality_clauses(document, where)
        order = _order(document, order_by)
        wanted = [_field(document, name) for name in fields]
        if clauses is None or order is None or not all(_readable(field) for field in wanted):
            return None
        table = self._table(database, document._get_collection_name())
        if table is None:
            return None
        btree = (
            _btree_clauses(document, where)
            if declared_list(document, where, order_by) is not None
            else None
        )
        source = sql.Identifier(database, table)
        try:
            conn = self._connection()
            if btree is not None:
                total, ids = self._listed(conn, source, btree, order, offset=offset, limit=limit)
            else:
                total, ids = self._windowed(
                    conn, source, clauses, order, offset=offset, limit=limit
                )
            # The fields of the page's rows only (by the `_id` index): reading them in the
            # statement above would extract them from every matching row before the sort.
            values: dict[str, tuple[Any, ...]] = {}
            if wanted and ids:
                columns = [sql.SQL("_jsonb -> {}").format(sql.Literal(f.db_field)) for f in wanted]
                found = conn.execute(
                    sql.SQL("SELECT {} FROM {} WHERE _jsonb -> '_id' = ANY({})").format(
                        sql.SQL(", ").join([sql.SQL("_jsonb ->> '_id'"), *columns]),
                        source,
                        sql.SQL("ARRAY[{}]::jsonb[]").format(
                            sql.SQL(", ").join(sql.Literal(json.dumps(key)) for key in ids)
                        ),
                    )
                ).fetchall()
                values = {row[0]: tuple(row[1:]) for row in found}
        except psycopg.Error as exc:
            log.warning("PostgreSQL list read failed, asking FerretDB: %r", exc)
            self._drop(database)
            return None
        empty = (None,) * len(wanted)
        return PageRows(
            total=total,
            rows=[
                {
                    "_id": _id_value(document, key),
                    **{
                        name: _decoded(field, value)
                        for name, field, value in zip(
                            fields, wanted, values.get(key, empty), strict=True
                        )
                    },
                }
                for key in ids
                if not wanted or key in values  # deleted between the two reads: not listed
            ],
        )

    def all_rows(
        self,
        document: type[me.Document],
        database: str,
        where: Mapping[str, Any],
        *,
        fields: Sequence[str],
    ) -> list[dict[str, Any]] | None:
        """Every row matching the equality ``where`` with its ``_id`` and the scalar
        ``fields``, in no order, in one statement: for a read that needs a whole large
        selection but none of its documents (a period's rated answers: 50,000 rows in about
        0.15 s, where FerretDB decodes each document for about 7 s). None when this cannot
        answer, as `page_rows`."""
        clauses = _equality_clauses(document, where)
        wanted = [_field(document, name) for name in fields]
        if clauses is None or not all(_readable(field) for field in wanted):
            return None
        table = self._table(database, document._get_collection_name())
        if table is None:
            return None
        # Strings as text (``->>``): decoding 200,000 JSON values would cost more than the
        # query; JSON null comes back as NULL either way.
        columns = [
            sql.SQL("_jsonb ->> {}" if isinstance(f, me.StringField) else "_jsonb -> {}").format(
                sql.Literal(f.db_field)
            )
            for f in wanted
        ]
        try:
            found = (
                self._connection()
                .execute(
                    sql.SQL("SELECT {} FROM {} WHERE {}").format(
                        sql.SQL(", ").join([sql.SQL("_jsonb ->> '_id'"), *columns]),
                        sql.Identifier(database, table),
                        sql.SQL(" AND ").join(clauses),
                    )
                )
                .fetchall()
            )
        except psycopg.Error as exc:
            log.warning("PostgreSQL read of all rows failed, asking FerretDB: %r", exc)
            self._drop(database)
            return None
        return [
            {
                "_id": _id_value(document, row[0]),
                **{
                    name: _decoded(field, value)
                    for name, field, value in zip(fields, wanted, row[1:], strict=True)
                },
            }
            for row in found
        ]

    @staticmethod
    def _listed(
        conn: psycopg.Connection[Any],
        source: sql.Composable,
        clauses: list[sql.Composable],
        order: sql.Composable,
        *,
        offset: int,
        limit: int,
    ) -> tuple[int, list[Any]]:
        """Total and page ids of a declared list, from its btree index: the count decides the
        filter on index entries (no document is detoasted to recheck it), the page stops after
        ``offset + limit`` entries of an index scan already in order."""
        clause = sql.SQL(" AND ").join(clauses)
        count = conn.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE {}").format(source, clause)
        ).fetchone()
        rows = conn.execute(
            sql.SQL(
                "SELECT _jsonb ->> '_id' FROM {} WHERE {} ORDER BY {} LIMIT {} OFFSET {}"
            ).format(source, clause, order, sql.Literal(limit), sql.Literal(offset))
        ).fetchall()
        return (int(count[0]) if count else 0), [row[0] for row in rows]

    @staticmethod
    def _windowed(
        conn: psycopg.Connection[Any],
        source: sql.Composable,
        clauses: list[sql.Composable],
        order: sql.Composable,
        *,
        offset: int,
        limit: int,
    ) -> tuple[int, list[Any]]:
        """Total and page ids of any other equality list, from the GIN indexes."""
        clause = sql.SQL(" AND ").join(clauses)
        # The total rides on every row of the page (a window count): one pass over the
        # matching rows instead of two. A page past the end has no row to carry it.
        rows = conn.execute(
            sql.SQL(
                "SELECT _jsonb ->> '_id', count(*) OVER () FROM {} WHERE {} "
                "ORDER BY {} LIMIT {} OFFSET {}"
            ).format(source, clause, order, sql.Literal(limit), sql.Literal(offset))
        ).fetchall()
        if rows:
            return int(rows[0][1]), [row[0] for row in rows]
        count = conn.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE {}").format(source, clause)
        ).fetchone()
        return (int(count[0]) if count else 0), []

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
        value = _number(document, number)
        query = sql.SQL(
            "SELECT _jsonb ->> 'tenant_id', _jsonb ->> '_id' FROM {} "
            "WHERE {} AND {} <= {} ORDER BY {} LIMIT {}"
        ).format(
            sql.Identifier(database, table),
            _flag_condition(flag_field.db_field),
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

    def rows_within(
        self,
        document: type[me.Document],
        database: str,
        where: Mapping[str, Any],
        ranges: Mapping[str, tuple[float, float]],
        *,
        fields: Sequence[str],
        limit: int,
        nearest: tuple[str, str, float, float] | None = None,
        latest: str | None = None,
    ) -> list[dict[str, Any]] | None:
        """``fields`` (plus ``_id``) of the documents matching the equalities ``where``
        (``tenant_id`` among them) whose numeric fields lie within ``ranges`` (inclusive
        ``(low, high)``), at most ``limit`` rows: the ``nearest`` ones to a point first when
        given as ``(x field, y field, x, y)`` (plane distance on the raw numbers: callers
        measure exactly), else those with the largest numeric field ``latest`` first, else in
        id order.

        A bounding box and a time window in one statement, answered with the few values the
        caller needs: FerretDB would decode every document the equalities match. None when this
        cannot answer (the caller asks FerretDB)."""
        ask = Within(where, ranges, limit=limit, nearest=nearest, latest=latest)
        found = self.rows_within_each(document, database, [ask], fields=fields)
        return None if found is None else found[0]

    def rows_within_each(
        self,
        document: type[me.Document],
        database: str,
        asks: Sequence[Within],
        *,
        fields: Sequence[str],
    ) -> list[list[dict[str, Any]]] | None:
        """`rows_within` for each of ``asks``, in one statement (one round trip): the rows of
        each, in its order. None when any cannot be answered here."""
        table = self._table(database, document._get_collection_name())
        if table is None or not asks:
            return None
        statements = [
            _within_statement(document, sql.Identifier(database, table), ask, fields)
            for ask in asks
        ]
        if any(statement is None for statement in statements):
            return None
        answerable = [statement for statement in statements if statement is not None]
        # Each ask's rows tagged with its number; UNION ALL appends them in the asks' order,
        # each in its own.
        query = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT {} AS ask, answered.* FROM ({}) AS answered").format(
                sql.Literal(number), statement
            )
            for number, (statement, _) in enumerate(answerable)
        )
        params = [value for _, values in answerable for value in values]
        try:
            rows = self._connection().execute(query, params).fetchall()
        except psycopg.Error as exc:
            log.warning("PostgreSQL range read failed, asking FerretDB: %r", exc)
            self._drop(database)
            return None
        answers: list[list[dict[str, Any]]] = [[] for _ in asks]
        for row in rows:
            answers[row[0]].append(
                {"_id": _id_value(document, row[1]), **dict(zip(fields, row[2:], strict=True))}
            )
        return answers

    def flagged_counts(
        self, collections: Sequence[tuple[str, str]], flag: str, *, limit: int
    ) -> dict[tuple[str, str], int] | None:
        """How many documents of each ``(database, collection)`` have the boolean top-level
        ``flag`` true (counted up to ``limit``), all in one statement: the outbox relay's idle
        pass, which FerretDB answers with a count and a find per collection (two queries of a
        few milliseconds of its CPU each, every half second, in every worker). A collection
        not created yet counts 0. None when this cannot answer (the caller asks FerretDB)."""
        parts: list[sql.Composable] = []
        keys: list[tuple[str, str]] = []
        now = time.monotonic()
        for database, collection in collections:
            if self._absent.get((database, collection), 0.0) > now:
                continue
            table = self._table(database, collection)
            if table is None:
                self._absent[(database, collection)] = now + _ABSENT_RECHECK_S
                continue
            keys.append((database, collection))
            parts.append(
                sql.SQL(
                    "SELECT {}::int AS n, count(*) AS c FROM (SELECT 1 FROM {} WHERE "
                    "_jsonb -> {} @> 'true'::jsonb LIMIT {}) AS flagged"
                ).format(
                    sql.Literal(len(keys) - 1),
                    sql.Identifier(database, table),
                    sql.Literal(flag),
                    sql.Literal(limit),
                )
            )
        counts = dict.fromkeys(collections, 0)
        if not parts:
            return counts
        try:
            rows = self._connection().execute(sql.SQL(" UNION ALL ").join(parts)).fetchall()
        except psycopg.Error as exc:
            log.warning("PostgreSQL flag count failed, asking FerretDB: %r", exc)
            for database in {database for database, _ in collections}:
                self._drop(database)
            return None
        for index, count in rows:
            counts[keys[int(index)]] = int(count)
        return counts

    def documents(
        self, document: type[me.Document], database: str, tenant_id: str, ids: Sequence[Any]
    ) -> list[dict[str, Any] | None] | None:
        """The tenant's documents with these ids, whole, in the order asked (None for an id
        the tenant has no document of), in one statement: a batch FerretDB would read one point
        query at a time, at about 4 ms each (968 due events: 4-12 s). Each row is FerretDB's
        stored form decoded by its own type schema (`decode_stored`), as FerretDB would answer.
        None when this cannot answer (the caller reads through FerretDB)."""
        if not ids:
            return []
        table = self._table(database, document._get_collection_name())
        if table is None:
            return None
        # FerretDB's own unique btree index on `_jsonb -> '_id'` answers `= ANY` directly.
        query = sql.SQL(
            "SELECT _jsonb FROM {} WHERE _jsonb -> '_id' = ANY({}::jsonb[]) "
            "AND _jsonb -> 'tenant_id' = {}::jsonb"
        ).format(
            sql.Identifier(database, table),
            sql.Literal([json.dumps(_stored_id(key)) for key in ids]),
            sql.Literal(json.dumps(tenant_id)),
        )
        try:
            rows = self._connection().execute(query).fetchall()
            found = [decode_stored(raw) for (raw,) in rows]
        except psycopg.Error as exc:
            log.warning("PostgreSQL document read failed, asking FerretDB: %r", exc)
            self._drop(database)
            return None
        except StoredFormatError as exc:  # a FerretDB whose storage this does not know
            log.warning("FerretDB's stored form not understood, asking FerretDB: %s", exc)
            return None
        by_id = {doc["_id"]: doc for doc in found}
        return [by_id.get(key) for key in ids]

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


_SCALARS = (me.StringField, me.IntField, me.FloatField, me.BooleanField, me.DateTimeField)


def _readable(field: Any) -> bool:
    """A field whose stored JSON `_decoded` turns back into its Python value."""
    if isinstance(field, me.ListField):
        return isinstance(field.field, _SCALARS) and not isinstance(field.field, me.DateTimeField)
    return isinstance(field, _SCALARS)


def _decoded(field: Any, value: Any) -> Any:
    """A field's value as stored by FerretDB (dates: milliseconds since the epoch, UTC)."""
    if value is None:
        return None
    if isinstance(field, me.DateTimeField):
        return datetime.fromtimestamp(value / 1000, UTC)
    return value


@dataclass(frozen=True, slots=True)
class Within:
    """One `EqualityReads.rows_within` question: equalities, inclusive numeric ranges, at most
    ``limit`` rows, the ``nearest`` to a point or the ``latest`` by a number first."""

    where: Mapping[str, Any]
    ranges: Mapping[str, tuple[float, float]]
    limit: int
    nearest: tuple[str, str, float, float] | None = None
    latest: str | None = None


# A statement and its parameters, in order.
_Statement = tuple[sql.Composed, list[Any]]


def _within_statement(
    document: type[me.Document], table: sql.Identifier, ask: Within, fields: Sequence[str]
) -> _Statement | None:
    """The statement answering ``ask``: through a declared index when one serves it
    (`_served_within`), else over the GIN indexes; None when neither can."""
    where, ranges, nearest, latest = ask.where, ask.ranges, ask.nearest, ask.latest
    # Each field is taken out of the row's document once, in an inner query; the ranges
    # and the order then read those columns. Taking a field out of a document costs
    # microseconds, and this query reads every row the equalities match.
    equalities = _equality_clauses(document, where)
    names = list(dict.fromkeys([*fields, *ranges, *_order_fields(nearest, latest)]))
    found = {name: _field(document, name) for name in names}
    numeric = set(ranges) | set(_order_fields(nearest, latest))
    if (
        equalities is None
        or any(field is None for field in found.values())
        or any(not isinstance(found[name], me.IntField | me.FloatField) for name in numeric)
    ):
        return None
    served = _served_within(
        document, table, where, ranges, fields, limit=ask.limit, nearest=nearest, latest=latest
    )
    if served is not None:
        return served
    column = {name: sql.Identifier(f"c{index}") for index, name in enumerate(names)}

    def number(name: str) -> sql.Composable:
        return _number_of(column[name])

    inner = sql.SQL("SELECT {} FROM {} WHERE {} OFFSET 0").format(
        sql.SQL(", ").join(
            [
                sql.SQL("_jsonb ->> '_id' AS id"),
                *(
                    sql.SQL("_jsonb -> {} AS {}").format(
                        sql.Literal(found[name].db_field), column[name]
                    )
                    for name in names
                ),
            ]
        ),
        table,
        sql.SQL(" AND ").join(equalities),
    )
    bounds = [
        sql.SQL("{} BETWEEN {} AND {}").format(number(name), sql.Literal(low), sql.Literal(high))
        for name, (low, high) in ranges.items()
    ]
    order: sql.Composable = sql.SQL("id")
    if nearest is not None:
        x_name, y_name, x, y = nearest
        order = sql.SQL("power({} - {}, 2) + power({} - {}, 2), id").format(
            number(x_name), sql.Literal(x), number(y_name), sql.Literal(y)
        )
    elif latest is not None:
        order = sql.SQL("{} DESC NULLS LAST, id").format(number(latest))
    statement = sql.SQL("SELECT {} FROM ({}) AS rows WHERE {} ORDER BY {} LIMIT {}").format(
        sql.SQL(", ").join([sql.SQL("id"), *(column[name] for name in fields)]),
        inner,
        sql.SQL(" AND ").join(bounds) if bounds else sql.SQL("true"),
        order,
        sql.Literal(ask.limit),
    )
    return statement, []


def _served_within(
    document: type[me.Document],
    table: sql.Identifier,
    where: Mapping[str, Any],
    ranges: Mapping[str, tuple[float, float]],
    fields: Sequence[str],
    *,
    limit: int,
    nearest: tuple[str, str, float, float] | None,
    latest: str | None,
) -> _Statement | None:
    """`rows_within`'s statement (with its parameters) when a declared index serves it, in
    that index's forms: the latest rows by a list index (equalities, then ``latest``
    descending: the window is one range of it), or the nearest by a near index (equalities,
    the cells of the box, the time window: only the box's cells of the window are read,
    however many rows the equalities match). None otherwise.

    The index decides which rows are read; each row's document is then opened once
    (`jsonb_to_record`), and the other ranges, the order and the answer read its values: a
    stored document is compressed, and every `_jsonb -> field` decompresses it again (75
    rows: 4.5 ms with a dozen of those a row, 1.0 ms so). Its values are parameters; the
    database still plans each run with them (a generic plan of this shape, measured, took
    twice as long to run as planning and running a custom one)."""
    params: list[Any] = []
    equalities = _btree_clauses(document, where, params)
    names = list(dict.fromkeys([*fields, *ranges, *_order_fields(nearest, latest)]))
    found = {name: _field(document, name) for name in names}
    numeric = [*ranges, *_order_fields(nearest, latest)]
    if (
        equalities is None
        or None in found.values()
        or not all(isinstance(found[name], me.IntField | me.FloatField) for name in numeric)
    ):
        return None
    opened = {
        name: sql.SQL("opened.{}").format(sql.Identifier(found[name].db_field)) for name in names
    }
    number = {name: _number_of(value) for name, value in opened.items()}
    identity = sql.SQL("(opened.{} #>> '{{}}')").format(sql.Identifier("_id"))
    if latest is not None:
        if declared_list(document, where, [f"-{latest}"]) is None:
            return None
        served = {latest}
        indexed: list[sql.Composable] = []
        # The index's own order: read in order, stopped after `limit` entries.
        order = sql.SQL("{} DESC NULLS LAST, {}").format(
            _Key(found[latest].db_field, "number").expression(), _ID_TEXT.expression()
        )
    elif nearest is not None:
        x_name, y_name, _, _ = nearest
        near = declared_near(document, where, x_name, y_name)
        if near is None or not {x_name, y_name, near.time_name} <= set(ranges):
            return None
        cells = near.cells(ranges[x_name], ranges[y_name], params)
        if cells is None:
            return None
        served = {near.time_name}
        indexed = [cells]
        order = sql.SQL("power({} - %s::numeric, 2) + power({} - %s::numeric, 2), {}").format(
            number[x_name], number[y_name], identity
        )
    else:
        return None
    bounds = []
    for name, (low, high) in ranges.items():
        # The index's own range (read in the index) or a value of the opened document.
        bounded = (
            _Key(found[name].db_field, "number").expression() if name in served else number[name]
        )
        bounds.append(sql.SQL("{} BETWEEN %s::numeric AND %s::numeric").format(bounded))
        params += [low, high]
    if nearest is not None:
        params += [nearest[2], nearest[3]]  # the ORDER BY's point, after the WHERE's values
    record = sql.SQL(", ").join(
        sql.SQL("{} jsonb").format(sql.Identifier(db_field))
        for db_field in dict.fromkeys(["_id", *(found[name].db_field for name in names)])
    )
    statement = sql.SQL(
        "SELECT {} FROM {} AS stored, LATERAL jsonb_to_record(stored._jsonb) AS opened({}) "
        "WHERE {} ORDER BY {} LIMIT %s"
    ).format(
        sql.SQL(", ").join([identity, *(opened[name] for name in fields)]),
        table,
        record,
        sql.SQL(" AND ").join([*equalities, *indexed, *bounds]),
        order,
    )
    return statement, [*params, limit]


def _number_of(value: sql.Composable) -> sql.Composable:
    """A JSON value as PostgreSQL compares numbers (NULL when it is no number)."""
    return sql.SQL("(CASE WHEN jsonb_typeof({0}) = 'number' THEN ({0})::numeric END)").format(value)


def _order_fields(nearest: tuple[str, str, float, float] | None, latest: str | None) -> list[str]:
    """The numeric fields an ORDER BY of `rows_within` reads."""
    if nearest is not None:
        return [nearest[0], nearest[1]]
    return [] if latest is None else [latest]


def _number(document: type[me.Document], name: str) -> sql.Composable | None:
    """A numeric field as PostgreSQL compares it (NULL when the stored value is no number)."""
    field = _field(document, name)
    if not isinstance(field, me.IntField | me.FloatField):
        return None
    return _Key(field.db_field, "number").expression()


@dataclass(frozen=True, slots=True)
class _Key:
    """A stored field as PostgreSQL compares it: ``text`` (strings and ids, C collation),
    ``number`` (numbers and dates; NULL when the stored value is no number) or ``json`` (the
    stored JSON value: booleans and integers by equality). Queries and declared list indexes
    take their expressions from here, so an index always matches its queries."""

    db_field: str
    kind: str

    def expression(self) -> sql.Composable:
        path = sql.SQL("_jsonb -> {}").format(sql.Literal(self.db_field))
        if self.kind == "text":
            return sql.SQL("({}) #>> '{{}}'").format(path)
        if self.kind == "number":
            return sql.SQL(
                "(CASE WHEN jsonb_typeof({0}) = 'number' THEN ({0})::numeric END)"
            ).format(path)
        return path


_ID_TEXT = _Key("_id", "text")


def _order_key(field: Any) -> _Key | None:
    if isinstance(field, _TEXT_ORDER):
        return _Key(field.db_field, "text")
    if isinstance(field, _NUMBER_ORDER):
        return _Key(field.db_field, "number")
    return None


def _equality_key(field: Any) -> _Key | None:
    """The key a btree index compares ``field`` by with `=`: exact for its declared type (text
    is the stored string itself; a jsonb `=` compares booleans and integers as values)."""
    if isinstance(field, me.StringField | me.ObjectIdField):
        return _Key(field.db_field, "text")
    if isinstance(field, me.BooleanField | me.IntField):
        return _Key(field.db_field, "json")
    return None


def _direction(descending: bool) -> sql.Composable:
    # MongoDB puts missing values first when ascending, so last when descending.
    return sql.SQL("DESC NULLS LAST" if descending else "ASC NULLS FIRST")


def _btree_clauses(
    document: type[me.Document], where: Mapping[str, Any], params: list[Any] | None = None
) -> list[sql.Composable] | None:
    """The equalities of ``where`` in the forms a declared list index serves (the same rows
    as `_equality_clauses`: the same values are accepted, compared the same way); with
    ``params``, each value a parameter appended to it instead of a literal."""
    clauses: list[sql.Composable] = []
    for name, value in where.items():
        field = _field(document, name)
        key = None if field is None else _equality_key(field)
        encoded = None if field is None else _encode(field, value)
        if key is None or encoded is None:
            return None
        text = str(value) if key.kind == "text" else encoded
        if params is not None:
            params.append(text)
            compared: sql.Composable = sql.SQL("%s::text" if key.kind == "text" else "%s::jsonb")
        elif key.kind == "text":
            compared = sql.Literal(text)
        else:
            compared = sql.SQL("{}::jsonb").format(sql.Literal(text))
        clauses.append(sql.SQL("{} = {}").format(key.expression(), compared))
    return clauses


def _equality_clauses(
    document: type[me.Document], where: Mapping[str, Any]
) -> list[sql.Composable] | None:
    """FerretDB's own pushed-down equalities (``tenant_id`` required); None if any cannot be."""
    conditions = _conditions(document, where)
    if conditions is None or "tenant_id" not in where:
        return None
    return [
        sql.SQL("_jsonb -> {} @> {}::jsonb").format(sql.Literal(f), sql.Literal(v))
        for f, v in conditions
    ]


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
    keys = _order_keys(document, order_by)
    if keys is None:
        return None
    return sql.SQL(", ").join(
        sql.SQL("{} {}").format(key.expression(), _direction(descending))
        for key, descending in keys
    )


def _order_keys(
    document: type[me.Document], order_by: Sequence[str]
) -> list[tuple[_Key, bool]] | None:
    """The keys (and descending flags) of an ORDER BY for ``order_by``, ending with the `_id`
    tie-break; the same list is a declared list index's order columns."""
    keys: list[tuple[_Key, bool]] = []
    for spec in order_by:
        descending = spec.startswith("-")
        name = spec.lstrip("+-")
        field = _field(document, "pk" if name in {"id", "pk"} else name)
        key = None if field is None else _order_key(field)
        if key is None:
            return None
        keys.append((key, descending))
    # Ties in the requested order keep a stable, total order; an order that has the id as text
    # is total already (ids are unique), and an index needs one column less.
    if _ID_TEXT not in {key for key, _ in keys}:
        keys.append((_ID_TEXT, False))
    return keys


def _id_value(document: type[me.Document], raw: str) -> Any:
    id_field = document._fields[document._meta["id_field"]]
    return ObjectId(raw) if isinstance(id_field, me.ObjectIdField) else raw


@dataclass(frozen=True, slots=True)
class ListIndex:
    """A list a document declares in ``meta["list_indexes"]``: its equality fields, then its
    order, as one tuple of field names (order keys prefixed ``-`` or ``+``), e.g.
    ``("tenant_id", "state", "-reported_at", "-event_id")``.

    Behind FerretDB it is one btree expression index (`columns`): the equality keys, then the
    ORDER BY keys of the list in their directions (the `_id` tie-break included), so a forward
    index scan returns the page in order and counting needs no document."""

    equalities: tuple[_Key, ...]
    order: tuple[tuple[_Key, bool], ...]

    def columns(self) -> sql.Composable:
        """The index's column list."""
        return sql.SQL(", ").join(
            [
                *(sql.SQL("({})").format(key.expression()) for key in self.equalities),
                *(
                    sql.SQL("({}) {}").format(key.expression(), _direction(descending))
                    for key, descending in self.order
                ),
            ]
        )

    def signature(self) -> str:
        """What the index is made of, as text: any change gives another index name."""
        equal = ",".join(f"{key.db_field}:{key.kind}" for key in self.equalities)
        order = ",".join(
            f"{key.db_field}:{key.kind}:{'desc' if descending else 'asc'}"
            for key, descending in self.order
        )
        return f"{equal}|{order}"

    def serves(self, fields: frozenset[str], order: Sequence[tuple[_Key, bool]]) -> bool:
        return fields == {key.db_field for key in self.equalities} and tuple(order) == self.order


def list_indexes(document: type[me.Document]) -> list[ListIndex]:
    """The lists ``document`` declares in ``meta["list_indexes"]``; `ValueError` naming the
    first declaration that cannot be one (an unknown field, a field of another type, no
    ``tenant_id`` first, no order)."""
    return [_list_index(document, spec) for spec in document._meta.get("list_indexes", ())]


def _list_index(document: type[me.Document], spec: Any) -> ListIndex:
    def refused(why: str) -> ValueError:
        return ValueError(f"{document.__name__}: list index {spec!r} {why}")

    if not isinstance(spec, tuple | list) or not all(isinstance(part, str) for part in spec):
        raise refused("must be a tuple of field names")
    names = list(spec)
    split = next((n for n, name in enumerate(names) if name.startswith(("+", "-"))), len(names))
    equal, ordered = names[:split], names[split:]
    if not ordered or not all(name.startswith(("+", "-")) for name in ordered):
        raise refused("needs its order after the equality fields, each key with - or +")
    keys = _declared_equalities(document, equal, refused)
    order = _order_keys(document, ordered)
    if order is None:
        raise refused("orders by a field that is no string, id, number or date")
    return ListIndex(tuple(keys), tuple(order))


def _declared_equalities(
    document: type[me.Document], equal: Sequence[str], refused: Callable[[str], ValueError]
) -> list[_Key]:
    """The equality keys a declaration names: ``tenant_id`` first, each a string, id, boolean
    or integer field, none twice."""
    if not equal or equal[0] != "tenant_id":
        raise refused("must start with tenant_id")
    keys: list[_Key] = []
    for name in equal:
        field = _field(document, name)
        key = None if field is None else _equality_key(field)
        if key is None:
            raise refused(f"filters on {name!r}, no string, id, boolean or integer field")
        keys.append(key)
    if len({key.db_field for key in keys}) != len(keys):
        raise refused("names an equality field twice")
    return keys


_DECLARED: dict[type[me.Document], tuple[ListIndex, ...]] = {}


def declared_lists(document: type[me.Document]) -> tuple[ListIndex, ...]:
    """`list_indexes` without the bad declarations (each logged: it never matches a list
    and gets no index; the unit tests refuse it)."""
    if document not in _DECLARED:
        found: list[ListIndex] = []
        for spec in document._meta.get("list_indexes", ()):
            try:
                found.append(_list_index(document, spec))
            except ValueError as exc:
                log.error("list index ignored: %s", exc)
        _DECLARED[document] = tuple(found)
    return _DECLARED[document]


def declared_list(
    document: type[me.Document], where: Mapping[str, Any], order_by: Sequence[str]
) -> ListIndex | None:
    """The declared list whose equality fields are exactly those of ``where`` and whose order
    is exactly ``order_by`` (``id``/``pk`` naming the id field), or None."""
    fields = [_field(document, name) for name in where]
    order = _order_keys(document, order_by)
    if order is None or any(field is None for field in fields):
        return None
    names = frozenset(str(field.db_field) for field in fields)
    return next((index for index in declared_lists(document) if index.serves(names, order)), None)


@dataclass(frozen=True, slots=True)
class DueIndex:
    """A scheduler scan a document declares in ``meta["due_indexes"]``: a boolean flag and an
    integer deadline, e.g. ``("watch", "due_ms")`` (`EqualityReads.due_ids`).

    Behind FerretDB it is one partial btree expression index on the deadline, over the flagged
    rows only: the scan's range and order are an index scan that stops at the first deadline
    still to come, instead of the deadline decoded from every flagged row (100,000 events:
    460 ms without it)."""

    flag: str
    number: str

    def column(self) -> sql.Composable:
        return sql.SQL("({})").format(_Key(self.number, "number").expression())

    def predicate(self) -> sql.Composable:
        """Exactly `due_ids`'s flag condition, so the planner sees the index serves it."""
        return _flag_condition(self.flag)

    def signature(self) -> str:
        return f"due:{self.flag}:{self.number}"


def _flag_condition(db_field: str) -> sql.Composable:
    return sql.SQL("_jsonb -> {} @> 'true'::jsonb").format(sql.Literal(db_field))


def due_indexes(document: type[me.Document]) -> list[DueIndex]:
    """The scans ``document`` declares in ``meta["due_indexes"]``; `ValueError` naming the
    first that cannot be one (no boolean flag then integer field)."""
    found: list[DueIndex] = []
    for spec in document._meta.get("due_indexes", ()):
        if not isinstance(spec, tuple | list) or len(spec) != 2:
            raise ValueError(f"{document.__name__}: due index {spec!r} must be (flag, number)")
        flag, number = (_field(document, name) for name in spec)
        if not isinstance(flag, me.BooleanField) or not isinstance(number, me.IntField):
            raise ValueError(
                f"{document.__name__}: due index {spec!r} needs a boolean then an integer field"
            )
        found.append(DueIndex(flag.db_field, number.db_field))
    return found


_configured: EqualityReads | None = None


def equality_reads() -> EqualityReads | None:
    """The process's PostgreSQL list reads, or None when the store is not FerretDB over it."""
    return _configured


def configure_equality_reads(postgres_url: str | None) -> None:
    """Set (or, with None, clear) where list counts and orders are read from."""
    global _configured  # noqa: PLW0603 - one per process, set by the composition root
    _configured = None if postgres_url is None else EqualityReads(postgres_url)


# -- FerretDB's stored documents ---------------------------------------------------------------


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # the platform's client is tz_aware (connection.py)


class StoredFormatError(ValueError):
    """A stored document in a form `decode_stored` does not know (another FerretDB version)."""


def _stored_id(key: Any) -> Any:
    """An `_id` as FerretDB stores it (an ObjectId as its hex string)."""
    return str(key) if isinstance(key, ObjectId) else key


def decode_stored(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A document as FerretDB 1.x's PostgreSQL handler stores it (``_jsonb``: the values as JSON
    beside a type schema ``$s``, ``{"p": {field: {"t": type, ...}}, "$k": [key order]}``) turned
    back into what the platform's pymongo client returns for it: dates as UTC datetimes
    (milliseconds stored), ObjectIds, nested documents and arrays by their own schemas, keys
    in their order. Raises `StoredFormatError` on a form it does not know (binary among
    them): the caller then reads through FerretDB."""
    schema = raw.get("$s")
    if not isinstance(schema, Mapping):
        raise StoredFormatError("no $s schema")
    return _object(schema, raw)


def _object(schema: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    properties = schema.get("p", {})
    keys = schema.get("$k", list(properties))
    return {key: _value(properties.get(key), values.get(key)) for key in keys}


_SCALAR_READERS: dict[str, Any] = {
    "string": lambda v: v,
    "bool": lambda v: v,
    "null": lambda v: None,
    "int": int,
    "long": int,
    "double": float,
    "date": lambda v: _EPOCH + timedelta(milliseconds=int(v)),
    "objectId": ObjectId,
}


def _value(spec: Mapping[str, Any] | None, value: Any) -> Any:
    kind = spec.get("t") if isinstance(spec, Mapping) else None
    reader = _SCALAR_READERS.get(kind) if isinstance(kind, str) else None
    if reader is not None:
        return reader(value)
    if kind == "object" and isinstance(spec, Mapping):
        return _object(spec.get("$s", {}), value)
    if kind == "array" and isinstance(spec, Mapping):
        items = spec.get("i", [])
        return [_value(item, element) for item, element in zip(items, value, strict=True)]
    raise StoredFormatError(f"stored type {kind!r} is not read here")


# A near index reads at most this many cells: a wider box scans the equalities' rows instead.
_MAX_CELLS = 64


@dataclass(frozen=True, slots=True)
class NearIndex:
    """A "recent and nearby" read a document declares in ``meta["near_indexes"]``, e.g.
    ``{"equal": ("tenant_id", "category"), "x": "lon", "y": "lat", "cell": "0.005",
    "time": "reported_ms"}``: equality fields, two coordinates on a square grid of ``cell``
    units (degrees here), and a number whose range every read gives (`rows_within`'s
    ``nearest``).

    Behind FerretDB it is one btree expression index: the equality keys, the point's cell
    column and row, then the time. A read names the cells its box touches, so PostgreSQL
    reads only the entries of those cells inside the time window; with GIN indexes it read
    every row of the equalities (a category's reports of the whole window, tenant-wide) and
    took each one's fields out of its document."""

    equalities: tuple[_Key, ...]
    x: str
    y: str
    cell: Decimal
    time: str
    time_name: str

    def _cell_of(self, db_field: str) -> sql.Composable:
        return sql.SQL("floor({} / {}::numeric)").format(
            _Key(db_field, "number").expression(), sql.Literal(str(self.cell))
        )

    def columns(self) -> sql.Composable:
        """The index's column list."""
        return sql.SQL(", ").join(
            [
                *(sql.SQL("({})").format(key.expression()) for key in self.equalities),
                sql.SQL("({})").format(self._cell_of(self.x)),
                sql.SQL("({})").format(self._cell_of(self.y)),
                sql.SQL("({})").format(_Key(self.time, "number").expression()),
            ]
        )

    def signature(self) -> str:
        equal = ",".join(f"{key.db_field}:{key.kind}" for key in self.equalities)
        return f"near:{equal}|{self.x},{self.y}:{self.cell}|{self.time}"

    def cells(
        self,
        x_range: tuple[float, float],
        y_range: tuple[float, float],
        params: list[Any] | None = None,
    ) -> sql.Composable | None:
        """The condition naming every cell a point inside the box may lie in (None when there
        are more than `_MAX_CELLS`); with ``params``, the cells are parameters appended to it."""

        def span(low: float, high: float) -> list[int]:
            first = math.floor(Decimal(repr(low)) / self.cell)
            last = math.floor(Decimal(repr(high)) / self.cell)
            return list(range(first, last + 1))

        columns, rows = span(*x_range), span(*y_range)
        if not columns or not rows or len(columns) * len(rows) > _MAX_CELLS:
            return None
        condition = sql.SQL("{} = ANY({}::numeric[]) AND {} = ANY({}::numeric[])")
        if params is not None:
            params += [columns, rows]
            return condition.format(
                self._cell_of(self.x), sql.Placeholder(), self._cell_of(self.y), sql.Placeholder()
            )
        return condition.format(
            self._cell_of(self.x),
            sql.Literal([str(n) for n in columns]),
            self._cell_of(self.y),
            sql.Literal([str(n) for n in rows]),
        )


def near_indexes(document: type[me.Document]) -> list[NearIndex]:
    """The reads ``document`` declares in ``meta["near_indexes"]``; `ValueError` naming the
    first that cannot be one."""
    return [_near_index(document, spec) for spec in document._meta.get("near_indexes", ())]


def _near_index(document: type[me.Document], spec: Any) -> NearIndex:
    def refused(why: str) -> ValueError:
        return ValueError(f"{document.__name__}: near index {spec!r} {why}")

    if not isinstance(spec, Mapping) or set(spec) != {"equal", "x", "y", "cell", "time"}:
        raise refused("must name equal, x, y, cell and time")
    keys = _declared_equalities(document, list(spec["equal"]), refused)
    numbers = [_field(document, spec[part]) for part in ("x", "y", "time")]
    if not all(isinstance(field, me.IntField | me.FloatField) for field in numbers):
        raise refused("needs number fields for x, y and time")
    try:
        cell = Decimal(str(spec["cell"]))
    except ArithmeticError as exc:
        raise refused("needs a cell size like '0.005'") from exc
    if not cell.is_finite() or cell <= 0:
        raise refused("needs a positive cell size")
    x, y, time_field = numbers
    return NearIndex(tuple(keys), x.db_field, y.db_field, cell, time_field.db_field, spec["time"])


def declared_near(
    document: type[me.Document], where: Mapping[str, Any], x: str, y: str
) -> NearIndex | None:
    """The declared near index whose equality fields are exactly those of ``where`` and whose
    coordinates are ``x`` and ``y``, or None."""
    fields = [_field(document, name) for name in where]
    if any(field is None for field in fields):
        return None
    names = {str(field.db_field) for field in fields}
    x_field, y_field = _field(document, x), _field(document, y)
    if x_field is None or y_field is None:
        return None
    if document not in _NEAR:
        try:
            _NEAR[document] = tuple(near_indexes(document))
        except ValueError as exc:
            log.error("near indexes ignored: %s", exc)
            _NEAR[document] = ()
    return next(
        (
            index
            for index in _NEAR[document]
            if {key.db_field for key in index.equalities} == names
            and (index.x, index.y) == (x_field.db_field, y_field.db_field)
        ),
        None,
    )


_NEAR: dict[type[me.Document], tuple[NearIndex, ...]] = {}
