"""Filed management systems (制度备案): the tenant's checklist of documents every village or
community must file with the centre, and the filings made against it.

Seed 000 item 1: within a month each village/community files its grid-work management system
and its assessment rules with the town centre ("每缺一项扣2分，未在镇中心备案的扣1分"). A filing
may be withdrawn (wrong document, superseded) and filed again; every filing stays in history.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput, StateConflict

TENANT_ZONE = ZoneInfo("Asia/Shanghai")
ITEM_CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
TITLE_MAX = 64
DOCUMENT_TITLE_MAX = 200
DOCUMENT_NUMBER_MAX = 64
REFERENCE_MAX = 500
REASON_MAX = 500

DEFAULT_ITEMS: Mapping[str, str] = {
    "management_rules": "网格工作管理制度",
    "assessment_rules": "网格员考核办法",
}


class FilingStatus(StrEnum):
    FILED = "filed"
    FILED_LATE = "filed_late"
    MISSING = "missing"


def tenant_today(now: datetime) -> date:
    """The calendar day in the tenant's zone (Asia/Shanghai)."""
    return now.astimezone(TENANT_ZONE).date()


@dataclass(frozen=True)
class FilingItem:
    """One entry of the tenant's checklist: what must be filed, by when."""

    code: str
    title: str
    due_on: date
    required: bool
    created_at: datetime
    created_by: str
    retired_on: date | None = None

    def on_checklist(self, day: date) -> bool:
        """True while the item was not retired on or before ``day``."""
        return self.retired_on is None or self.retired_on > day


def define_item(
    *,
    code: str,
    title: str | None,
    due_on: date,
    required: bool,
    existing: Iterable[FilingItem],
    actor: str,
    now: datetime,
) -> FilingItem:
    """A new checklist item; a default item's title may be left out. 422 on a taken code."""
    require_aware(now)
    code = code.strip()
    title = (title or "").strip() or DEFAULT_ITEMS.get(code, "")
    problems: list[FieldProblem] = []
    if not ITEM_CODE_PATTERN.match(code):
        problems.append(
            FieldProblem("code", "1-32 lowercase letters, digits or '_', a letter first")
        )
    elif any(item.code == code for item in existing):
        problems.append(FieldProblem("code", "already on the checklist"))
    if not title or len(title) > TITLE_MAX:
        problems.append(FieldProblem("title", f"must be 1-{TITLE_MAX} characters"))
    if problems:
        raise InvalidInput(problems)
    return FilingItem(
        code=code,
        title=title,
        due_on=due_on,
        required=required,
        created_at=now,
        created_by=actor,
    )


def retire_item(item: FilingItem, *, now: datetime) -> FilingItem:
    """Take the item off the checklist from today on; 409 when it is already retired."""
    require_aware(now)
    if item.retired_on is not None:
        raise StateConflict(f"filing item {item.code} is already retired")
    return replace(item, retired_on=tenant_today(now))


@dataclass(frozen=True)
class Evidence:
    """The filed document: title, document number (文号) and where to find it."""

    document_title: str
    document_number: str | None
    reference: str


@dataclass(frozen=True)
class Withdrawal:
    withdrawn_on: date
    reason: str
    withdrawn_by: str
    withdrawn_at: datetime


@dataclass(frozen=True)
class Filing:
    """One filing of a checklist item by a division; withdrawn filings stay as history."""

    filing_id: str
    tenant_id: str
    division_id: str
    item_code: str
    filed_on: date
    evidence: Evidence
    filed_by: str
    recorded_at: datetime
    withdrawal: Withdrawal | None = None

    @property
    def active(self) -> bool:
        return self.withdrawal is None

    def counts_on(self, day: date) -> bool:
        """True when the filing was made on or before ``day`` and not withdrawn by then."""
        if self.filed_on > day:
            return False
        return self.withdrawal is None or self.withdrawal.withdrawn_on > day


def status_of(filing: Filing | None, item: FilingItem) -> FilingStatus:
    """Filed on time, filed late (after the due date) or missing."""
    if filing is None:
        return FilingStatus.MISSING
    return FilingStatus.FILED if filing.filed_on <= item.due_on else FilingStatus.FILED_LATE


@dataclass(frozen=True)
class _FilingEvent:
    filing_id: str
    division_id: str
    item_code: str
    filed_on: date
    due_on: date
    status: FilingStatus
    actor: str
    occurred_at: datetime

    type: ClassVar[str] = ""
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        # A division's filings of one item stay in order, whichever filing they are about.
        return f"{self.division_id}:{self.item_code}"

    def payload(self) -> dict[str, Any]:
        """The `filing.*` v1 payload: the division's status for the item afterwards."""
        return {
            "filing_id": self.filing_id,
            "division_id": self.division_id,
            "item_code": self.item_code,
            "filed_on": self.filed_on.isoformat(),
            "due_on": self.due_on.isoformat(),
            "status": self.status.value,
            "actor": self.actor,
        }


