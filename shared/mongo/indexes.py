"""Indexes FerretDB over PostgreSQL can use: expression indexes from what documents declare.

FerretDB 1.24 turns a top-level equality filter (`{"tenant_id": "t", "status": "open"}`) into
`_jsonb->'tenant_id' @> '"t"' AND _jsonb->'status' @> '"open"'`, but its own indexes are b-trees
on `_jsonb->'field'`, which `@>` cannot use: every query scans the table. A GIN index on the
same expressions with `jsonb_path_ops` serves `@>` (once the database plans each query with
its real field names: `plan_cache_mode = force_custom_plan`, set by deploy/local). FerretDB
neither creates nor lists such indexes, so the platform creates them itself, idempotently, in
the PostgreSQL database behind FerretDB:

- one multi-column GIN index per index a document declares in `meta["indexes"]` (the same
  fields, in the same order; a GIN index answers any subset of its columns);
- one on `_id` (point reads `{_id, tenant_id}`) and one on `outbox_pending` (the relay),
  unless the document says it needs neither (`gin_plan`);
- one on `_id` of the write-lease collection;
- one btree expression index per list a document declares in `meta["list_indexes"]`
  (`shared.mongo.pg_reads.ListIndex`: its equality keys, then its order keys in their
  directions, the very expressions `EqualityReads` queries with), which counts and pages that
  list without reading a document;
- one btree expression index per near read a document declares in `meta["near_indexes"]`
  (`shared.mongo.pg_reads.NearIndex`: its equality keys, a point's cell, a time), which finds
  the recent rows near a point by reading only the cells around it;
- one partial btree index per scheduler scan a document declares in `meta["due_indexes"]`
  (`shared.mongo.pg_reads.DueIndex`: the deadline over the flagged rows), which finds what
  fell due without decoding every watched row.

MongoDB needs none of this (mongoengine creates the declared indexes there). Dropping a
collection drops its table and these indexes with it: `ensure_gin_indexes` is cheap to rerun
(it compares with `pg_indexes` first), and service workers rerun it every minute.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from pymongo.database import Database
from pymongo.errors import CollectionInvalid, PyMongoError

from shared.mongo.documents import TenantDocument, index_fields
from shared.mongo.leases import LEASES_COLLECTION
from shared.mongo.pg_reads import (
    DueIndex,
    ListIndex,
    NearIndex,
    declared_lists,
    due_indexes,
    near_indexes,
)

log = logging.getLogger(__name__)

# Any stable number: one process at a time creates indexes in one PostgreSQL database.
_ADVISORY_LOCK = 0x67726964  # "grid"


@dataclass(frozen=True, slots=True)
class GinIndex:
    """One GIN expression index: the collection and the top-level fields it covers."""

    collection: str
    fields: tuple[str, ...]

    def name(self, table: str) -> str:
        """A PostgreSQL identifier (< 64 bytes) unique per table and field list."""
        digest = hashlib.sha1(  # noqa: S324 - a name, not a secret
            f"{table}:{','.join(self.fields)}".encode()
        ).hexdigest()[:12]
        return f"gridgov_gin_{table[:36]}_{digest}"

    def statement(self, schema: str, table: str, name: str) -> sql.Composed:
        return _create_statement(schema, table, name, self.fields)


@dataclass(frozen=True, slots=True)
class ListBtreeIndex:
    """The btree expression index of one list (or near read) a document declares."""

    collection: str
    list_index: ListIndex | NearIndex

    def name(self, table: str) -> str:
        """A PostgreSQL identifier (< 64 bytes) unique per table and index make-up."""
        digest = hashlib.sha1(  # noqa: S324 - a name, not a secret
            f"{table}:{self.list_index.signature()}".encode()
        ).hexdigest()[:12]
        return f"gridgov_list_{table[:34]}_{digest}"

    def statement(self, schema: str, table: str, name: str) -> sql.Composed:
        return sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
            sql.Identifier(name), sql.Identifier(schema, table), self.list_index.columns()
        )


@dataclass(frozen=True, slots=True)
class DueBtreeIndex:
    """The partial btree index of one scheduler scan a document declares."""

    collection: str
    due_index: DueIndex

    def name(self, table: str) -> str:
        digest = hashlib.sha1(  # noqa: S324 - a name, not a secret
            f"{table}:{self.due_index.signature()}".encode()
        ).hexdigest()[:12]
        return f"gridgov_due_{table[:35]}_{digest}"

    def statement(self, schema: str, table: str, name: str) -> sql.Composed:
        return sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({}) WHERE {}").format(
            sql.Identifier(name),
            sql.Identifier(schema, table),
            self.due_index.column(),
            self.due_index.predicate(),
        )


def _db_field(document: type[TenantDocument], name: str) -> str:
    bare = name.lstrip("+-")
    if bare in {"pk", "id"} or bare == document._meta.get("id_field"):
        return "_id"
    field = document._fields.get(bare)
    return str(field.db_field) if field is not None else bare


def gin_plan(documents: Iterable[type[TenantDocument]]) -> list[GinIndex]:
    """The GIN indexes the documents need (declared indexes, `_id`, `outbox_pending`).

    Each index is a cost on every insert: a document that never records events needs none on
    `outbox_pending` (the relay never reads it), and one declaring ``meta["reads_by_id"] =
    False`` (an append-only log read by its declared indexes) none on `_id`: FerretDB's own
    unique index keeps `_id` unique."""
    plan: dict[tuple[str, tuple[str, ...]], GinIndex] = {}

    def add(collection: str, fields: Sequence[str]) -> None:
        index = GinIndex(collection, tuple(fields))
        plan.setdefault((collection, index.fields), index)

    for document in documents:
        collection = document._get_collection_name()
        if document._meta.get("reads_by_id", True):
            add(collection, ("_id",))
        if document.publishes_events:
            add(collection, ("outbox_pending",))
        for spec in document._meta.get("indexes", []):
            names = index_fields(spec)
            add(collection, [_db_field(document, name) for name in names])
    add(LEASES_COLLECTION, ("_id",))
    return list(plan.values())


def list_plan(documents: Iterable[type[TenantDocument]]) -> list[ListBtreeIndex]:
    """The btree indexes of the lists and near reads the documents declare
    (`meta["list_indexes"]`, `meta["near_indexes"]`)."""
    plan: dict[tuple[str, str], ListBtreeIndex] = {}
    for document in documents:
        collection = document._get_collection_name()
        declared: list[ListIndex | NearIndex] = [*declared_lists(document)]
        declared += near_indexes(document)
        for index in declared:
            plan.setdefault((collection, index.signature()), ListBtreeIndex(collection, index))
    return list(plan.values())


def due_plan(documents: Iterable[type[TenantDocument]]) -> list[DueBtreeIndex]:
    """The partial indexes of the scheduler scans the documents declare
    (`meta["due_indexes"]`)."""
    plan: dict[tuple[str, str], DueBtreeIndex] = {}
    for document in documents:
        collection = document._get_collection_name()
        for index in due_indexes(document):
            plan.setdefault((collection, index.signature()), DueBtreeIndex(collection, index))
    return list(plan.values())


def ensure_gin_indexes(
    postgres_url: str, database: Database[Any], documents: Iterable[type[TenantDocument]]
) -> list[str]:
    """Create the missing GIN indexes and declared list indexes of `documents` in `database`;
    returns their names.

    Collections that do not exist yet are created first (FerretDB makes a table per
    collection on first use, and an index needs its table).
    """
    documents = tuple(documents)
    plan: list[GinIndex | ListBtreeIndex | DueBtreeIndex] = [
        *gin_plan(documents),
        *list_plan(documents),
        *due_plan(documents),
    ]
    existing_collections = set(database.list_collection_names())
    for collection in sorted({index.collection for index in plan} - existing_collections):
        with contextlib.suppress(CollectionInvalid):  # created by another process meanwhile
            database.create_collection(collection)
    created: list[str] = []
    analyse: set[str] = set()
    with psycopg.connect(postgres_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_LOCK,))
        try:
            tables = collection_tables(conn, database.name)
            present = _index_names(conn, database.name)
            for index in plan:
                table = tables.get(index.collection)
                if table is None:
                    continue
                name = index.name(table)
                if name in present:
                    continue
                conn.execute(index.statement(database.name, table, name))
                created.append(name)
                analyse.add(table)
            for table in sorted(analyse):
                # Statistics for the new expressions, so the planner sees how selective they are.
                conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(database.name, table)))
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK,))
    if created:
        log.info("created %d index(es) in %s", len(created), database.name)
    return created


def collection_tables(conn: psycopg.Connection[Any], schema: str) -> dict[str, str]:
    """Collection name -> table name, from FerretDB's metadata table of the database."""
    exists = conn.execute(
        "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s",
        (schema, "_ferretdb_database_metadata"),
    ).fetchone()
    if exists is None:
        return {}
    rows = conn.execute(
        sql.SQL("SELECT _jsonb FROM {}").format(
            sql.Identifier(schema, "_ferretdb_database_metadata")
        )
    ).fetchall()
    tables: dict[str, str] = {}
    for (raw,) in rows:
        meta = raw if isinstance(raw, dict) else json.loads(raw)
        tables[str(meta["_id"])] = str(meta["table"])
    return tables


