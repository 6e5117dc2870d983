"""12345 hotline work-order import (12345 工单导入): a workbook or CSV of work orders becomes
events from source ``hotline_12345``, and their callback results (回访结果) are recorded.

Row by row, as in the registry's imports: every row is checked (its cells by
`shared.workbooks.read_sheet`, the rules across its columns by `domain.hotline.work_order`), a
number that appears twice in the file rejects every copy, and each good row lands whole while
the bad ones are reported per column. A dry run (``ctx.as_dry_run()``) runs the same path with
repositories that store nothing, so it reports the same problems and counts.

Each work order is reported through `use_cases.events.report_event` by the hotline
(`HOTLINE_ACTOR`, with the importer's centre roles; the importer stays the audit actor) with
the work-order number as its request id: the event id depends on the tenant and the number
only, so importing the file again finds every event and changes nothing. The context's clock
is the row's call time (`ctx.at`), so the event is reported, located and given its deadlines
as of the call.

Row outcomes: ``created`` (a new event, with its callback if the row has one), ``updated`` (an
event imported before whose callback outcome is new or changed), ``unchanged``, ``rejected``.
A callback lost to three concurrent writers in a row is reported as a problem on 回访结果; its
event stays, and importing again records the callback.

CSV (UTF-8 with or without BOM, or GB18030, detected) goes through `shared.workbooks.read_upload`:
turned into a workbook of the columns this import reads (a resident's phone number in another
column is never held), then the same `read_sheet`, limits included; a CSV cell holding
characters a workbook cannot hold is a problem of its row and column.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.event_intake.domain import hotline as domain
from services.event_intake.domain.events import Event, Source
from services.event_intake.domain.hotline import COLUMNS, HEADERS, HOTLINE_ACTOR, WorkOrder
from services.event_intake.domain.registry import GridRef, local_day
from services.event_intake.use_cases import events
from services.event_intake.use_cases.context import IntakeContext
from shared.errors import Conflict, InvalidInput
from shared.events.domain import EventOrigin
from shared.workbooks import (
    ImportReport,
    Row,
    RowOutcome,
    RowProblem,
    RowReport,
    read_upload,
    write_sheet,
)

_RETRIES = 3
# Where the event use case's problems land: its fields -> this import's column headers.
_FIELD_COLUMNS: Mapping[str, str] = {
    "title": HEADERS["title"],
    "description": HEADERS["description"],
    "address": HEADERS["address"],
    "category": HEADERS["category"],
    "grid_id": HEADERS["grid_code"],
    "position": HEADERS["lon"],
    "request_id": HEADERS["work_order_no"],
}
NO_SUCH_GRID = RowProblem(
    HEADERS["grid_code"], "来电时没有这个网格 / no grid with this code in force at the call time"
)
_DUPLICATED = RowProblem(
    HEADERS["work_order_no"], "工作簿内重复 / duplicated in this file (all copies rejected)"
)


@dataclass(frozen=True)
class _HotlineContext(IntakeContext):
    """The import as the event use case sees it: the hotline reports (with the importer's
    roles, so as the centre), while what is recorded keeps the importer as its audit actor."""

    importer: str = ""

    @property
    def origin(self) -> EventOrigin:
        return EventOrigin(
            producer=self.producer, correlation_id=self.correlation_id, actor=self.importer
        )


def import_work_orders(ctx: IntakeContext, *, data: bytes, filename: str = "") -> ImportReport:
    """Import the work orders of an .xlsx or .csv file (``filename`` ending in .csv and not a
    zip): one report per row, in the file's order."""
    rows = read_upload(data, filename, COLUMNS)
    now = ctx.now()
    taxonomy = ctx.settings.current().taxonomy
    numbers = {
        row.number: row.values["work_order_no"] for row in rows if "work_order_no" in row.values
    }
    duplicated = _duplicates(numbers)
    reports: dict[int, RowReport] = {}
    checked: list[tuple[Row, WorkOrder]] = []
    for row in rows:
        key = numbers.get(row.number)
        if row.problems:
            reports[row.number] = _rejected(row, row.problems, key)
            continue
        order, found = domain.work_order(row.values, taxonomy=taxonomy, now=now)
        if order is None:
            reports[row.number] = _rejected(row, found, key)
        elif row.number in duplicated:
            reports[row.number] = _rejected(row, [_DUPLICATED], key)
        else:
            checked.append((row, order))
    hotline = _HotlineContext(
        tenant_id=ctx.tenant_id,
        actor=HOTLINE_ACTOR,
        correlation_id=ctx.correlation_id,
        roles=ctx.roles,
        clock=ctx.clock,
        dry_run=ctx.dry_run,
        importer=ctx.actor,
    )
    grids = _GridsByCode(hotline)
    # In call order: events are reported as they happened, and the grid locator of each day
    # is built once, not once per row.
    for row, order in sorted(checked, key=lambda pair: (pair[1].called_at, pair[0].number)):
        reports[row.number] = _land(hotline, row, order, grids, now)
    return ImportReport(dry_run=ctx.dry_run, rows=tuple(reports[row.number] for row in rows))


