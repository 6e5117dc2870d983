"""12345 callbacks (12345 回访): intake's callbacks, the provincial results file, the list.

- `record_from_intake`: the worker's handler of event_intake's ``hotline.callback_recorded``.
- `import_results`: the centre imports the provincial platform's callback results (.xlsx, or
  .csv in UTF-8 or GB18030). Row by row, as every import: each row is checked (cells by
  `shared.workbooks.read_upload`, the rules across columns by `domain.callbacks.result_row`),
  the same work order and callback time twice in the file rejects every copy, and each good
  row lands whole while the bad ones are reported per column. Where a work order belongs:
  intake's attachment when intake recorded it, else the intake event its 事项编号 names (from
  the closed-events read model), else the grid its 网格编码 names on the callback's day, else
  the grid an earlier import gave it; a work order none of these places is a problem on
  网格编码. Rows land in callback order, so a file holding two calls of one work order keeps
  the later. A dry run (``ctx.as_dry_run()``) answers the same report and writes nothing.
  Row outcomes: ``created`` (a work order new here), ``updated`` (what is kept changed, one
  ``callback.recorded``), ``unchanged`` (importing the file again), ``rejected``.
- `list_callbacks`: the centre's list by period and grid.

Every write that loses a race (another import or the worker recording the same work order) is
re-read and decided again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from services.survey.domain import callbacks as domain
from services.survey.domain.callbacks import (
    HEADERS,
    Attachment,
    Callback,
    CallbackResult,
    IntakeMessage,
    Origin,
    Outcome,
    ResultRow,
)
from services.survey.domain.campaigns import parse_campaign_period
from services.survey.use_cases.context import SurveyContext
from shared.errors import Conflict, InvalidInput
from shared.mongo import Page
from shared.periods import Period
from shared.registry.model import GridRef
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


def _worker_of(ctx: SurveyContext) -> domain.WorkerOf:
    def worker_of(grid_id: str, day: date) -> str | None:
        return domain.serving_worker(ctx.registry.members_of(grid_id, day), day)

    return worker_of


def _record(
    ctx: SurveyContext, result: CallbackResult, message: IntakeMessage | None, now: datetime
) -> tuple[Callback | None, bool]:
    """Record ``result`` on its work order: (what was kept before, whether it changed). A
    write that lost a race is re-read and decided again."""
    worker_of = _worker_of(ctx)
    for attempt in range(_RETRIES):
        current = ctx.callbacks.find(result.work_order_no)
        callback, recorded = domain.record_callback(
            current,
            result,
            tenant_id=ctx.tenant_id,
            worker_of=worker_of,
            now=now,
            message=message,
        )
        if recorded is None:
            return current, False
        try:
            ctx.callbacks.save_callback(callback, [recorded])
        except Conflict:
            if attempt == _RETRIES - 1:
                raise
            continue
        return current, True
    raise AssertionError("unreachable")  # pragma: no cover


# --- intake's callbacks ---------------------------------------------------------------------


def record_from_intake(
    ctx: SurveyContext, *, state: Mapping[str, Any], occurred_at: datetime, message_id: str
) -> bool:
    """Apply intake's ``hotline.callback_recorded`` (its contract-loaded payload ``state``);
    False when the kept callback did not change (a redelivery, an older callback)."""
    result = CallbackResult(
        work_order_no=state["work_order_no"],
        outcome=Outcome(state["outcome"]),
        called_at=state["called_at"],
        origin=Origin.INTAKE,
        attachment=Attachment(
            event_id=state["event_id"],
            grid_id=state["grid_id"],
            division_id=state["division_id"],
            by=Origin.INTAKE,
        ),
    )
    message = IntakeMessage(message_id=message_id, occurred_at=occurred_at)
    _, changed = _record(ctx, result, message, ctx.now())
    return changed


# --- the provincial results file ------------------------------------------------------------


class _GridsByCode:
    """Grid codes resolved once per import and Asia/Shanghai day."""

    def __init__(self, ctx: SurveyContext) -> None:
        self.ctx = ctx
        self.found: dict[tuple[str, date], GridRef | None] = {}

    def at(self, code: str, moment: datetime) -> GridRef | None:
        key = (code, domain.tenant_day(moment))
        if key not in self.found:
            self.found[key] = self.ctx.registry.grid_by_code(code, moment)
        return self.found[key]


def import_results(ctx: SurveyContext, *, data: bytes, filename: str = "") -> ImportReport:
    """Import the callback results of an .xlsx or .csv file: one report per row, in the
    file's order."""
    rows = read_upload(data, filename, domain.COLUMNS)
    now = ctx.now()
    reports: dict[int, RowReport] = {}
    checked: list[tuple[Row, ResultRow]] = []
    for row in rows:
        key = row.values.get("work_order_no")
        if row.problems:
            reports[row.number] = _rejected(row, row.problems, key)
            continue
        result, problems = domain.result_row(row.values, now=now)
        if result is None:
            reports[row.number] = _rejected(row, problems, key)
        else:
            checked.append((row, result))
    duplicated = _duplicates(checked)
    for row, result in checked:
        if row.number in duplicated:
            reports[row.number] = _rejected(row, [domain.DUPLICATED], result.work_order_no)
    grids = _GridsByCode(ctx)
    landing = [pair for pair in checked if pair[0].number not in reports]
    for row, result in sorted(landing, key=lambda pair: (pair[1].called_at, pair[0].number)):
        reports[row.number] = _land(ctx, row, result, grids, now)
    return ImportReport(dry_run=ctx.dry_run, rows=tuple(reports[row.number] for row in rows))


