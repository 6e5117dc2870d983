"""12345 hotline work orders (12345 热线工单): a row of the hotline's export, checked column by
column, and the callback (回访) results the survey service scores.

The hotline exports its work orders as a workbook (or CSV) with Chinese headers. What a row
becomes:

- 工单编号 (required, at most 64 characters): the work order's number, unique per tenant. The
  event's id is derived from it (the event use case's idempotent request id), so importing the
  same work order again finds the event it made and changes nothing, whoever imports it.
- 来电时间 (required): when the resident called, Asia/Shanghai unless the cell says otherwise;
  the event is reported at that instant (its deadlines count from it). Never in the future.
- 诉求分类 (required): a category of the tenant's taxonomy, by code or by Chinese name.
- 诉求标题 / 诉求内容: the title; without one, the first `DERIVED_TITLE_MAX` characters of
  the content (one of the two is required). 诉求内容 is the description (line breaks kept).
- 事发地址: the address, as text.
- 经度 / 纬度 (both or neither) or 网格编码 (the registry's grid code): where the matter is. A
  code names the grid in force at the call time; otherwise the position is located.
- 回访结果 / 回访时间 (both or neither): the callback's outcome (满意, 基本满意, 不满意, 未接通 or
  联系不上) and when it happened, not before the call and not in the future.

Everything else in the export is ignored, on purpose:
- 办理时限 (the hotline's own handling deadline): the event's acceptance and closure deadlines
  are the tenant's policy for the category, counted on its work clock from the call, exactly
  as for every other source; a second deadline from outside would make two answers to "was it
  on time". The column may stay in the file.
- 来电人, 联系电话 and similar: a resident's personal data is never read, so never stored.

A callback is recorded once per work order (`record_callback`): the same outcome again records
nothing, a changed outcome records a new `CallbackRecorded` (the survey service keeps the
latest per work order).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from services.event_intake.domain.events import (
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    REQUEST_ID_MAX,
    TITLE_MAX,
    Position,
)
from services.event_intake.domain.taxonomy import Taxonomy
from shared.clock import require_aware
from shared.text import unsafe_text_reason
from shared.workbooks import CellError, Column, Parser, RowProblem, choice, decimal, moment, text

DERIVED_TITLE_MAX = 50
GRID_CODE_MAX = 64
CATEGORY_MAX = 64
# The event use case's actor for imported work orders: the hotline is the reporter (the event
# id depends on the tenant and the work-order number only, not on who imports the file).
HOTLINE_ACTOR = "hotline:12345"


class Outcome(StrEnum):
    """A callback's outcome (回访结果)."""

    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    UNSATISFIED = "unsatisfied"
    UNREACHABLE = "unreachable"


OUTCOME_LABELS: Mapping[str, str] = {
    "满意": Outcome.SATISFIED.value,
    "基本满意": Outcome.BASICALLY_SATISFIED.value,
    "不满意": Outcome.UNSATISFIED.value,
    "未接通": Outcome.UNREACHABLE.value,
    "联系不上": Outcome.UNREACHABLE.value,
}


def multiline(max_length: int) -> Parser:
    """Text that may hold line breaks and tabs (a resident's account of the matter)."""

    def parse(value: Any) -> str:
        result = str(value).strip()
        unsafe = unsafe_text_reason(result, multiline=True)
        if unsafe is not None:
            raise CellError(f"含有不可保存的字符 / {unsafe}")
        if len(result) > max_length:
            raise CellError(f"超过 {max_length} 个字符 / longer than {max_length} characters")
        return result

    return parse


def coordinate(limit: int) -> Parser:
    """A longitude (limit 180) or latitude (limit 90) in WGS84 degrees."""
    number = decimal()

    def parse(value: Any) -> float:
        degrees = number(value)
        if not degrees.is_finite() or not -limit <= degrees <= limit:
            raise CellError(f"应在 -{limit} 到 {limit} 之间 / must be between -{limit} and {limit}")
        return float(degrees)

    return parse


COLUMNS = (
    Column("work_order_no", "工单编号", text(REQUEST_ID_MAX), aliases=("工单号",)),
    Column("called_at", "来电时间", moment()),
    Column("category", "诉求分类", text(CATEGORY_MAX), aliases=("诉求类别",)),
    Column("title", "诉求标题", text(TITLE_MAX), required=False, aliases=("标题",)),
    Column("description", "诉求内容", multiline(DESCRIPTION_MAX), required=False),
    Column("address", "事发地址", text(ADDRESS_MAX), required=False, aliases=("地址",)),
    Column("lon", "经度", coordinate(180), required=False),
    Column("lat", "纬度", coordinate(90), required=False),
    Column("grid_code", "网格编码", text(GRID_CODE_MAX), required=False),
    Column("outcome", "回访结果", choice(OUTCOME_LABELS), required=False),
    Column("callback_at", "回访时间", moment(), required=False),
)
HEADERS: Mapping[str, str] = {column.key: column.header for column in COLUMNS}


@dataclass(frozen=True)
class CallbackResult:
    """What a row says of the callback: its outcome and when it happened."""

    outcome: Outcome
    called_at: datetime


@dataclass(frozen=True)
class WorkOrder:
    """One 12345 work order as a row gave it, checked; `category` is the tenant's code."""

    work_order_no: str
    called_at: datetime
    category: str
    title: str
    description: str
    address: str
    position: Position | None
    grid_code: str | None
    callback: CallbackResult | None

    def position_mapping(self) -> dict[str, float] | None:
        """The position as the event use case takes it."""
        if self.position is None:
            return None
        return {"lon": self.position.lon, "lat": self.position.lat}