def _duplicates(numbers: Mapping[int, str]) -> set[int]:
    seen: dict[str, list[int]] = {}
    for number, key in numbers.items():
        seen.setdefault(key, []).append(number)
    return {number for rows in seen.values() if len(rows) > 1 for number in rows}


def _rejected(row: Row, problems: Iterable[RowProblem], key: str | None) -> RowReport:
    return RowReport(number=row.number, outcome=RowOutcome.REJECTED, key=key, problems=(*problems,))


class _GridsByCode:
    """Grid codes resolved once per import and Asia/Shanghai day."""

    def __init__(self, ctx: IntakeContext) -> None:
        self.ctx = ctx
        self.found: dict[tuple[str, date], GridRef | None] = {}

    def at(self, code: str, moment: datetime) -> GridRef | None:
        key = (code, local_day(moment))
        if key not in self.found:
            self.found[key] = self.ctx.registry.grid_by_code(code, moment)
        return self.found[key]


def _land(
    ctx: _HotlineContext, row: Row, order: WorkOrder, grids: _GridsByCode, now: datetime
) -> RowReport:
    """Report the work order's event (or find the one reported before), then its callback."""
    key = order.work_order_no
    grid_id: str | None = None
    position = order.position_mapping()
    unknown_grid = False
    if order.grid_code is not None:
        grid = grids.at(order.grid_code, order.called_at)
        if grid is None:
            # Asked without a place, the use case still answers an event imported before
            # (a re-run changes nothing even when the grid has gone since) and refuses a new
            # one; the refusal is reported as the unknown code.
            unknown_grid, position = True, None
        else:
            grid_id = grid.grid_id
    try:
        reported = events.report_event(
            ctx.at(order.called_at),
            source=Source.HOTLINE_12345.value,
            category=order.category,
            title=order.title,
            description=order.description,
            address=order.address,
            position=position,
            grid_id=grid_id,
            request_id=order.work_order_no,
        )
    except InvalidInput as exc:
        problems = [NO_SUCH_GRID] if unknown_grid else _problems(exc)
        return _rejected(row, problems, key)
    outcome = RowOutcome.CREATED if reported.created else RowOutcome.UNCHANGED
    if order.callback is None:
        return RowReport(number=row.number, outcome=outcome, key=key)
    try:
        recorded = _record_callback(ctx, order, reported.event, now)
    except Conflict as exc:
        problem = RowProblem(HEADERS["outcome"], f"并发修改，请重新导入 / changed meanwhile: {exc}")
        return _rejected(row, [problem], key)
    if recorded and outcome is RowOutcome.UNCHANGED:
        outcome = RowOutcome.UPDATED
    return RowReport(number=row.number, outcome=outcome, key=key)


def _problems(exc: InvalidInput) -> list[RowProblem]:
    return [RowProblem(_FIELD_COLUMNS.get(p.field), p.reason) for p in exc.problems]


def _record_callback(ctx: IntakeContext, order: WorkOrder, event: Event, now: datetime) -> bool:
    """Record the row's callback on its work order; False when it was recorded already. A
    write that lost a race (another import of the same work order) is re-read and re-decided."""
    assert order.callback is not None
    facts = domain.EventFacts(
        event_id=event.event_id,
        grid_id=event.grid_id,
        division_id=event.division_id,
        category=event.category,
        reported_at=event.reported_at,
    )
    for attempt in range(_RETRIES):
        current = ctx.callbacks.find_callback(order.work_order_no)
        callback, recorded = domain.record_callback(
            current,
            tenant_id=ctx.tenant_id,
            work_order_no=order.work_order_no,
            event=facts,
            result=order.callback,
            now=now,
        )
        if recorded is None:
            return False
        try:
            ctx.callbacks.save_callback(callback, [recorded])
        except Conflict:
            if attempt == _RETRIES - 1:
                raise
            continue
        return True
    raise AssertionError("unreachable")  # pragma: no cover


# --- the template -------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    name: str
    data: bytes


def template(ctx: IntakeContext) -> Template:
    """An .xlsx with the import's headers and one example row (the tenant's first category)."""
    taxonomy = ctx.settings.current().taxonomy
    category = taxonomy.categories[0].name if taxonomy.categories else ""
    called = local_day(ctx.now()) - timedelta(days=2)
    call_time = datetime(called.year, called.month, called.day, 9, 15)  # noqa: DTZ001 - local
    example = {
        "work_order_no": f"GD{called:%Y%m%d}0001",
        "called_at": call_time,
        "category": category,
        "title": "人民路12号井盖缺失",
        "description": "市民反映人民路12号门口井盖缺失，夜间有安全隐患，请尽快处理。",
        "address": "人民路12号",
        "lon": 120.005,
        "lat": 31.705,
        "grid_code": "",
        "outcome": "满意",
        "callback_at": call_time + timedelta(days=1, hours=1),
    }
    return Template(
        name="12345-work-orders", data=write_sheet(COLUMNS, [example], title="12345工单")
    )
