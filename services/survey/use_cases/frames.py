"""Sampling frame use cases (抽样框): import a household list, build an event-callback frame
from the events closed in the period, read the frame back as counts per grid.

The import goes row by row, as every import of the platform: cells checked by
`shared.workbooks.read_upload` (an .xlsx, or a CSV in UTF-8 or GB18030), a 户编号 that appears
twice in the file rejects every copy, a 网格编码 must name a grid in force today, and each good
row lands whole while the bad ones are reported per column. A dry run
(``ctx.as_dry_run()``) runs the same path and stores nothing. Importing the same file again
changes nothing: a household is found again by its keyed tag and compared by the keyed
fingerprint of its row.

The report never echoes a household reference, phone number or address (its rows carry row
numbers and problems only); the frame reads back as counts per grid.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.survey.domain import frames as domain
from services.survey.domain.campaigns import Campaign, CampaignKind, CampaignState
from services.survey.domain.frames import COLUMNS, DUPLICATED, NO_SUCH_GRID, FrameEntry
from services.survey.use_cases.campaigns import require_campaign
from services.survey.use_cases.context import SurveyContext
from shared.errors import Conflict, StateConflict
from shared.registry.model import GridRef
from shared.workbooks import ImportReport, Row, RowOutcome, RowProblem, RowReport, read_upload

_RACED = RowProblem(
    domain.HEADERS["household_ref"], "并发修改，请重新导入 / changed meanwhile: import again"
)


def _importable(campaign: Campaign) -> None:
    if campaign.kind is CampaignKind.EVENT_CALLBACK:
        raise StateConflict(
            "an event-callback campaign's frame is the events closed in its period "
            "(POST /campaigns/<id>/frame/closed-events)"
        )
    if campaign.state is CampaignState.CLOSED:
        raise StateConflict(f"campaign {campaign.campaign_id} is closed")


def _duplicated(rows: list[Row]) -> set[int]:
    seen: dict[str, list[int]] = {}
    for row in rows:
        ref = row.values.get("household_ref")
        if ref is not None:
            seen.setdefault(ref, []).append(row.number)
    return {number for numbers in seen.values() if len(numbers) > 1 for number in numbers}


class _Grids:
    """Grid codes resolved once per import (the grids in force at the import)."""

    def __init__(self, ctx: SurveyContext, now: datetime) -> None:
        self.ctx, self.now = ctx, now
        self.found: dict[str, GridRef | None] = {}

    def by_code(self, code: str) -> GridRef | None:
        if code not in self.found:
            self.found[code] = self.ctx.registry.grid_by_code(code, self.now)
        return self.found[code]


def _rejected(row: Row, problems: tuple[RowProblem, ...] | list[RowProblem]) -> RowReport:
    return RowReport(number=row.number, outcome=RowOutcome.REJECTED, problems=(*problems,))


def import_frame(
    ctx: SurveyContext, *, campaign_id: str, data: bytes, filename: str = ""
) -> ImportReport:
    """Import households into the campaign's frame: one report per row, in the file's order.
    409 for an event-callback or closed campaign. After the draw a household can be corrected
    but neither added nor moved to another grid (those rows are rejected)."""
    campaign = require_campaign(ctx, campaign_id)
    _importable(campaign)
    rows = read_upload(data, filename, COLUMNS)
    now = ctx.now()
    duplicated = _duplicated(rows)
    existing = ctx.frames.entries_of(campaign_id)
    grids = _Grids(ctx, now)
    reports: list[RowReport] = []
    for row in rows:
        if row.problems:
            reports.append(_rejected(row, row.problems))
            continue
        if row.number in duplicated:
            reports.append(_rejected(row, [DUPLICATED]))
            continue
        grid = grids.by_code(row.values["grid_code"])
        if grid is None:
            reports.append(_rejected(row, [NO_SUCH_GRID]))
            continue
        reports.append(_land(ctx, campaign, row, grid, existing=existing, now=now))
    return ImportReport(dry_run=ctx.dry_run, rows=tuple(reports))


def _land(
    ctx: SurveyContext,
    campaign: Campaign,
    row: Row,
    grid: GridRef,
    *,
    existing: dict[str, FrameEntry],
    now: datetime,
) -> RowReport:
    keys = ctx.frames.household_keys(row.values["household_ref"])
    found = next((existing[key] for key in keys if key in existing), None)
    phone, address = row.values["phone"], row.values.get("address")
    placement = domain.Placement(
        grid_id=grid.grid_id,
        division_id=grid.division_id,
        phone=phone,
        address=address,
        fingerprint=ctx.frames.fingerprint(grid.grid_id, phone, address),
    )
    entry, problems = domain.place(
        found,
        placement,
        entry_id=str(uuid.uuid4()),
        tenant_id=ctx.tenant_id,
        campaign_id=campaign.campaign_id,
        household_key=keys[0],
        sample_drawn=campaign.sample is not None,
        now=now,
    )
    if problems:
        return _rejected(row, problems)
    if entry is None:
        return RowReport(number=row.number, outcome=RowOutcome.UNCHANGED)
    try:
        if found is None:
            stored = ctx.frames.add_entry(entry)
            outcome = RowOutcome.CREATED
        else:
            stored = ctx.frames.save_entry(entry)
            outcome = RowOutcome.UPDATED
    except Conflict:  # ConcurrentUpdate included: another import of the same household
        return _rejected(row, [_RACED])
    existing[stored.household_key] = stored
    return RowReport(number=row.number, outcome=outcome)


@dataclass(frozen=True)
class EventFrame:
    """What building an event-callback frame did: entries added, already there, in all."""

    created: int
    unchanged: int
    total: int


def frame_from_closed_events(ctx: SurveyContext, *, campaign_id: str) -> EventFrame:
    """Put every event closed in the campaign's period (intake's closures as survey keeps
    them) into its frame, one entry per event; again later adds the events closed since.
    409 unless an event-callback campaign whose sample is not drawn yet."""
    campaign = require_campaign(ctx, campaign_id)
    if campaign.kind is not CampaignKind.EVENT_CALLBACK:
        raise StateConflict("only an event-callback campaign's frame is built from events")
    if campaign.sample is not None:
        raise StateConflict("the sample is drawn: the frame no longer changes")
    if campaign.state is CampaignState.CLOSED:
        raise StateConflict(f"campaign {campaign_id} is closed")
    now = ctx.now()
    existing = ctx.frames.entries_of(campaign_id)
    created = unchanged = 0
    for event in ctx.closed_events.closed_in(campaign.period):
        key = ctx.frames.event_key(event.event_id)
        if key in existing:
            unchanged += 1
            continue
        entry = domain.event_entry(
            entry_id=str(uuid.uuid4()),
            tenant_id=ctx.tenant_id,
            campaign_id=campaign_id,
            event_id=event.event_id,
            grid_id=event.grid_id,
            division_id=event.division_id,
            event_key=key,
            fingerprint=ctx.frames.fingerprint(event.grid_id, None, None),
            now=now,
        )
        try:
            existing[key] = ctx.frames.add_entry(entry)
        except Conflict:  # a concurrent build added it first
            unchanged += 1
            continue
        created += 1
    return EventFrame(created=created, unchanged=unchanged, total=len(existing))


@dataclass(frozen=True)
class GridEntries:
    grid_id: str
    grid_code: str | None
    entries: int


@dataclass(frozen=True)
class FrameCounts:
    """The frame as anyone may read it: counts per grid, never an entry."""

    campaign_id: str
    total: int
    grids: tuple[GridEntries, ...]


def frame_counts(ctx: SurveyContext, *, campaign_id: str) -> FrameCounts:
    """How many households (or events) each grid has in the campaign's frame."""
    require_campaign(ctx, campaign_id)
    counts = ctx.frames.grid_counts(campaign_id)
    codes = {count.grid_id: _code(ctx, count.grid_id) for count in counts}
    grids = tuple(
        GridEntries(grid_id=count.grid_id, grid_code=codes[count.grid_id], entries=count.entries)
        for count in counts
    )
    return FrameCounts(
        campaign_id=campaign_id, total=sum(grid.entries for grid in grids), grids=grids
    )


def _code(ctx: SurveyContext, grid_id: str) -> str | None:
    grid = ctx.registry.grid(grid_id)
    return None if grid is None else grid.code
