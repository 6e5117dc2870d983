"""The worker's overdue scans, one per kind of deadline: events, dispatched tasks and
inspection rectifications. Each finds the tenants (or events) with a passed, unrecorded
deadline across tenants — the only cross-tenant reads of the service — and then records the
facts through tenant-bound repositories, once each (a second scan at the same instant records
nothing; two workers scanning at once record each fact once: every write is revision-checked).
"""

from __future__ import annotations

from datetime import datetime

from services.event_intake.repository.inspections import InspectionRepository
from services.event_intake.repository.tasks import TaskRepository
from services.event_intake.use_cases import events, inspections, tasks
from services.event_intake.use_cases.context import IntakeContext

SCAN_ACTOR = events.SCAN_ACTOR


def _context(tenant_id: str, now: datetime) -> IntakeContext:
    return IntakeContext(tenant_id=tenant_id, actor=SCAN_ACTOR, clock=lambda: now)


def scan_events(now: datetime) -> events.ScanResult:
    return events.mark_overdue(now)


def scan_tasks(now: datetime) -> int:
    """`task.overdue` for every task past its deadline; how many were recorded."""
    return sum(
        tasks.mark_overdue(_context(tenant, now)) for tenant in TaskRepository.tenants_with_due(now)
    )


def scan_inspections(now: datetime) -> int:
    """`inspection.overdue` for every finding past its rectification deadline."""
    return sum(
        inspections.mark_overdue(_context(tenant, now))
        for tenant in InspectionRepository.tenants_with_due(now)
    )
