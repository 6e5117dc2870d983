"""Patrol summaries (巡查汇总): the daily table and its Excel export, a worker's month with its
week and month totals, and who is patrolling right now.

Everything here reads the stored patrol days (`PatrolDayRepository`): their figures and
verdicts as the cut-off published them, never raw points. Who reads what follows the track's
rule (`use_cases.points`): the centre, inspectors, grid leaders and instructors read the
tenant's workers; a grid worker only himself, and anyone else is as unknown to him as another
tenant's worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from services.patrol_tracking.domain.compliance import (
    STATUS_VALUES,
    DayVerdict,
    PatrolRules,
    Reason,
    ReasonCode,
    VerdictStatus,
)
from services.patrol_tracking.domain.figures import DayFigures, Gap, Visit
from services.patrol_tracking.domain.intake import patrol_day
from services.patrol_tracking.domain.patrol_days import PatrolDay, gap_class
from services.patrol_tracking.domain.periods import (
    DayCounts,
    DayEntry,
    MonthTotals,
    WeekTotals,
    iso_week,
    month_of,
    month_totals,
    week_totals,
)
from services.patrol_tracking.domain.track import from_ms, to_ms
from services.patrol_tracking.repository.patrol_days import DayFilter
from services.patrol_tracking.use_cases.context import PatrolContext
from services.patrol_tracking.use_cases.patrol_days import CALENDAR
from services.patrol_tracking.use_cases.points import TENANT_TRACK_READERS, check_readable
from shared.errors import InvalidInput
from shared.mongo import Page
from shared.workbooks import Column, write_sheet

OPEN: Final = "open"  # a stored day before its cut-off (no verdict yet)
# A finalised day without a document: the worker held no patrol role that day (the cut-off
# judges every patrol member), so there is no verdict to show and nothing to count.
NOT_JUDGED: Final = "not_judged"
DAY_STATUSES: Final = (OPEN, *STATUS_VALUES)
EXPORT_CAP: Final = 20_000  # rows of one export: ~2 MB of .xlsx, a few seconds to write
LIVE_MINUTES: Final = (1, 240)
_KM3 = Decimal("0.001")


# -- one day as the lists show it ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayRow:
    """One worker-day in a summary: its verdict (``open`` before the cut-off) and figures.

    ``grid_ids`` are the judged day's grids, or before the cut-off the grids the fold measured
    against (the ``grid_id`` and ``division_id`` filters match judged days only)."""

    worker_id: str
    day: date
    status: str
    final: bool
    version: int
    short: bool | None
    reasons: tuple[Reason, ...]
    leave_id: str | None
    grid_id: str | None
    grid_ids: tuple[str, ...]
    division_id: str | None
    grid_type: str | None
    workday: bool
    online_s: int
    patrol_s: int
    distance_m: int
    own_grid_s: int
    own_grid_m: int
    morning: bool
    afternoon: bool
    sessions: int
    points_accepted: int
    points_rejected: int
    gaps: tuple[Gap, ...]
    gap_class: str | None
    visits: tuple[Visit, ...]
    last_fix_at: datetime | None

    @property
    def km(self) -> Decimal:
        return km3(self.distance_m)


def km3(metres: int) -> Decimal:
    """Whole metres as kilometres with three places (exact)."""
    return (Decimal(metres) / 1000).quantize(_KM3)


def day_row(patrol: PatrolDay) -> DayRow:
    """The stored day as a summary row."""
    return _row(patrol.worker_id, patrol.day, patrol, patrol.state.figures(), OPEN)


def _row(
    worker_id: str, day: date, patrol: PatrolDay | None, figures: DayFigures, unjudged: str
) -> DayRow:
    judgement = None if patrol is None else patrol.judgement
    last = None if patrol is None or patrol.state.last is None else patrol.state.last
    if judgement is not None:
        assignment = judgement.assignment
        grid_ids, divisions = assignment.grid_ids, assignment.division_ids
        grid_type: str | None = assignment.grid_type
    else:
        grid_ids = () if patrol is None else patrol.assignment_seen
        divisions, grid_type = (), None
    return DayRow(
        worker_id=worker_id,
        day=day,
        status=unjudged if judgement is None else judgement.verdict.status.value,
        final=patrol is not None and patrol.finalised,
        version=0 if patrol is None else patrol.version,
        short=None if judgement is None else judgement.verdict.short,
        reasons=() if judgement is None else judgement.verdict.reasons,
        leave_id=None if judgement is None else judgement.leave_id,
        grid_id=grid_ids[0] if grid_ids else None,
        grid_ids=grid_ids,
        division_id=divisions[0] if divisions else None,
        grid_type=grid_type,
        workday=CALENDAR.is_workday(day) if judgement is None else judgement.workday,
        online_s=figures.online_s,
        patrol_s=figures.patrol_s,
        distance_m=figures.distance_m,
        own_grid_s=figures.own_grid_s,
        own_grid_m=figures.own_grid_m,
        morning=figures.morning,
        afternoon=figures.afternoon,
        sessions=figures.sessions,
        points_accepted=figures.points_accepted,
        points_rejected=figures.points_rejected,
        gaps=figures.gaps,
        gap_class=None if patrol is None else gap_class(patrol.state),
        visits=figures.visits,
        last_fix_at=None if last is None else from_ms(last.fix.at_ms),
    )


# -- the daily table (巡查日报) and its export ------------------------------------------------


def check_month(month: str, field: str = "month") -> str:
    """``month`` as YYYY-MM with a real month (422 on ``field`` otherwise)."""
    parts = month.split("-")
    if (
        len(month) != 7
        or len(parts) != 2
        or not all(part.isdigit() for part in parts)
        or not 1 <= int(parts[1]) <= 12
        or int(parts[0]) < 1
    ):
        raise InvalidInput.of(field, "must be a month as YYYY-MM (01 to 12)")
    return month


def _own_only(ctx: PatrolContext) -> bool:
    """A caller without a tenant-wide reading role (a grid worker) reads only his own days."""
    return TENANT_TRACK_READERS.isdisjoint(ctx.roles)


def list_days(
    ctx: PatrolContext,
    *,
    offset: int,
    limit: int,
    day: date | None = None,
    month: str | None = None,
    worker_id: str | None = None,
    grid_id: str | None = None,
    division_id: str | None = None,
    status: str | None = None,
) -> Page[DayRow]:
    """One page of stored worker-days, newest day first, then by worker. A grid worker sees
    his own days only: naming another worker gives an empty page, as another tenant's would."""
    if month is not None:
        check_month(month)
    if _own_only(ctx):
        if worker_id not in (None, ctx.actor):
            return Page(items=[], total=0, offset=offset, limit=limit)
        worker_id = ctx.actor
    where = DayFilter(day, month, worker_id, grid_id, division_id, status)
    found = ctx.days.page(where, offset=offset, limit=limit)
    return found.map(day_row)


