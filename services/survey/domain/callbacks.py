"""12345 callbacks (12345 回访): the latest callback result of each hotline work order,
attached to its intake event and grid, and what it counts in a satisfaction rate.

Two ways in, one record per work order (工单编号, unique per tenant):

- ``intake``: event_intake's ``hotline.callback_recorded`` (its work-order import recorded a
  callback). Intake made the work order's event, so its event, grid and division are the
  authority on where the work order belongs.
- ``import``: the provincial platform's callback results file (回访结果导入), imported here by
  the centre. A row names the work order, the outcome and when the call happened; its grid
  comes from intake when the work order is known, else from the row's 网格编码 (or the closed
  event its 事项编号 names).

What is kept (`record_callback`): the callback with the latest ``called_at``; at the same
instant a different outcome replaces the kept one (a corrected file, a corrected import). An
older callback changes nothing, whichever way it came. Intake's messages are applied once: the
newest one applied is remembered (`AppliedMark`), so a redelivery, or an older message replayed
after a newer one, changes nothing even at the same ``called_at``. An intake attachment is
never replaced by an import's; an intake message older than the kept callback still attaches
it to its event. Every change of what is kept (outcome, time, event, grid) is one
`CallbackRecorded` (``callback.recorded``).

What it counts (`credit_of`): satisfied 1, basically satisfied the rate definition's basic
credit, unsatisfied 0; unreachable calls are not answers and are left out. The worker a
callback rates is the one serving its grid on the callback's day (`serving_worker`), fixed
when the callback is recorded.

No personal data: a row's other columns (the caller, the phone number, what was said) are never
read, and nothing here carries them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from services.survey.domain.closed_events import month_of
from shared.clock import require_aware
from shared.registry.model import AppliedMark, Membership, admits, local_day
from shared.workbooks import Column, RowProblem, choice, moment, text

ID_MAX = 64
WORK_ORDER_MAX = 64
GRID_CODE_MAX = 64
# The team roles whose member is "the grid's worker" for a rate, in order of preference: the
# full-time grid worker (专职网格员) first, then a grid worker of another model.
SERVING_ROLES: tuple[str, ...] = ("full_time_worker", "grid_worker")


class Outcome(StrEnum):
    """A callback's outcome (回访结果)."""

    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"
    UNREACHABLE = "unreachable"


class Origin(StrEnum):
    """Where a callback, or its attachment to an event and grid, came from."""

    INTAKE = "intake"  # event_intake's hotline.callback_recorded
    IMPORT = "import"  # the provincial callback results file, imported here


OUTCOME_VALUES = tuple(outcome.value for outcome in Outcome)
ORIGIN_VALUES = tuple(origin.value for origin in Origin)
OUTCOME_LABELS: Mapping[str, str] = {
    "满意": Outcome.SATISFIED.value,
    "基本满意": Outcome.BASICALLY_SATISFIED.value,
    "不满意": Outcome.UNSATISFIED.value,
    "未接通": Outcome.UNREACHABLE.value,
    "联系不上": Outcome.UNREACHABLE.value,
}
# How a list shows an outcome (the first label of each value).
OUTCOME_NAMES: Mapping[str, str] = {
    Outcome.SATISFIED.value: "满意",
    Outcome.BASICALLY_SATISFIED.value: "基本满意",
    Outcome.UNSATISFIED.value: "不满意",
    Outcome.UNREACHABLE.value: "未接通/联系不上",
}


def tenant_day(moment: datetime) -> date:
    """The Asia/Shanghai calendar day of an aware instant (what periods count by)."""
    return local_day(moment)


def quarter_of(day: date) -> str:
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def half_of(day: date) -> str:
    return f"{day.year:04d}-H{1 if day.month <= 6 else 2}"


def year_of(day: date) -> str:
    return f"{day.year:04d}"


# The bucket a standard period kind reads by equality (custom periods read their months).
BUCKET_OF_KIND: Mapping[str, Callable[[date], str]] = {
    "month": month_of,
    "quarter": quarter_of,
    "half": half_of,
    "year": year_of,
}


@dataclass(frozen=True, slots=True)
class Attachment:
    """Where a work order belongs: its intake event (None when only the import knows it), the
    grid and division, and who said so."""

    event_id: str | None
    grid_id: str
    division_id: str | None
    by: Origin


@dataclass(frozen=True, slots=True)
class CallbackResult:
    """What one source says of a work order's callback."""

    work_order_no: str
    outcome: Outcome
    called_at: datetime
    origin: Origin
    attachment: Attachment


