"""Filed management system use cases: the checklist, filings, withdrawals, status views."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from services.grid_registry.domain import filings as domain
from services.grid_registry.domain.divisions import Division
from services.grid_registry.repository.divisions import DivisionRepository
from services.grid_registry.repository.filings import FilingItemRepository
from services.grid_registry.use_cases.context import RegistryContext
from shared.errors import InvalidInput, NotFound
from shared.mongo import Page


def list_items(ctx: RegistryContext) -> list[domain.FilingItem]:
    """The tenant's checklist items, retired ones included, by code."""
    return ctx.filing_items.items()


def add_item(
    ctx: RegistryContext,
    *,
    code: str,
    due_on: date,
    title: str | None = None,
    required: bool = True,
) -> domain.FilingItem:
    """Add an item to the checklist (a default code may leave the title out)."""
    item = domain.define_item(
        code=code,
        title=title,
        due_on=due_on,
        required=required,
        existing=ctx.filing_items.items(),
        actor=ctx.actor,
        now=ctx.now(),
    )
    return ctx.filing_items.add_item(item)


def retire_item(ctx: RegistryContext, *, code: str) -> domain.FilingItem:
    """Take an item off the checklist from today on; history keeps its filings."""
    item = _item(ctx.filing_items, code, field=None)
    return ctx.filing_items.save_item(domain.retire_item(item, now=ctx.now()))


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


def file_item(
    ctx: RegistryContext,
    *,
    division_id: str,
    item_code: str,
    filed_on: date,
    document_title: str,
    reference: str,
    document_number: str | None = None,
) -> domain.Filing:
    """Record a division's filing of a checklist item; publishes `filing.recorded`."""
    _division(ctx.divisions, division_id)
    item = _item(ctx.filing_items, item_code, field="item_code")
    filing, event = domain.file_item(
        filing_id=str(uuid.uuid4()),
        tenant_id=ctx.tenant_id,
        division_id=division_id,
        item=item,
        current=ctx.filings.active_filing(division_id=division_id, item_code=item.code),
        filed_on=filed_on,
        document_title=document_title,
        document_number=document_number,
        reference=reference,
        actor=ctx.actor,
        now=ctx.now(),
    )
    return ctx.filings.add_filing(filing, [event])


def withdraw_filing(ctx: RegistryContext, *, filing_id: str, reason: str) -> domain.Filing:
    """Withdraw a filing (the item is missing again until re-filed); `filing.withdrawn`."""
    filing = ctx.filings.find_filing(filing_id)
    if filing is None:
        raise NotFound(f"filing {filing_id} not found")
    item = _item(ctx.filing_items, filing.item_code, field=None)
    withdrawn, event = domain.withdraw(
        filing, item=item, reason=reason, actor=ctx.actor, now=ctx.now()
    )
    return ctx.filings.save_withdrawal(withdrawn, [event])


def division_checklist(
    ctx: RegistryContext, *, division_id: str, as_of: date | None = None
) -> list[domain.ChecklistLine]:
    """One division's checklist as of a day (default today): status and filing history."""
    _division(ctx.divisions, division_id)
    day = as_of or domain.tenant_today(ctx.now())
    return domain.checklist(
        ctx.filing_items.items(), ctx.filings.filings(division_id=division_id), day
    )


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
    ctx: RegistryContext, *, offset: int, limit: int, as_of: date | None = None
) -> tuple[date, Page[DivisionStatus]]:
    """All divisions x checklist items as of a day, one page of divisions (by code)."""
    day = as_of or domain.tenant_today(ctx.now())
    page = ctx.divisions.list_divisions(offset=offset, limit=limit)
    checklist_items = ctx.filing_items.items()
    filings = ctx.filings.filings()
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