@dataclass(frozen=True, slots=True)
class Export:
    """An export ready to download: the workbook bytes and the file name's stem."""

    name: str
    data: bytes


STATUS_LABELS: Final = {
    OPEN: "未定稿",
    VerdictStatus.PASSED.value: "达标",
    VerdictStatus.FAILED.value: "未达标",
    VerdictStatus.NOT_PATROLLED.value: "未巡查",
    VerdictStatus.EXCUSED.value: "请假/工作冲突",
    VerdictStatus.REST_DAY.value: "休息日",
}
REASON_LABELS: Final = {
    ReasonCode.HOURS_SHORT: "巡查时长不足",
    ReasonCode.KM_SHORT: "巡查里程不足",
    ReasonCode.NO_MORNING: "上午未巡查",
    ReasonCode.NO_AFTERNOON: "下午未巡查",
    ReasonCode.ONLINE_SHORT: "在线时长不足",
    ReasonCode.ONLINE_RATE_SHORT: "在线率不足",
    ReasonCode.KEY_PERSON_VISITS_SHORT: "重点人员走访不足",
    ReasonCode.KEY_PLACE_VISITS_SHORT: "重点场所走访不足",
    ReasonCode.WEEK_HOURS_SHORT: "周巡查时长不足",
    ReasonCode.WEEK_KM_SHORT: "周巡查里程不足",
}
_YES_NO = {True: "是", False: "否"}
EXPORT_COLUMNS: Final = (
    Column("day", "日期"),
    Column("worker_id", "网格员"),
    Column("grid_id", "网格"),
    Column("division_id", "村社区"),
    Column("grid_type", "网格类型"),
    Column("status", "状态"),
    Column("workday", "工作日"),
    Column("patrol_min", "巡查时长(分钟)"),
    Column("km", "里程(公里)"),
    Column("own_grid_min", "网格内时长(分钟)"),
    Column("own_grid_km", "网格内里程(公里)"),
    Column("online_min", "在线时长(分钟)"),
    Column("morning", "上午"),
    Column("afternoon", "下午"),
    Column("sessions", "巡查时段数"),
    Column("visits", "走访次数"),
    Column("short", "时长不足"),
    Column("reasons", "原因"),
    Column("leave_id", "请假备案"),
    Column("final", "已定稿"),
)