def resolve_category(value: str, taxonomy: Taxonomy) -> str:
    """The code of the tenant's category whose code or Chinese name is ``value``."""
    wanted = value.strip()
    for category in taxonomy.categories:
        if wanted in (category.code, category.name):
            return category.code
    names = "、".join(category.name for category in taxonomy.categories)
    raise CellError(f"不是本辖区的诉求分类（可选：{names}） / not a category of this tenant")


def work_order(
    values: Mapping[str, Any], *, taxonomy: Taxonomy, now: datetime
) -> tuple[WorkOrder | None, tuple[RowProblem, ...]]:
    """The work order of one row whose cells parsed (``values`` by column key), or the
    problems of the rules that span columns, each named by its column header."""
    require_aware(now)
    problems: list[RowProblem] = []

    def problem(key: str, reason: str) -> None:
        problems.append(RowProblem(HEADERS[key], reason))

    called_at: datetime = values["called_at"]
    if called_at > now:
        problem("called_at", "不能晚于现在 / must not be in the future")
    category = ""
    try:
        category = resolve_category(values["category"], taxonomy)
    except CellError as exc:
        problem("category", str(exc))
    title = values.get("title") or values.get("description", "")[:DERIVED_TITLE_MAX].strip()
    if not title:
        problem("title", "诉求标题或诉求内容必填其一 / give a title or the content")
    lon, lat = values.get("lon"), values.get("lat")
    if (lon is None) != (lat is None):
        missing = "lat" if lat is None else "lon"
        problem(missing, "经度与纬度须同时填写 / give both longitude and latitude")
    position = None if lon is None or lat is None else Position(lon=lon, lat=lat)
    grid_code = values.get("grid_code")
    if grid_code is None and lon is None and lat is None:
        problem("grid_code", "须填写网格编码或经纬度 / give the grid code or the position")
    callback = _callback(values, called_at, now, problem)
    if problems:
        return None, tuple(problems)
    return (
        WorkOrder(
            work_order_no=values["work_order_no"],
            called_at=called_at,
            category=category,
            title=title,
            description=values.get("description", ""),
            address=values.get("address", ""),
            position=position,
            grid_code=grid_code,
            callback=callback,
        ),
        (),
    )


def _callback(
    values: Mapping[str, Any], called_at: datetime, now: datetime, problem: Any
) -> CallbackResult | None:
    outcome, at = values.get("outcome"), values.get("callback_at")
    if outcome is None and at is None:
        return None
    if outcome is None:
        problem("outcome", "填写了回访时间，须填写回访结果 / a callback time needs its outcome")
        return None
    if at is None:
        problem("callback_at", "填写了回访结果，须填写回访时间 / a callback outcome needs its time")
        return None
    if at > now:
        problem("callback_at", "不能晚于现在 / must not be in the future")
    elif at < called_at:
        problem("callback_at", "不能早于来电时间 / must not be before the call")
    return CallbackResult(outcome=Outcome(outcome), called_at=at)


# --- the recorded callback ------------------------------------------------------------------


@dataclass(frozen=True)
class Callback:
    """The latest callback result of one work order, attached to its event and grid."""

    tenant_id: str
    work_order_no: str
    event_id: str
    grid_id: str
    division_id: str | None
    category: str
    reported_at: datetime
    outcome: Outcome
    called_at: datetime
    recorded_at: datetime
    # How many different outcomes were recorded (1 for the first).
    recordings: int = 1
    # Optimistic-lock counter as read from storage (0 for one not stored yet).
    revision: int = 0


@dataclass(frozen=True)
class CallbackRecorded:
    """A work order's callback result was recorded (first, or changed): `hotline.callback_recorded`.

    Keyed by the event id, so it stays in order with the event's own messages. No personal
    data: never the caller, the phone number or what was said."""

    callback: Callback
    occurred_at: datetime

    type: ClassVar[str] = "hotline.callback_recorded"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.callback.event_id

    def payload(self) -> dict[str, Any]:
        callback = self.callback
        return {
            "work_order_no": callback.work_order_no,
            "event_id": callback.event_id,
            "grid_id": callback.grid_id,
            "division_id": callback.division_id,
            "category": callback.category,
            "outcome": callback.outcome.value,
            "called_at": callback.called_at.isoformat(),
            "reported_at": callback.reported_at.isoformat(),
        }


@dataclass(frozen=True)
class EventFacts:
    """What a callback takes from the event its work order made."""

    event_id: str
    grid_id: str
    division_id: str | None
    category: str
    reported_at: datetime


def record_callback(
    current: Callback | None,
    *,
    tenant_id: str,
    work_order_no: str,
    event: EventFacts,
    result: CallbackResult,
    now: datetime,
) -> tuple[Callback, CallbackRecorded | None]:
    """The work order's callback after ``result``: the same outcome as recorded changes
    nothing (None); a first or a changed outcome is recorded with its time."""
    require_aware(now)
    if current is not None and current.outcome is result.outcome:
        return current, None
    if current is None:
        callback = Callback(
            tenant_id=tenant_id,
            work_order_no=work_order_no,
            event_id=event.event_id,
            grid_id=event.grid_id,
            division_id=event.division_id,
            category=event.category,
            reported_at=event.reported_at,
            outcome=result.outcome,
            called_at=result.called_at,
            recorded_at=now,
        )
    else:
        callback = replace(
            current,
            outcome=result.outcome,
            called_at=result.called_at,
            recorded_at=now,
            recordings=current.recordings + 1,
        )
    return callback, CallbackRecorded(callback=callback, occurred_at=now)
