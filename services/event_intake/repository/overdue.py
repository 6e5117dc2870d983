"""The overdue scans' reads, shared by events, tasks and inspections: which documents of which
tenants have a deadline passed and not yet recorded.

Each workflow's document keeps a boolean flag that is true while a deadline is watched and
`due_ms`, that deadline in epoch milliseconds. The cross-tenant read asks PostgreSQL behind
FerretDB in one statement when configured (`shared.mongo.pg_reads.EqualityReads.due_ids`);
otherwise FerretDB returns every flagged document's three fields and the range is applied
here. It is the one kind of query of this service that crosses tenants (the tenant guard's
escape hatch, `OVERDUE_SCAN`); the facts are then recorded through tenant-bound repositories.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Protocol, TypeVar

from services.event_intake.repository.mapping import epoch_ms
from shared.mongo import TenantDocument
from shared.mongo.guard import cross_tenant_comment
from shared.mongo.pg_reads import equality_reads

OVERDUE_SCAN = cross_tenant_comment("overdue-scan")


class Due(Protocol):
    due_ms: int | None


D = TypeVar("D", bound=Due)


def due_across_tenants(
    document: type[TenantDocument], *, flag: str, at_most: int, limit: int | None
) -> list[tuple[str, str]]:
    """``(tenant_id, id)`` of every tenant's documents whose ``flag`` is true and whose
    `due_ms` is at most ``at_most``, earliest first, at most ``limit`` (None: all)."""
    reads = equality_reads()
    if reads is not None:
        rows = reads.due_ids(
            document,
            document._get_db().name,
            flag=flag,
            number="due_ms",
            at_most=at_most,
            limit=limit,
        )
        if rows is not None:
            return [(tenant, str(key)) for tenant, key in rows]
    key_field = document._meta["id_field"]
    query = (
        document.objects(**{flag: True})
        .only(key_field, "tenant_id", "due_ms")
        .comment(OVERDUE_SCAN)
    )
    due: list[tuple[int, str, Any]] = sorted(
        (doc.due_ms, doc.tenant_id, doc.pk)
        for doc in query
        if doc.due_ms is not None and doc.due_ms <= at_most
    )
    return [(tenant, str(key)) for _, tenant, key in due[:limit]]


def tenants_with_due(document: type[TenantDocument], now: datetime) -> list[str]:
    """Every tenant with a document `pending` whose deadline passed before ``now`` (the
    scheduler then marks them per tenant, through tenant-bound repositories)."""
    before = epoch_ms(now) - 1
    rows = due_across_tenants(document, flag="pending", at_most=before, limit=None)
    return sorted({tenant for tenant, _ in rows})


def due_before(docs: Iterable[D], now: datetime) -> Iterator[D]:
    """The documents (of one tenant, `pending` already) whose deadline passed before ``now``."""
    cutoff = epoch_ms(now)
    return (doc for doc in docs if doc.due_ms is not None and doc.due_ms < cutoff)