def _export_row(row: DayRow) -> dict[str, Any]:
    return {
        "day": row.day,
        "worker_id": row.worker_id,
        "grid_id": row.grid_id,
        "division_id": row.division_id,
        "grid_type": row.grid_type,
        "status": STATUS_LABELS.get(row.status, row.status),
        "workday": _YES_NO[row.workday],
        "patrol_min": row.patrol_s // 60,
        # Numbers stay numbers, so the sheet sums them; three places are exact metres.
        "km": float(row.km),
        "own_grid_min": row.own_grid_s // 60,
        "own_grid_km": float(km3(row.own_grid_m)),
        "online_min": row.online_s // 60,
        "morning": _YES_NO[row.morning],
        "afternoon": _YES_NO[row.afternoon],
        "sessions": row.sessions,
        "visits": len(row.visits),
        "short": None if row.short is None else _YES_NO[row.short],
        "reasons": "；".join(
            f"{REASON_LABELS.get(reason.code, reason.code.value)}（{reason.message}）"
            for reason in row.reasons
        ),
        "leave_id": row.leave_id,
        "final": _YES_NO[row.final],
    }


def export_days(
    ctx: PatrolContext,
    *,
    limit: int = EXPORT_CAP,
    day: date | None = None,
    month: str | None = None,
    worker_id: str | None = None,
    grid_id: str | None = None,
    division_id: str | None = None,
    status: str | None = None,
) -> Export:
    """Every stored worker-day matching the filters as an .xlsx (Chinese headers, the list's
    order); 422 on ``limit`` when more than ``limit`` (at most `EXPORT_CAP`) match."""
    if month is not None:
        check_month(month)
    if not 1 <= limit <= EXPORT_CAP:
        raise InvalidInput.of("limit", f"must be 1 to {EXPORT_CAP}")
    where = DayFilter(day, month, worker_id, grid_id, division_id, status)
    found = ctx.days.every(where, cap=limit)
    if found.total > limit:
        raise InvalidInput.of(
            "limit",
            f"{found.total} days match, more than {limit}: narrow the filters "
            "(day, month, grid_id, division_id, worker_id, status)",
        )
    rows = [_export_row(day_row(patrol)) for patrol in found.items]
    return Export(name="patrol-days", data=write_sheet(EXPORT_COLUMNS, rows, title="巡查日报"))


# -- a worker's month (月度巡查) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkerMonth:
    """A worker's month up to today: each day, the ISO weeks touching it (with their days in
    the neighbouring months), the month's totals and the rules they were counted by."""

    worker_id: str
    month: str
    grid_type: str | None
    rules: PatrolRules
    days: tuple[DayRow, ...]
    weeks: tuple[WeekTotals, ...]
    totals: MonthTotals
    open_days: int


