"""The leave filing repository: one document per filing, domain `LeaveFiling` in and out.

Every query is an equality on top-level fields (worker, status, month); the covered days are
then matched in Python on the stored `days` list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from services.patrol_tracking.documents.leave import LeaveFilingDocument
from services.patrol_tracking.domain.leave import (
    Decision,
    Excuse,
    LeaveFiling,
    LeaveKind,
    LeaveStatus,
)
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


class LeaveRepository(TenantRepository[LeaveFilingDocument]):
    document = LeaveFilingDocument

    def find(self, leave_id: str) -> LeaveFiling | None:
        """The filing ``leave_id`` of this tenant, or None (also for another tenant's)."""
        doc = self.get(leave_id)
        return None if doc is None else _to_domain(doc)

    def add_filing(self, filing: LeaveFiling, events: Sequence[DomainEvent]) -> LeaveFiling:
        """Insert a new filing with its events; `Conflict` when its id is taken."""
        self.add(_to_document(filing), events)
        return replace(filing, revision=1)

    def save_filing(self, filing: LeaveFiling, events: Sequence[DomainEvent]) -> LeaveFiling:
        """Write back a filing read at ``filing.revision``; `ConcurrentUpdate` when it moved."""
        doc = _to_document(filing)
        doc.revision = filing.revision
        self.save(doc, events)
        return replace(filing, revision=filing.revision + 1)

    def list_filings(
        self,
        *,
        offset: int,
        limit: int,
        worker_id: str | None = None,
        status: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> Page[LeaveFiling]:
        """One page of filings touching ``date_from``..``date_to`` (inclusive), latest first
        day first. Worker and status reach the database; the day range is applied by
        FerretDB after them."""
        filters: dict[str, Any] = {}
        if worker_id is not None:
            filters["worker_id"] = worker_id
        if status is not None:
            filters["status"] = status
        if date_from is not None:
            filters["last_day__gte"] = date_from.isoformat()
        if date_to is not None:
            filters["first_day__lte"] = date_to.isoformat()
        page = self.list(offset=offset, limit=limit, order_by=("-first_day", "-id"), **filters)
        return page.map(_to_domain)

    def filings_of(self, worker_id: str, first_day: date, last_day: date) -> list[LeaveFiling]:
        """Every filing of ``worker_id`` (any status) covering a day of the span, by first
        day."""
        wanted = _span(first_day, last_day)
        found = [
            _to_domain(doc)
            for doc in self._query(worker_id=worker_id)
            if not wanted.isdisjoint(doc.days)
        ]
        return sorted(found, key=lambda filing: (filing.first_day, filing.leave_id))

    def excuse_for(self, worker_id: str, day: date) -> Excuse | None:
        """What excuses ``worker_id``'s ``day``: an approved filing covering it, filed in
        time; None when nothing does."""
        iso = day.isoformat()
        for doc in self._query(worker_id=worker_id, status=LeaveStatus.APPROVED.value):
            if iso in doc.days:
                excuse = _to_domain(doc).excuse_for(day)
                if excuse is not None:
                    return excuse
        return None

    def excuses_on(self, day: date) -> dict[str, Excuse]:
        """Every worker's excuse for ``day``, by worker id (the finalisation of a whole
        tenant's day asks once): approved filings of the day's month, matched in Python."""
        iso, month = day.isoformat(), _month(day)
        seen: set[str] = set()
        found: dict[str, Excuse] = {}
        for filters in ({"month": month}, {"end_month": month}):
            for doc in self._query(status=LeaveStatus.APPROVED.value, **filters):
                if doc.leave_id in seen or iso not in doc.days:
                    continue
                seen.add(doc.leave_id)
                excuse = _to_domain(doc).excuse_for(day)
                if excuse is not None:
                    found.setdefault(doc.worker_id, excuse)
        return found


def _span(first_day: date, last_day: date) -> set[str]:
    return {
        date.fromordinal(ordinal).isoformat()
        for ordinal in range(first_day.toordinal(), last_day.toordinal() + 1)
    }


def _to_document(filing: LeaveFiling) -> LeaveFilingDocument:
    decision = filing.decision
    return LeaveFilingDocument(
        leave_id=filing.leave_id,
        tenant_id=filing.tenant_id,
        worker_id=filing.worker_id,
        first_day=filing.first_day.isoformat(),
        last_day=filing.last_day.isoformat(),
        month=_month(filing.first_day),
        end_month=_month(filing.last_day),
        days=[day.isoformat() for day in filing.days],
        kind=filing.kind.value,
        reason=filing.reason,
        filed_at=filing.filed_at,
        filed_by=filing.filed_by,
        limit_days=filing.limit_days,
        status=filing.status.value,
        decided_by=None if decision is None else decision.by,
        decided_at=None if decision is None else decision.at,
        decision_reason=None if decision is None else decision.reason,
        withdrawn_at=filing.withdrawn_at,
        request_id=filing.request_id,
    )


def _to_domain(doc: LeaveFilingDocument) -> LeaveFiling:
    return LeaveFiling(
        leave_id=doc.leave_id,
        tenant_id=doc.tenant_id,
        worker_id=doc.worker_id,
        first_day=date.fromisoformat(doc.first_day),
        last_day=date.fromisoformat(doc.last_day),
        kind=LeaveKind(doc.kind),
        reason=doc.reason,
        filed_at=doc.filed_at,
        filed_by=doc.filed_by,
        limit_days=doc.limit_days,
        status=LeaveStatus(doc.status),
        decision=None
        if doc.decided_by is None
        else Decision(by=doc.decided_by, at=doc.decided_at, reason=doc.decision_reason),
        withdrawn_at=doc.withdrawn_at,
        request_id=doc.request_id,
        revision=doc.revision,
    )