def _duplicates(checked: Iterable[tuple[Row, ResultRow]]) -> set[int]:
    seen: dict[tuple[str, datetime], list[int]] = {}
    for row, result in checked:
        seen.setdefault((result.work_order_no, result.called_at), []).append(row.number)
    return {number for numbers in seen.values() if len(numbers) > 1 for number in numbers}


def _rejected(row: Row, problems: Iterable[RowProblem], key: str | None) -> RowReport:
    return RowReport(number=row.number, outcome=RowOutcome.REJECTED, key=key, problems=(*problems,))


def _attachment(
    ctx: SurveyContext, result: ResultRow, current: Callback | None, grids: _GridsByCode
) -> Attachment | RowProblem:
    """Where the row's work order belongs, or the problem that leaves it nowhere."""
    if current is not None and current.attached_by is Origin.INTAKE:
        return current.attachment
    if result.event_id is not None:
        event = ctx.closed_events.find(result.event_id)
        if event is not None:
            return Attachment(
                event_id=event.event_id,
                grid_id=event.grid_id,
                division_id=event.division_id,
                by=Origin.IMPORT,
            )
    if result.grid_code is not None:
        grid = grids.at(result.grid_code, result.called_at)
        if grid is None:
            return domain.NO_SUCH_GRID
        return Attachment(
            event_id=result.event_id,
            grid_id=grid.grid_id,
            division_id=grid.division_id,
            by=Origin.IMPORT,
        )
    if current is not None:
        return current.attachment
    return domain.NEEDS_GRID


def _land(
    ctx: SurveyContext, row: Row, result: ResultRow, grids: _GridsByCode, now: datetime
) -> RowReport:
    key = result.work_order_no
    current = ctx.callbacks.find(key)
    attachment = _attachment(ctx, result, current, grids)
    if isinstance(attachment, RowProblem):
        return _rejected(row, [attachment], key)
    recorded = CallbackResult(
        work_order_no=key,
        outcome=result.outcome,
        called_at=result.called_at,
        origin=Origin.IMPORT,
        attachment=attachment,
    )
    try:
        before, changed = _record(ctx, recorded, None, now)
    except Conflict as exc:
        problem = RowProblem(HEADERS["outcome"], f"并发修改，请重新导入 / changed meanwhile: {exc}")
        return _rejected(row, [problem], key)
    if not changed:
        return RowReport(number=row.number, outcome=RowOutcome.UNCHANGED, key=key)
    outcome = RowOutcome.CREATED if before is None else RowOutcome.UPDATED
    return RowReport(number=row.number, outcome=outcome, key=key)


@dataclass(frozen=True)
class Template:
    name: str
    data: bytes


def template(ctx: SurveyContext) -> Template:
    """An .xlsx with the import's headers and one example row (the tenant's first grid code,
    when the registry has one)."""
    day = domain.tenant_day(ctx.now()) - timedelta(days=1)
    called = datetime(day.year, day.month, day.day, 10, 30)  # noqa: DTZ001 - Shanghai wall time
    grids = ctx.registry.grids_in_force(day)
    example = {
        "work_order_no": f"GD{day:%Y%m%d}0001",
        "outcome": "满意",
        "called_at": called,
        "grid_code": grids[0][0].code if grids else "",
        "event_id": "",
    }
    return Template(
        name="12345-callbacks", data=write_sheet(domain.COLUMNS, [example], title="12345回访结果")
    )


# --- the list -------------------------------------------------------------------------------


def period_of(kind: str | None, label: str | None) -> Period | None:
    """The period a query names (``period_kind`` with ``period``, a custom one as
    ``2026-01-01..2026-03-31``, read as a campaign's), None when neither is given; 422 naming
    the field."""
    if kind is None and label is None:
        return None
    if kind is None:
        raise InvalidInput.of("period_kind", "required with period")
    if label is None:
        raise InvalidInput.of("period", "required with period_kind")
    return parse_campaign_period(kind, label)


def list_callbacks(
    ctx: SurveyContext,
    *,
    offset: int,
    limit: int,
    period_kind: str | None = None,
    period: str | None = None,
    grid_id: str | None = None,
) -> Page[Callback]:
    """One page of kept callbacks, latest call first, of a period and grid when given."""
    return ctx.callbacks.list_callbacks(
        offset=offset, limit=limit, period=period_of(period_kind, period), grid_id=grid_id
    )
