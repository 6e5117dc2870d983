"""Audit records made up for the integration tests (what the relay would have recorded)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from shared.audit import AuditRecord


def make_record(tenant: str, occurred_at: datetime, **fields: Any) -> AuditRecord:
    """A `division.created` record of `tenant` by ``admin-1``; `fields` override any value."""
    values: dict[str, Any] = {
        "event_id": str(uuid.uuid4()),
        "tenant_id": tenant,
        "type": "division.created",
        "version": 1,
        "aggregate_id": f"d-{uuid.uuid4().hex[:6]}",
        "actor": "admin-1",
        "correlation_id": f"req-{uuid.uuid4().hex[:6]}",
        "producer": "grid_registry",
        "occurred_at": occurred_at,
        "recorded_at": occurred_at + timedelta(seconds=1),
        **fields,
    }
    return AuditRecord(**values)
