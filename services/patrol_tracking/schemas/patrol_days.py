"""Patrol summary schemas (巡查日报、月度汇总、实时在岗): filters in, days, weeks and months out.

Decimals (kilometres, a reason's figures, the rules' thresholds) are strings, so a phone
shows exactly what was judged.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from services.patrol_tracking.domain.compliance import PatrolRules
from services.patrol_tracking.domain.settings import rules_payload
from services.patrol_tracking.use_cases.summaries import (
    DAY_STATUSES,
    EXPORT_CAP,
    LIVE_MINUTES,
    NOT_JUDGED,
)
from shared.http import BaseSchema, FilteredPageQuerySchema

_ID = validate.Length(min=1, max=64)
# A calendar month; the use case also checks it (the same 422 on ``month``).
_MONTH = validate.Regexp(
    r"^[0-9]{4}-(0[1-9]|1[0-2])$", error="must be a month as YYYY-MM (01 to 12)"
)


def _month(description: str) -> fields.String:
    return fields.String(validate=_MONTH, metadata={"description": description})


class _DayFilters(BaseSchema):
    day = fields.Date(metadata={"description": "日期 / one Asia/Shanghai day"})
    month = _month("月份 / YYYY-MM")
    worker_id = fields.String(
        validate=_ID, metadata={"description": "网格员 / a grid worker sees only his own"}
    )
    grid_id = fields.String(validate=_ID, metadata={"description": "网格 / judged days"})
    division_id = fields.String(validate=_ID, metadata={"description": "村社区 / judged days"})
    status = fields.String(
        validate=validate.OneOf(DAY_STATUSES),
        metadata={"description": "状态 / " + ", ".join(DAY_STATUSES)},
    )


class DayListQuerySchema(_DayFilters, FilteredPageQuerySchema):
    """``page``/``page_size`` and the day filters."""


class DayExportQuerySchema(_DayFilters):
    limit = fields.Integer(
        load_default=EXPORT_CAP,
        validate=validate.Range(min=1, max=EXPORT_CAP),
        metadata={"description": f"最多行数 / more matching days is a 422 (at most {EXPORT_CAP})"},
    )


class MonthQuerySchema(BaseSchema):
    month = _month("月份 / YYYY-MM (default: the current month)")


class LiveQuerySchema(BaseSchema):
    within_minutes = fields.Integer(
        load_default=15,
        validate=validate.Range(min=LIVE_MINUTES[0], max=LIVE_MINUTES[1]),
        metadata={"description": "最近定位 / newest fix at most this many minutes old"},
    )


class ReasonSchema(BaseSchema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    actual = fields.Decimal(required=True, as_string=True)
    required = fields.Decimal(required=True, as_string=True)
    unit = fields.String(required=True, metadata={"description": "min, km, rate, visits..."})


class GapSchema(BaseSchema):
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)
    kind = fields.String(
        required=True,
        metadata={"description": "phone_silent, gps_off, battery_saver, not_patrolling"},
    )
    seconds = fields.Integer(required=True)


class VisitSchema(BaseSchema):
    subject_id = fields.String(required=True)
    category = fields.String(required=True)
    start = fields.DateTime(required=True)
    end = fields.DateTime(required=True)


class DaySchema(BaseSchema):
    """A worker-day: the verdict (``open`` before the cut-off) and the figures."""

    worker_id = fields.String(required=True)
    day = fields.Date(required=True)
    status = fields.String(
        required=True,
        metadata={"description": f"状态 / {', '.join(DAY_STATUSES)} (month view: {NOT_JUDGED})"},
    )
    final = fields.Boolean(required=True, metadata={"description": "已定稿 / judged at cut-off"})
    version = fields.Integer(required=True, metadata={"description": "0 open, 2+ corrected"})
    short = fields.Boolean(required=True, allow_none=True, metadata={"description": "时长不足"})
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    leave_id = fields.String(required=True, allow_none=True)
    grid_id = fields.String(required=True, allow_none=True)
    grid_ids = fields.List(fields.String(), required=True)
    division_id = fields.String(required=True, allow_none=True)
    grid_type = fields.String(required=True, allow_none=True)
    workday = fields.Boolean(required=True)
    online_s = fields.Integer(required=True, metadata={"description": "在线时长 / seconds"})
    patrol_s = fields.Integer(required=True, metadata={"description": "巡查时长 / seconds"})
    distance_m = fields.Integer(required=True, metadata={"description": "巡查里程 / metres"})
    km = fields.Decimal(required=True, as_string=True, places=3)
    own_grid_s = fields.Integer(required=True)
    own_grid_m = fields.Integer(required=True)
    morning = fields.Boolean(required=True)
    afternoon = fields.Boolean(required=True)
    sessions = fields.Integer(required=True)
    points_accepted = fields.Integer(required=True)
    points_rejected = fields.Integer(required=True)
    gaps = fields.List(fields.Nested(GapSchema), required=True)
    gap_class = fields.String(
        allow_none=True,
        metadata={
            "description": "轨迹中断原因: phone_silent, gps_off, battery_saver or not_patrolling "
            "(the whole day without a fix, else its longest gap)"
        },
    )
    visits = fields.List(fields.Nested(VisitSchema), required=True)
    last_fix_at = fields.DateTime(required=True, allow_none=True)


class CountsSchema(BaseSchema):
    passed = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    not_patrolled = fields.Integer(required=True)
    short = fields.Integer(required=True)
    excused = fields.Integer(required=True)
    rest = fields.Integer(required=True)
    failing = fields.Integer(required=True, metadata={"description": "未达标: failed or not"})
    judged = fields.Integer(required=True)


class WeekSchema(BaseSchema):
    week = fields.String(required=True, metadata={"description": "ISO week, e.g. 2026-W10"})
    first_day = fields.Date(required=True)
    patrol_s = fields.Integer(required=True)
    distance_m = fields.Integer(required=True)
    km = fields.Decimal(required=True, as_string=True)
    counts = fields.Nested(CountsSchema, required=True)
    required_minutes = fields.Integer(required=True)
    required_km = fields.Decimal(required=True, as_string=True)
    requirement_met = fields.Boolean(required=True)
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)


class MonthTotalsSchema(BaseSchema):
    month = fields.String(required=True)
    patrol_s = fields.Integer(required=True)
    distance_m = fields.Integer(required=True)
    km = fields.Decimal(required=True, as_string=True)
    counts = fields.Nested(CountsSchema, required=True)
    failing_days = fields.Integer(required=True)
    longest_failing_streak = fields.Integer(required=True)
    forfeits_subsidy = fields.Boolean(
        required=True,
        metadata={"description": "seed 004: 连续3天未达标或当月累计5天未达标"},
    )


class WorkerMonthSchema(BaseSchema):
    worker_id = fields.String(required=True)
    month = fields.String(required=True)
    grid_type = fields.String(required=True, allow_none=True)
    rules = fields.Method("_rules", required=True, metadata={"description": "巡查要求 used"})
    days = fields.List(fields.Nested(DaySchema), required=True)
    weeks = fields.List(fields.Nested(WeekSchema), required=True)
    totals = fields.Nested(MonthTotalsSchema, required=True)
    open_days = fields.Integer(required=True, metadata={"description": "days not yet judged"})

    def _rules(self, month: Any) -> dict[str, Any]:
        rules: PatrolRules = month.rules
        return rules_payload(rules)


class LivePatrollerSchema(BaseSchema):
    worker_id = fields.String(required=True)
    last_fix_at = fields.DateTime(required=True)
    lon = fields.Float(required=True, allow_none=True)
    lat = fields.Float(required=True, allow_none=True)
    grid_id = fields.String(required=True, allow_none=True)
    patrol_s = fields.Integer(required=True)
    distance_m = fields.Integer(required=True)
    km = fields.Decimal(required=True, as_string=True, places=3)


class LiveBoardSchema(BaseSchema):
    day = fields.Date(required=True)
    as_of = fields.DateTime(required=True)
    within_minutes = fields.Integer(required=True)
    total = fields.Method("_total", required=True)
    items = fields.List(fields.Nested(LivePatrollerSchema), required=True)

    def _total(self, board: Any) -> int:
        return len(board.items)
