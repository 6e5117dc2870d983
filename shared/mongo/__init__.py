"""MongoDB (FerretDB locally) for tenant-owned data: connection, documents, repositories, guard.

Everything here stays inside what both MongoDB and FerretDB 1.24 support: single-document
atomic writes (no transactions), plain ascending/descending indexes, no `$expr`/`$lookup`.
"""

from shared.mongo.connection import connect, ping
from shared.mongo.documents import (
    OutboxEntry,
    PendingEvent,
    TenantDocument,
    tenant_documents,
)
from shared.mongo.guard import (
    CROSS_TENANT_COMMENT_PREFIX,
    TenantGuardListener,
    TenantGuardViolation,
    cross_tenant_comment,
    install_tenant_guard,
)
from shared.mongo.repository import (
    ConcurrentUpdate,
    Page,
    TenantRepository,
)

__all__ = [
    "CROSS_TENANT_COMMENT_PREFIX",
    "ConcurrentUpdate",
    "OutboxEntry",
    "Page",
    "PendingEvent",
    "TenantDocument",
    "TenantGuardListener",
    "TenantGuardViolation",
    "TenantRepository",
    "connect",
    "cross_tenant_comment",
    "install_tenant_guard",
    "ping",
    "tenant_documents",
]