@dataclass(frozen=True, slots=True)
class IntakeMessage:
    """The intake message a result came in (what makes applying it idempotent)."""

    message_id: str
    occurred_at: datetime


@dataclass(frozen=True)
class Callback:
    """The kept callback of one work order. `revision` 0 means not stored yet."""

    tenant_id: str
    work_order_no: str
    event_id: str | None
    grid_id: str
    division_id: str | None
    attached_by: Origin
    worker_id: str | None
    outcome: Outcome
    called_at: datetime
    origin: Origin
    recorded_at: datetime
    # How many times what is kept changed (1 for the first).
    recordings: int = 1
    # The newest intake message applied (None while only imports recorded it).
    intake_mark: AppliedMark | None = None
    revision: int = 0

    @property
    def day(self) -> date:
        """The Asia/Shanghai day of the callback (the period it counts in)."""
        return tenant_day(self.called_at)

    @property
    def attachment(self) -> Attachment:
        return Attachment(
            event_id=self.event_id,
            grid_id=self.grid_id,
            division_id=self.division_id,
            by=self.attached_by,
        )

    @property
    def reached(self) -> bool:
        """The resident answered (anything but unreachable): the call counts in a rate."""
        return self.outcome is not Outcome.UNREACHABLE


@dataclass(frozen=True)
class CallbackRecorded:
    """The kept callback of a work order changed: ``callback.recorded`` on the responses
    topic. Ids, the outcome and instants only: never the caller or what was said."""

    callback: Callback
    occurred_at: datetime

    type: ClassVar[str] = "callback.recorded"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.callback.work_order_no

    def payload(self) -> dict[str, Any]:
        callback = self.callback
        return {
            "work_order_no": callback.work_order_no,
            "event_id": callback.event_id,
            "grid_id": callback.grid_id,
            "division_id": callback.division_id,
            "outcome": callback.outcome.value,
            "called_at": callback.called_at.astimezone(UTC).isoformat(),
            "origin": callback.origin.value,
        }


WorkerOf = Callable[[str, date], str | None]


def serving_worker(memberships: Iterable[Membership], day: date) -> str | None:
    """The grid's worker on ``day``: a member with a login in a `SERVING_ROLES` role whose
    membership covers the day, the full-time worker first; of several, the one who joined
    last (a hand-over day counts for the newcomer), then the lowest user id. None when the
    grid had no such member that day (the callback then rates no worker)."""
    rank = {role: position for position, role in enumerate(SERVING_ROLES)}
    found = [
        member
        for member in memberships
        if member.role in rank and member.user_id is not None and member.covers(day)
    ]
    if not found:
        return None
    chosen = min(
        found,
        key=lambda m: (rank[m.role], -m.starts_on.toordinal(), m.user_id or ""),
    )
    return chosen.user_id


def _newer(current: Callback, result: CallbackResult) -> bool:
    """The result replaces what is kept: a later call, or the same call with another outcome
    (a correction)."""
    if result.called_at != current.called_at:
        return result.called_at > current.called_at
    return result.outcome is not current.outcome


def _attachment(current: Callback, result: CallbackResult, newer: bool) -> Attachment:
    """Intake's attachment wins over an import's; between two of the same origin the newer
    result's (intake's newest message, or a later import row correcting the grid)."""
    mine, theirs = current.attachment, result.attachment
    if theirs.by is Origin.INTAKE:
        return theirs
    if mine.by is Origin.INTAKE:
        return mine
    return theirs if newer else mine