def worker_month(ctx: PatrolContext, *, worker_id: str, month: str | None = None) -> WorkerMonth:
    """The worker's month (default: the current one) as the cut-off judged it.

    Every day from the 1st to today (the whole month for a past one): its stored figures and
    verdict; a day without a stored document is ``open`` with zero figures until the tenant's
    cut-off passed it, then ``not_judged`` (no patrol role that day). Totals count judged
    days only. The rules are those of the grid type of the latest judged day. A worker reads
    his own month; another worker, or an id that is not the tenant's user, is 404."""
    check_readable(ctx, worker_id)
    today = patrol_day(ctx.now())
    month = month_of(today) if month is None else check_month(month)
    first = date(int(month[:4]), int(month[5:]), 1)
    if first > today:
        raise InvalidInput.of("month", f"must not be after the current month ({month_of(today)})")
    last = min(_month_end(first), today)
    shown = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    # The ISO weeks touching the shown days, whole: their other days may be in the months
    # either side (a week is judged as a week, whichever month its Monday falls in).
    week_days = {
        day
        for monday in {d - timedelta(days=d.weekday()) for d in shown}
        for day in (monday + timedelta(days=n) for n in range(7))
        if day <= today
    }
    stored: dict[date, PatrolDay] = {}
    for wanted in sorted({month_of(day) for day in week_days} | {month}):
        stored.update((found.day, found) for found in ctx.days.of_month(worker_id, wanted))
    finalised_until = ctx.finalisation.last_day()
    settings = ctx.settings.recent()
    judged = sorted(
        (found for found in stored.values() if found.judgement is not None),
        key=lambda found: found.day,
    )
    in_month = [found for found in judged if month_of(found.day) == month]
    grid_type = next(
        (
            found.judgement.assignment.grid_type
            for found in reversed(in_month or judged)
            if found.judgement is not None
        ),
        None,
    )
    rules = settings.rules_for(grid_type)
    days = tuple(_month_day(worker_id, day, stored.get(day), finalised_until) for day in shown)
    entries = [_entry(found) for found in judged if found.day in week_days]
    weeks = tuple(
        week_totals([entry for entry in entries if iso_week(entry[0]) == week], rules)
        for week in sorted({iso_week(entry[0]) for entry in entries})
    )
    month_entries = [entry for entry in entries if month_of(entry[0]) == month]
    totals = (
        month_totals(month_entries, rules)
        if month_entries
        else MonthTotals(month, 0, 0, DayCounts(), 0)
    )
    return WorkerMonth(
        worker_id=worker_id,
        month=month,
        grid_type=grid_type,
        rules=rules,
        days=days,
        weeks=weeks,
        totals=totals,
        open_days=sum(row.status == OPEN for row in days),
    )


def _month_end(first: date) -> date:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _month_day(
    worker_id: str, day: date, patrol: PatrolDay | None, finalised_until: date | None
) -> DayRow:
    if patrol is not None:
        return day_row(patrol)
    unjudged = OPEN if finalised_until is None or day > finalised_until else NOT_JUDGED
    return _row(worker_id, day, None, DayFigures.empty(day), unjudged)


def _entry(patrol: PatrolDay) -> DayEntry:
    judgement = patrol.judgement
    if judgement is None:  # the callers pass judged days only
        raise ValueError(f"{patrol.key} is not judged")
    verdict: DayVerdict = judgement.verdict
    return (patrol.day, patrol.state.figures(), verdict)


# -- who is patrolling now (实时在岗) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LivePatroller:
    """A worker whose newest accepted fix of today is recent: where and how much so far."""

    worker_id: str
    last_fix_at: datetime
    lon: float | None
    lat: float | None
    grid_id: str | None
    patrol_s: int
    distance_m: int

    @property
    def km(self) -> Decimal:
        return km3(self.distance_m)


@dataclass(frozen=True, slots=True)
class LiveBoard:
    day: date
    as_of: datetime
    within_minutes: int
    items: tuple[LivePatroller, ...]


def patrolling_now(ctx: PatrolContext, *, within_minutes: int = 15) -> LiveBoard:
    """The workers whose newest accepted fix today (Asia/Shanghai) is at most
    ``within_minutes`` (1..240) old, newest first; read from today's stored days."""
    low, high = LIVE_MINUTES
    if not low <= within_minutes <= high:
        raise InvalidInput.of("within_minutes", f"must be {low} to {high}")
    now = ctx.now()
    today = patrol_day(now)
    since_ms = to_ms(now) - within_minutes * 60_000
    rows = ctx.days.fixes_since(today, since_ms)
    return LiveBoard(
        day=today,
        as_of=now,
        within_minutes=within_minutes,
        items=tuple(_live(row) for row in rows),
    )


def _live(row: dict[str, Any]) -> LivePatroller:
    grids: Sequence[str] = row.get("assignment_seen") or ()
    grid_id = row.get("grid_id") or (grids[0] if grids else None)
    return LivePatroller(
        worker_id=str(row["worker_id"]),
        last_fix_at=from_ms(int(row["last_fix_ms"])),
        lon=row.get("last_lon"),
        lat=row.get("last_lat"),
        grid_id=grid_id,
        patrol_s=int(row.get("patrol_s") or 0),
        distance_m=int(row.get("distance_m") or 0),
    )
