"""Filed management system use cases: the checklist, filings, withdrawals, status views."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from services.grid_registry.domain import filings as domain
from services.grid_registry.domain.divisions import Division
from services.grid_registry.repository.divisions import DivisionRepository
from services.grid_registry.repository.filings import FilingItemRepository, FilingRepository
from services.grid_registry.use_cases import PRODUCER
from shared.errors import InvalidInput
from shared.mongo import NotFound, Page, PendingEvent

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def list_items(*, repo: FilingItemRepository) -> list[domain.FilingItem]:
    """The tenant's checklist items, retired ones included, by code."""
    return repo.items()


def add_item(
    *,
    repo: FilingItemRepository,
    actor: str,
    code: str,
    due_on: date,
    title: str | None = None,
    required: bool = True,
    clock: Clock = _utc_now,
) -> domain.FilingItem:
    """Add an item to the checklist (a default code may leave the title out)."""
    item = domain.define_item(
        code=code,
        title=title,
        due_on=due_on,
        required=required,
        existing=repo.items(),
        actor=actor,
        now=clock(),
    )
    return repo.add_item(item)


def retire_item(
    *, repo: FilingItemRepository, code: str, clock: Clock = _utc_now
) -> domain.FilingItem:
    """Take an item off the checklist from today on; history keeps its filings."""
    item = _item(repo, code, field=None)
    return repo.save_item(domain.retire_item(item, now=clock()))


def _item(repo: FilingItemRepository, code: str, *, field: str | None) -> domain.FilingItem:
    found = next((item for item in repo.items() if item.code == code), None)
    if found is None:
        if field is not None:
            raise InvalidInput.of(field, "not an item of the tenant's checklist")
        raise NotFound(f"filing item {code} not found")
    return found


def _division(divisions: DivisionRepository, division_id: str) -> Division:
    division = divisions.find_division(division_id)
    if division is None:
        raise NotFound(f"division {division_id} not found")
    return division


def _pending(
    event: domain.FilingChanged, *, tenant_id: str, correlation_id: str | None
) -> PendingEvent:
    return PendingEvent.record(
        type=event.type,
        version=event.version,
        tenant_id=tenant_id,
        aggregate_id=f"{event.division_id}:{event.item_code}",
        payload={
            "filing_id": event.filing_id,
            "division_id": event.division_id,
            "item_code": event.item_code,
            "filed_on": event.filed_on.isoformat(),
            "due_on": event.due_on.isoformat(),
            "status": event.status.value,
            "actor": event.actor,
        },
        producer=PRODUCER,
        correlation_id=correlation_id,
        occurred_at=event.occurred_at,
    )


def file_item(
    *,
    repo: FilingRepository,
    items: FilingItemRepository,
    divisions: DivisionRepository,
    actor: str,
    division_id: str,
    item_code: str,
    filed_on: date,
    document_title: str,
    reference: str,
    document_number: str | None = None,
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> domain.Filing:
    """Record a division's filing of a checklist item; publishes `filing.recorded`."""
    _division(divisions, division_id)
    item = _item(items, item_code, field="item_code")
    filing, event = domain.file_item(
        filing_id=str(uuid.uuid4()),
        tenant_id=repo.tenant_id,
        division_id=division_id,
        item=item,
        current=repo.active_filing(division_id=division_id, item_code=item.code),
        filed_on=filed_on,
        document_title=document_title,
        document_number=document_number,
        reference=reference,
        actor=actor,
        now=clock(),
    )
    pending = _pending(event, tenant_id=repo.tenant_id, correlation_id=correlation_id)
    return repo.add_filing(filing, [pending])


def withdraw_filing(
    *,
    repo: FilingRepository,
    items: FilingItemRepository,
    actor: str,
    filing_id: str,
    reason: str,
    correlation_id: str | None = None,
    clock: Clock = _utc_now,
) -> domain.Filing:
    """Withdraw a filing (the item is missing again until re-filed); `filing.withdrawn`."""
    filing = repo.find_filing(filing_id)
    if filing is None:
        raise NotFound(f"filing {filing_id} not found")
    item = _item(items, filing.item_code, field=None)
    withdrawn, event = domain.withdraw(filing, item=item, reason=reason, actor=actor, now=clock())
    pending = _pending(event, tenant_id=repo.tenant_id, correlation_id=correlation_id)
    return repo.save_withdrawal(withdrawn, [pending])


def division_checklist(
    *,
    repo: FilingRepository,
    items: FilingItemRepository,
    divisions: DivisionRepository,
    division_id: str,
    as_of: date | None = None,
    clock: Clock = _utc_now,
) -> list[domain.ChecklistLine]:
    """One division's checklist as of a day (default today): status and filing history."""
    _division(divisions, division_id)
    day = as_of or domain.tenant_today(clock())
    return domain.checklist(items.items(), repo.filings(division_id=division_id), day)


@dataclass(frozen=True)
class DivisionStatus:
    """A division's row of the centre's status view: one line per checklist item."""

    division_id: str
    code: str
    name: str
    lines: tuple[domain.ChecklistLine, ...]

    def count(self, status: domain.FilingStatus) -> int:
        return sum(1 for line in self.lines if line.status is status)

    @property
    def filed(self) -> int:
        return self.count(domain.FilingStatus.FILED)

    @property
    def filed_late(self) -> int:
        return self.count(domain.FilingStatus.FILED_LATE)

    @property
    def missing(self) -> int:
        return self.count(domain.FilingStatus.MISSING)


def status_matrix(
    *,
    repo: FilingRepository,
    items: FilingItemRepository,
    divisions: DivisionRepository,
    offset: int,
    limit: int,
    as_of: date | None = None,
    clock: Clock = _utc_now,
) -> tuple[date, Page[DivisionStatus]]:
    """All divisions x checklist items as of a day, one page of divisions (by code)."""
    day = as_of or domain.tenant_today(clock())
    page = divisions.list_divisions(offset=offset, limit=limit)
    checklist_items = items.items()
    filings = repo.filings()
    rows = [
        DivisionStatus(
            division_id=division.division_id,
            code=division.code,
            name=division.name,
            lines=tuple(
                domain.checklist(
                    checklist_items,
                    (f for f in filings if f.division_id == division.division_id),
                    day,
                )
            ),
        )
        for division in page.items
    ]
    return day, Page(items=rows, total=page.total, offset=offset, limit=limit)