def record_callback(
    current: Callback | None,
    result: CallbackResult,
    *,
    tenant_id: str,
    worker_of: WorkerOf,
    now: datetime,
    message: IntakeMessage | None = None,
) -> tuple[Callback, CallbackRecorded | None]:
    """The work order's kept callback after ``result``; the event is None when nothing that is
    kept changed (the caller then writes nothing). ``message`` is required for an intake
    result (its id and instant make a redelivery change nothing). ``worker_of(grid_id, day)``
    names the worker serving a grid on a day, asked only when the kept callback changes."""
    require_aware(now)
    require_aware(result.called_at, "called_at")
    if (result.origin is Origin.INTAKE) != (message is not None):
        raise ValueError("an intake result comes with its message, an import result without")
    if (
        message is not None
        and current is not None
        and not admits(current.intake_mark, message.occurred_at, message.message_id)
    ):
        return current, None
    if current is None:
        attachment = result.attachment
        callback = Callback(
            tenant_id=tenant_id,
            work_order_no=result.work_order_no,
            event_id=attachment.event_id,
            grid_id=attachment.grid_id,
            division_id=attachment.division_id,
            attached_by=attachment.by,
            worker_id=worker_of(attachment.grid_id, tenant_day(result.called_at)),
            outcome=result.outcome,
            called_at=result.called_at.astimezone(UTC),
            origin=result.origin,
            recorded_at=now,
            intake_mark=_mark(None, message),
        )
        return callback, CallbackRecorded(callback=callback, occurred_at=now)
    newer = _newer(current, result)
    attachment = _attachment(current, result, newer)
    if not newer and attachment == current.attachment:
        return current, None
    outcome, called_at, origin = (
        (result.outcome, result.called_at.astimezone(UTC), result.origin)
        if newer
        else (current.outcome, current.called_at, current.origin)
    )
    worker_id = current.worker_id
    if newer or attachment.grid_id != current.grid_id:
        worker_id = worker_of(attachment.grid_id, tenant_day(called_at))
    callback = replace(
        current,
        event_id=attachment.event_id,
        grid_id=attachment.grid_id,
        division_id=attachment.division_id,
        attached_by=attachment.by,
        worker_id=worker_id,
        outcome=outcome,
        called_at=called_at,
        origin=origin,
        recorded_at=now,
        recordings=current.recordings + 1,
        intake_mark=_mark(current.intake_mark, message),
    )
    return callback, CallbackRecorded(callback=callback, occurred_at=now)


def _mark(mark: AppliedMark | None, message: IntakeMessage | None) -> AppliedMark | None:
    if message is None:
        return mark
    if mark is None:
        return AppliedMark.of(message.occurred_at, message.message_id)
    return mark.after(message.occurred_at, message.message_id)


# --- what a callback counts -----------------------------------------------------------------


def credit_of(outcome: Outcome, basic_credit: Decimal) -> Decimal | None:
    """What a callback counts in a rate: satisfied 1, basically satisfied ``basic_credit``
    (the rate definition's: 1, 0.5 or 0 as the tenant's scheme says), unsatisfied 0; None
    for an unreachable call, which is not an answer."""
    if not Decimal(0) <= basic_credit <= Decimal(1):
        raise ValueError("basic_credit must be between 0 and 1")
    if outcome is Outcome.SATISFIED:
        return Decimal(1)
    if outcome is Outcome.BASICALLY_SATISFIED:
        return basic_credit
    if outcome is Outcome.UNSATISFIED:
        return Decimal(0)
    return None


# --- the callback results file --------------------------------------------------------------


COLUMNS = (
    Column("work_order_no", "工单编号", text(WORK_ORDER_MAX), aliases=("工单号",)),
    Column("outcome", "回访结果", choice(OUTCOME_LABELS), aliases=("回访满意度",)),
    Column("called_at", "回访时间", moment()),
    Column("grid_code", "网格编码", text(GRID_CODE_MAX), required=False),
    Column("event_id", "事项编号", text(ID_MAX), required=False, aliases=("事件编号",)),
)
HEADERS: Mapping[str, str] = {column.key: column.header for column in COLUMNS}


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One row of the results file, checked: the grid and event are resolved by the use
    case (intake's attachment first, then the row's 事项编号 or 网格编码)."""

    work_order_no: str
    outcome: Outcome
    called_at: datetime
    grid_code: str | None
    event_id: str | None


def result_row(
    values: Mapping[str, Any], *, now: datetime
) -> tuple[ResultRow | None, tuple[RowProblem, ...]]:
    """The result of one row whose cells parsed (``values`` by column key), or the problems
    of its rules, each named by its column header."""
    require_aware(now)
    called_at: datetime = values["called_at"]
    if called_at > now:
        return None, (RowProblem(HEADERS["called_at"], "不能晚于现在 / must not be in the future"),)
    return (
        ResultRow(
            work_order_no=values["work_order_no"],
            outcome=Outcome(values["outcome"]),
            called_at=called_at,
            grid_code=values.get("grid_code"),
            event_id=values.get("event_id"),
        ),
        (),
    )


NEEDS_GRID = RowProblem(
    HEADERS["grid_code"],
    "必填：该工单未由事项受理导入，须填写网格编码 / required: the work order is not known "
    "from intake, give the grid code",
)
NO_SUCH_GRID = RowProblem(
    HEADERS["grid_code"], "回访时没有这个网格 / no grid with this code in force at the callback"
)
DUPLICATED = RowProblem(
    HEADERS["work_order_no"],
    "同一工单同一回访时间出现多次 / the same work order and callback time appear more than "
    "once in this file (all copies rejected)",
)
