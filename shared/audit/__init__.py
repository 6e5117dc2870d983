"""The audit trail: every state change, who made it, for which tenant, under which request.

Every state change a use case makes is saved through a `TenantRepository` together with the
domain events it records, so the events are the record of state changes. The outbox relay
(`shared.kafka.outbox`) maps each entry it published to an `AuditRecord` and inserts it
(`append`) into the service's ``audit_log`` collection after Kafka acknowledged the entry and
before it removes the entry from the outbox: a crash in between publishes the entry again and
inserts it again, which the record's id (the event id) turns into a skipped duplicate, so
every event is recorded exactly once. The actor comes from the request context through the
repository's `EventOrigin` onto the outbox entry; the envelope and the contracts stay as they
are.

Append-only: nothing updates or deletes a record. Reads go through `AuditLog`, bound to one
tenant; the HTTP API (`shared.audit.views`, ``GET /audit`` on every service) lets a tenant
admin read their own tenant's trail, and nobody else, across tenants or not. ADR 12.
"""

from shared.audit.documents import AUDIT_COLLECTION, AuditRecordDocument
from shared.audit.records import AuditRecord, linked_ids
from shared.audit.repository import AuditLog, append

__all__ = [
    "AUDIT_COLLECTION",
    "AuditLog",
    "AuditRecord",
    "AuditRecordDocument",
    "append",
    "linked_ids",
]