@dataclass(frozen=True)
class FilingRecorded(_FilingEvent):
    """A division filed a checklist item (on time or late, ``status``)."""

    type: ClassVar[str] = "filing.recorded"


@dataclass(frozen=True)
class FilingWithdrawn(_FilingEvent):
    """A filing was withdrawn; the item is ``missing`` again until filed anew."""

    type: ClassVar[str] = "filing.withdrawn"


def file_item(
    *,
    filing_id: str,
    tenant_id: str,
    division_id: str,
    item: FilingItem,
    current: Filing | None,
    filed_on: date,
    document_title: str,
    document_number: str | None,
    reference: str,
    actor: str,
    now: datetime,
) -> tuple[Filing, FilingRecorded]:
    """Record a division's filing of ``item``; 409 while an earlier filing is still active or
    the item is retired, 422 on a future date or missing evidence."""
    require_aware(now)
    today = tenant_today(now)
    if not item.on_checklist(today):
        raise StateConflict(f"filing item {item.code} is retired")
    if current is not None:
        raise StateConflict(f"{item.code} is already filed; withdraw that filing first")
    document_title = document_title.strip()
    document_number = (document_number or "").strip() or None
    reference = reference.strip()
    problems: list[FieldProblem] = []
    if filed_on > today:
        problems.append(FieldProblem("filed_on", "cannot be in the future"))
    if not document_title or len(document_title) > DOCUMENT_TITLE_MAX:
        problems.append(
            FieldProblem("evidence.document_title", f"must be 1-{DOCUMENT_TITLE_MAX} characters")
        )
    if document_number is not None and len(document_number) > DOCUMENT_NUMBER_MAX:
        problems.append(
            FieldProblem("evidence.document_number", f"at most {DOCUMENT_NUMBER_MAX} characters")
        )
    if not reference or len(reference) > REFERENCE_MAX:
        problems.append(FieldProblem("evidence.reference", f"must be 1-{REFERENCE_MAX} characters"))
    if problems:
        raise InvalidInput(problems)
    filing = Filing(
        filing_id=filing_id,
        tenant_id=tenant_id,
        division_id=division_id,
        item_code=item.code,
        filed_on=filed_on,
        evidence=Evidence(
            document_title=document_title, document_number=document_number, reference=reference
        ),
        filed_by=actor,
        recorded_at=now,
    )
    event = FilingRecorded(
        filing_id=filing_id,
        division_id=division_id,
        item_code=item.code,
        filed_on=filed_on,
        due_on=item.due_on,
        status=status_of(filing, item),
        actor=actor,
        occurred_at=now,
    )
    return filing, event


def withdraw(
    filing: Filing, *, item: FilingItem, reason: str, actor: str, now: datetime
) -> tuple[Filing, FilingWithdrawn]:
    """Withdraw an active filing (the item is missing again); 409 when already withdrawn."""
    require_aware(now)
    if filing.withdrawal is not None:
        raise StateConflict(f"filing {filing.filing_id} is already withdrawn")
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise InvalidInput.of("reason", f"must be 1-{REASON_MAX} characters")
    withdrawn = replace(
        filing,
        withdrawal=Withdrawal(
            withdrawn_on=tenant_today(now), reason=reason, withdrawn_by=actor, withdrawn_at=now
        ),
    )
    event = FilingWithdrawn(
        filing_id=filing.filing_id,
        division_id=filing.division_id,
        item_code=filing.item_code,
        filed_on=filing.filed_on,
        due_on=item.due_on,
        status=FilingStatus.MISSING,
        actor=actor,
        occurred_at=now,
    )
    return withdrawn, event


@dataclass(frozen=True)
class ChecklistLine:
    """One item of one division's checklist as of a day: status, the filing that counts, and
    every filing ever made for it (newest first)."""

    item: FilingItem
    status: FilingStatus
    filing: Filing | None
    history: tuple[Filing, ...]


def checklist(
    items: Iterable[FilingItem], filings: Iterable[Filing], day: date
) -> list[ChecklistLine]:
    """The division's checklist as of ``day`` (``filings`` are that division's)."""
    by_item: dict[str, list[Filing]] = {}
    for filing in filings:
        by_item.setdefault(filing.item_code, []).append(filing)
    lines: list[ChecklistLine] = []
    for item in sorted(items, key=lambda i: i.code):
        if not item.on_checklist(day):
            continue
        history = sorted(
            by_item.get(item.code, []), key=lambda f: (f.filed_on, f.recorded_at), reverse=True
        )
        counting = next((f for f in history if f.counts_on(day)), None)
        lines.append(
            ChecklistLine(
                item=item,
                status=status_of(counting, item),
                filing=counting,
                history=tuple(history),
            )
        )
    return lines