def _index_names(conn: psycopg.Connection[Any], schema: str) -> set[str]:
    rows = conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = %s", (schema,))
    return {str(name) for (name,) in rows.fetchall()}


def _create_statement(schema: str, table: str, name: str, fields: Sequence[str]) -> sql.Composed:
    columns = sql.SQL(", ").join(
        sql.SQL("(_jsonb -> {}) jsonb_path_ops").format(sql.Literal(field)) for field in fields
    )
    return sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} USING gin ({})").format(
        sql.Identifier(name), sql.Identifier(schema, table), columns
    )


class GinIndexKeeper:
    """Reruns `ensure_gin_indexes` (GIN and list indexes) now and every `interval_s` on a
    daemon thread, so indexes come back within a minute of a collection being dropped and
    recreated. Failures (the store is down) are logged and retried at the next round; they
    never stop the worker."""

    def __init__(
        self,
        postgres_url: str,
        database: Database[Any],
        documents: Sequence[type[TenantDocument]],
        *,
        interval_s: float = 60.0,
    ) -> None:
        self._url = postgres_url
        self._database = database
        self._documents = tuple(documents)
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gin-indexes", daemon=True)

    def start(self) -> GinIndexKeeper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                ensure_gin_indexes(self._url, self._database, self._documents)
            except (psycopg.Error, PyMongoError) as exc:
                log.warning("index check failed, retrying in %.0f s: %r", self._interval_s, exc)
            self._stopping.wait(self._interval_s)
