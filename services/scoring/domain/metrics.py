"""The metric catalogue: every figure the ledger keeps, what it means and where it comes from.

The engine's facts and the ledger speak one vocabulary: a scheme input names the metric that
feeds it (``from: {metric: intake.events_closed_on_time, aggregate: count}``, see
`services.scoring.domain.mapping`), and this catalogue says what each metric counts, which
event types produce it, its unit and what its `key` distinguishes (an event's category, a
day's verdict...). A metric name is ``<source service>.<figure>``.

Three kinds of values:

- ``occurrences``: each ledger entry is one thing that happened (value 1): an event reported,
  a failing patrol day. Counted, listed by day, tested for presence, counted per key.
- ``amounts``: each entry carries a quantity (seconds patrolled, findings of a screening):
  summed, counted, averaged.
- ``gauge``: each entry is a level published for a period (a satisfaction rate): the last
  one or their mean. Gauges belong to the period they were published for (`period_scoped`):
  only the entries of exactly the evaluated period count, whichever month they sit in.

Two origins: ``flow`` metrics are ledger entries (learned from events, summed over a
period's days); ``state`` metrics are read from the registry read model as of one day of
the period (how many grids were in force, how many had a full-time worker) and never stored.

How an entry reaches a scheme's subject (`rollup`): a flow fact of a grid also counts for the
grid's division and its full-time worker on the fact's day (attribution happens when facts
are read, from the registry's history); a gauge counts only for a subject of its own kind
(a division's rate is not made of its grids' rates).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from .problems import Text

OCCURRENCES = "occurrences"
AMOUNTS = "amounts"
GAUGE = "gauge"
FLOW = "flow"
STATE = "state"

# Aggregations (how a metric's entries of one subject and period become one fact value).
COUNT = "count"
SUM = "sum"
RATE = "rate"
LAST = "last"
MEAN = "mean"
DATES = "dates"
ANY = "any"
BY_KEY = "by_key"
AGGREGATES = (COUNT, SUM, RATE, LAST, MEAN, DATES, ANY, BY_KEY)

# Which aggregations each value kind takes (`rate` reads its two metrics as sums).
_BY_VALUES: Mapping[str, tuple[str, ...]] = {
    OCCURRENCES: (COUNT, SUM, RATE, DATES, ANY, BY_KEY),
    AMOUNTS: (SUM, COUNT, MEAN, RATE, DATES, ANY, BY_KEY),
    GAUGE: (LAST, MEAN),
}

# Which aggregations fit each input type of the scheme language.
FOR_INPUT_TYPE: Mapping[str, tuple[str, ...]] = {
    "integer": (COUNT, SUM),
    "number": (COUNT, SUM, RATE, LAST, MEAN),
    "percent": (RATE, LAST, MEAN),
    "boolean": (ANY,),
    "counts": (BY_KEY,),
    "dates": (DATES,),
}

# Grid team roles that make someone "the grid's worker" (1+1+1+N: 专职网格员; 1+4+X: 网格员).
WORKER_ROLES = frozenset({"full_time_worker", "grid_worker"})


@dataclass(frozen=True)
class Metric:
    """One figure of the ledger (or of the registry, for `state` metrics)."""

    name: str
    meaning: Text
    sources: tuple[str, ...]  # the event types that produce (or change) it
    unit: Text
    subject: str  # the natural subject of its entries: grid, worker, division or tenant
    values: str = OCCURRENCES
    origin: str = FLOW
    key: Text | None = None  # what an entry's key is, None when entries have none
    keys: tuple[str, ...] = ()  # the possible keys when they are fixed (else any code)
    period_scoped: bool = False

    @property
    def aggregates(self) -> tuple[str, ...]:
        """The aggregations this metric takes."""
        return _BY_VALUES[self.values]

    @property
    def rollup(self) -> bool:
        """Whether its entries count for the subjects above theirs (grid -> division, worker)."""
        return self.values != GAUGE


def _t(zh: str, en: str) -> Text:
    return Text(zh, en)


EVENT_TYPES = (
    "event.overdue",
    "event.reported",
    "event.accepted",
    "event.dispatched",
    "event.escalated",
    "event.started",
    "event.returned",
    "event.reopened",
    "event.rejected",
    "event.suspended",
    "event.resumed",
    "event.extended",
    "event.resolved",
    "event.closed",
    "event.reviewed",
    "event.marked_shirked",
    "event.merged",
    "event.late_report_flagged",
)
TASK_TYPES = (
    "task.issued",
    "task.accepted",
    "task.completed",
    "task.closed",
    "task.returned",
    "task.cancelled",
    "task.overdue",
)
INSPECTION_TYPES = (
    "inspection.recorded",
    "inspection.verified",
    "inspection.dismissed",
    "inspection.rectified",
    "inspection.confirmed",
    "inspection.rectification_rejected",
    "inspection.overdue",
)
_RECORD_TYPES = ("record.created", "record.corrected", "record.voided")
_DAY_TYPES = ("patrol.day_finalised", "patrol.day_corrected")
_PIECES = _t("件", "events")
_TIMES = _t("次", "times")
_DAYS = _t("天", "days")
_GRIDS = _t("个", "grids")
_CATEGORY = _t("事项分类代码", "event category code")
_INSPECTION_KIND = _t(
    "督查类型（日常巡查、不定期抽查、群众投诉）",
    "inspection kind (daily_patrol, spot_check, resident_complaint)",
)
_INSPECTION_KINDS = ("daily_patrol", "spot_check", "resident_complaint")
_GRID_TYPE = _t("网格类型", "grid type")
_GRID_TYPES = ("community", "village", "enterprise", "special")
_DEFINITION = _t("满意率口径代码", "rate definition code")
_BASEINFO_TYPES = ("baseinfo.recorded",)
_BASEINFO_CATEGORY = _t(
    "采集类别（实有人口、服务对象、出租房屋、特殊人群）",
    "collection category (population, service_target, rental, special_group)",
)
_BASEINFO_CATEGORIES = ("population", "service_target", "rental", "special_group")
_ITEMS = _t("项", "items")
_ATTENDANCE = _t("出勤情况", "attendance status")
_ATTENDANCE_STATUSES = ("present", "late", "left_early", "excused", "absent_unexcused")

CATALOGUE: tuple[Metric, ...] = (
    # -- registry ------------------------------------------------------------------------------
    Metric(
        "registry.divisions",
        _t("登记的村（社区）", "divisions registered"),
        ("division.created",),
        _t("个", "divisions"),
        "division",
    ),
    Metric(
        "registry.division_names",
        _t("村（社区）更名（自更名之日起）", "division renamed (from the day of the change)"),
        ("division.updated",),
        _t("次", "changes"),
        "division",
    ),
    Metric(
        "registry.grids",
        _t("在用网格数（按日）", "grids in force on the day"),
        ("grid.created", "grid.updated", "grid.split", "grid.merged", "grid.retired"),
        _GRIDS,
        "grid",
        origin=STATE,
        key=_GRID_TYPE,
        keys=_GRID_TYPES,
    ),
    Metric(
        "registry.grids_staffed",
        _t("配备专职网格员的网格数（按日）", "grids with a full-time worker on the day"),
        ("grid.created", "team.member_assigned", "team.member_changed", "team.member_ended"),
        _GRIDS,
        "grid",
        origin=STATE,
        key=_GRID_TYPE,
        keys=_GRID_TYPES,
    ),
    # -- registry: base information (信息采集), each grid and sub-category as last recorded in
    # the month (dated by its statistics date): figures of a state, counted once a month.
    Metric(
        "registry.baseinfo_expected",
        _t("应采集数（子类当月最新统计）", "records due (a sub-category's latest in the month)"),
        _BASEINFO_TYPES,
        _t("条", "records"),
        "grid",
        values=AMOUNTS,
        key=_BASEINFO_CATEGORY,
        keys=_BASEINFO_CATEGORIES,
    ),
    Metric(
        "registry.baseinfo_collected",
        _t(
            "已采集数（子类当月最新统计）",
            "records collected (a sub-category's latest in the month)",
        ),
        _BASEINFO_TYPES,
        _t("条", "records"),
        "grid",
        values=AMOUNTS,
        key=_BASEINFO_CATEGORY,
        keys=_BASEINFO_CATEGORIES,
    ),
    Metric(
        "registry.subcategories_not_collected",
        _t(
            "未采集的信息采集子类（应采集而已采集为0）",
            "sub-categories due but not collected at all",
        ),
        _BASEINFO_TYPES,
        _ITEMS,
        "grid",
        key=_BASEINFO_CATEGORY,
        keys=_BASEINFO_CATEGORIES,
    ),
    Metric(
        "registry.subcategories_below_95",
        _t(
            "采集率未达95%的信息采集子类（已采集但不足）",
            "sub-categories collected but under 95% of what is due",
        ),
        _BASEINFO_TYPES,
        _ITEMS,
        "grid",
        key=_BASEINFO_CATEGORY,
        keys=_BASEINFO_CATEGORIES,
    ),
    # -- registry: filed management systems (制度备案), one entry per live filing, dated by the
    # day it was filed; a withdrawal retracts it.
    Metric(
        "registry.filings",
        _t(
            "已备案的制度（按备案日期；撤回的不计）",
            "systems filed with the centre (by the day filed; withdrawn ones not counted)",
        ),
        ("filing.recorded", "filing.withdrawn"),
        _t("项", "items"),
        "division",
        key=_t("备案事项代码", "checklist item code"),
    ),
    # -- intake: events (dated by their report; key: category) ---------------------------------
    Metric(
        "intake.events_reported",
        _t(
            "上报（流转）事项：未被判为无效、未被合并的事项",
            "events reported (flowed): neither rejected as invalid nor merged into another",
        ),
        EVENT_TYPES,
        _PIECES,
        "grid",
        key=_CATEGORY,
    ),
    Metric(
        "intake.events_escalated",
        _t("流转至镇（街道）级以上的事项", "events escalated to town level or above"),
        EVENT_TYPES,
        _PIECES,
        "grid",
        key=_CATEGORY,
    ),
    Metric(
        "intake.events_accepted_on_time",
        _t("按时受理的事项", "events accepted on time"),
        EVENT_TYPES,
        _PIECES,
        "grid",
        key=_CATEGORY,
    ),
    Metric(
        "intake.events_closed",
        _t("已办结的事项", "events closed"),
        EVENT_TYPES,
        _PIECES,
        "grid",
        key=_CATEGORY,
    ),
    Metric(
        "intake.events_closed_on_time",
        _t("按规定时间办结的事项", "events closed on time"),
        EVENT_TYPES,
        _PIECES,
        "grid",
        key=_CATEGORY,
    ),
    Metric(
        "intake.worker_reports_valid",
        _t(
            "网格员经网格通上报的有效信息：未被判为不合格、虚假、无效或重复",
            "reports through the grid app not found unqualified, false, invalid or duplicate",
        ),
        EVENT_TYPES,
        _t("条", "reports"),
        "grid",
        key=_CATEGORY,
    ),
    Metric(
        "intake.events_unqualified",
        _t("审核不合格的上报", "reports reviewed as unqualified"),
        EVENT_TYPES,
        _PIECES,
        "grid",
        key=_CATEGORY,
    ),
    Metric(
        "intake.events_false",
        _t("审核为虚假的上报", "reports reviewed as false"),
        EVENT_TYPES,
        _PIECES,
        "grid",
        key=_CATEGORY,
    ),
    Metric(
        "intake.events_shirked",
        _t("推诿的事项", "events shirked (pushed up although the grid's own job)"),
        EVENT_TYPES,
        _PIECES,
        "grid",
        key=_CATEGORY,
    ),
    Metric(
        "intake.events_late_reported",
        _t("迟报的重大事项", "major events reported late"),
        EVENT_TYPES,
        _PIECES,
        "grid",
        key=_CATEGORY,
    ),
    Metric(
        "intake.events_rejected",
        _t("被判无效的上报", "reports rejected as invalid"),
        EVENT_TYPES,
        _PIECES,
        "grid",
        key=_CATEGORY,
    ),
    Metric(
        "intake.events_acceptance_overdue",
        _t("超过受理时限的事项", "events not accepted in time (overdue)"),
        ("event.overdue",),
        _PIECES,
        "grid",
        key=_CATEGORY,
    ),
    Metric(
        "intake.events_closure_overdue",
        _t("超过办结时限的事项", "events not closed in time (overdue)"),
        ("event.overdue",),
        _PIECES,
        "grid",
        key=_CATEGORY,
    ),
    Metric(
        "intake.hotline_callbacks",
        _t("12345工单回访结果（按回访日）", "12345 work order callbacks (by call day)"),
        ("hotline.callback_recorded",),
        _t("件", "work orders"),
        "grid",
        key=_t("回访结果", "callback outcome"),
        keys=("satisfied", "basically_satisfied", "unsatisfied", "unreachable"),
    ),
    # -- intake: dispatched tasks (key: assignee kind) -----------------------------------------
    Metric(
        "intake.tasks_issued",
        _t("下派任务（按派单日）", "tasks dispatched (by issue day)"),
        TASK_TYPES,
        _t("件", "tasks"),
        "worker",
        key=_t("承办方类型", "assignee kind"),
        keys=("grid", "worker"),
    ),
    Metric(
        "intake.tasks_completed",
        _t("完成的派单任务（按完成日）", "dispatched tasks completed (by completion day)"),
        TASK_TYPES,
        _t("件", "tasks"),
        "worker",
        key=_t("承办方类型", "assignee kind"),
        keys=("grid", "worker"),
    ),
    Metric(
        "intake.tasks_completed_on_time",
        _t("按时完成的派单任务（按完成日）", "dispatched tasks completed on time"),
        TASK_TYPES,
        _t("件", "tasks"),
        "worker",
        key=_t("承办方类型", "assignee kind"),
        keys=("grid", "worker"),
    ),
    Metric(
        "intake.tasks_overdue",
        _t("超期未完成的派单任务（按派单日）", "dispatched tasks overdue (by issue day)"),
        TASK_TYPES,
        _t("件", "tasks"),
        "worker",
        key=_t("承办方类型", "assignee kind"),
        keys=("grid", "worker"),
    ),
    # -- intake: inspections (dated by the finding; key: kind) ---------------------------------
    Metric(
        "intake.inspection_findings",
        _t("督查发现的问题（投诉须经核实）", "problems found by inspections (complaints verified)"),
        INSPECTION_TYPES,
        _t("个", "problems"),
        "grid",
        key=_INSPECTION_KIND,
        keys=_INSPECTION_KINDS,
    ),
    Metric(
        "intake.inspection_findings_overdue",
        _t("未按期整改的问题", "problems not rectified by their deadline"),
        INSPECTION_TYPES,
        _t("个", "problems"),
        "grid",
        key=_INSPECTION_KIND,
        keys=_INSPECTION_KINDS,
    ),
    Metric(
        "intake.rectifications_rejected",
        _t("整改不到位（退回整改）次数", "rectifications not accepted"),
        INSPECTION_TYPES,
        _TIMES,
        "grid",
        values=AMOUNTS,
        key=_INSPECTION_KIND,
        keys=_INSPECTION_KINDS,
    ),
    Metric(
        "intake.rectifications_failed",
        _t(
            "未在时限内整改或整改不到位的问题、下派任务（按整改期限日，每件一次）",
            "problems and dispatched tasks not rectified in time or not accepted "
            "(by their deadline's day, once each)",
        ),
        (*INSPECTION_TYPES, *TASK_TYPES),
        _t("起", "items"),
        "grid",
        key=_t(
            "来源（日常巡查、不定期抽查、群众投诉、下派任务）",
            "origin (daily_patrol, spot_check, resident_complaint, dispatched_task)",
        ),
        keys=(*_INSPECTION_KINDS, "dispatched_task"),
    ),
    # -- intake: work records (dated by the record's day) --------------------------------------
    Metric(
        "intake.records",
        _t("工作记录（按类型）", "work records (by kind)"),
        _RECORD_TYPES,
        _t("条", "records"),
        "worker",
        key=_t("记录类型", "record kind"),
        keys=(
            "service_record",
            "work_log",
            "instability_screening",
            "home_visit",
            "agency_service",
            "meeting_attendance",
            "training_attendance",
            "written_report",
            "badge_finding",
            "confidentiality_finding",
        ),
    ),
    Metric(
        "intake.meeting_attendance",
        _t("例会出勤（按出勤情况）", "meeting attendance (by status)"),
        _RECORD_TYPES,
        _TIMES,
        "worker",
        key=_t("出勤情况", "attendance status"),
        keys=("present", "late", "left_early", "excused", "absent_unexcused"),
    ),
    Metric(
        "intake.training_attendance",
        _t("培训出勤（按出勤情况）", "training attendance (by status)"),
        _RECORD_TYPES,
        _TIMES,
        "worker",
        key=_t("出勤情况", "attendance status"),
        keys=("present", "late", "left_early", "excused", "absent_unexcused"),
    ),
    Metric(
        "intake.attendance",
        _t(
            "培训、例会出勤（合计，按出勤情况）",
            "training and meeting attendance together (by status)",
        ),
        _RECORD_TYPES,
        _TIMES,
        "worker",
        key=_ATTENDANCE,
        keys=_ATTENDANCE_STATUSES,
    ),
    Metric(
        "intake.screening_weeks",
        _t(
            "开展矛盾纠纷排查的周（按排查所属ISO周）",
            "instability screenings (by the ISO week screened)",
        ),
        _RECORD_TYPES,
        _t("次", "screenings"),
        "worker",
        key=_t("ISO周（2026-W10）", "ISO week (2026-W10)"),
    ),
    Metric(
        "intake.home_visits",
        _t("入户走访（按对象）", "home visits (by target)"),
        _RECORD_TYPES,
        _t("户次", "visits"),
        "worker",
        key=_t("走访对象", "visit target"),
        keys=("general_household", "key_person", "special_group", "care_recipient"),
    ),
    Metric(
        "intake.written_reports_late",
        _t("未按时报送的书面材料", "written reports submitted late"),
        _RECORD_TYPES,
        _t("份", "reports"),
        "worker",
    ),
    Metric(
        "intake.instability_findings",
        _t("矛盾纠纷排查发现数", "findings of instability screenings"),
        _RECORD_TYPES,
        _t("个", "findings"),
        "worker",
        values=AMOUNTS,
    ),
    Metric(
        "intake.agency_services_completed",
        _t("办结的代办服务（按事项）", "agency services completed (by item)"),
        _RECORD_TYPES,
        _t("件", "items"),
        "worker",
        key=_t("代办事项", "agency item"),
    ),
    Metric(
        "intake.badge_findings",
        _t("亮证挂牌问题（按类型）", "badge and signboard findings (by type)"),
        _RECORD_TYPES,
        _t("个", "findings"),
        "worker",
        key=_t("问题类型", "finding type"),
    ),
    Metric(
        "intake.confidentiality_findings",
        _t("数据保密问题（按类型）", "confidentiality findings (by type)"),
        _RECORD_TYPES,
        _t("个", "findings"),
        "worker",
        key=_t("问题类型", "finding type"),
    ),
    # -- patrol: judged days (dated by the day; subject: the worker) ---------------------------
    Metric(
        "patrol.days",
        _t("巡查日（按结论）", "patrol days (by verdict)"),
        _DAY_TYPES,
        _DAYS,
        "worker",
        key=_t("巡查结论", "day verdict"),
        keys=("passed", "failed", "not_patrolled", "excused", "rest_day"),
    ),
    Metric(
        "patrol.failing_days",
        _t(
            "巡查未达标的工作日（未达标或未巡查）",
            "working days failing the patrol targets (failed or not patrolled)",
        ),
        _DAY_TYPES,
        _DAYS,
        "worker",
    ),
    Metric(
        "patrol.short_days",
        _t("巡查时长或里程不足的日子", "days short of the patrol time or distance"),
        _DAY_TYPES,
        _DAYS,
        "worker",
    ),
    Metric(
        "patrol.patrol_seconds",
        _t("巡查时长", "time patrolled"),
        _DAY_TYPES,
        _t("秒", "seconds"),
        "worker",
        values=AMOUNTS,
    ),
    Metric(
        "patrol.distance_m",
        _t("巡查里程", "distance patrolled"),
        _DAY_TYPES,
        _t("米", "metres"),
        "worker",
        values=AMOUNTS,
    ),
    Metric(
        "patrol.visits",
        _t("重点对象走访次数（按类别）", "key subject visits (by category)"),
        _DAY_TYPES,
        _TIMES,
        "worker",
        values=AMOUNTS,
        key=_t("对象类别", "subject category"),
        keys=("key_person", "special_group", "care_recipient", "hazard_place"),
    ),
    # -- patrol: weeks and months (dated by their last day) ------------------------------------
    Metric(
        "patrol.weeks_requirement_missed",
        _t("巡查时长或里程未达周要求的周", "weeks short of the weekly patrol requirement"),
        ("patrol.period_totals",),
        _t("周", "weeks"),
        "worker",
    ),
    Metric(
        "patrol.months_subsidy_forfeited",
        _t(
            "巡查补贴全额取消的月（连续3天或累计5天未达标）",
            "months whose patrol subsidy was forfeited (3 days running or 5 in the month)",
        ),
        ("patrol.period_totals",),
        _t("月", "months"),
        "worker",
    ),
    Metric(
        "patrol.missed_visits",
        _t("未按周期走访的重点对象（每对象每周期一次）", "key subjects not visited in a cycle"),
        ("patrol.period_totals",),
        _TIMES,
        "worker",
        values=AMOUNTS,
        key=_t("汇总周期（周、月）", "totals kind (week, month)"),
        keys=("week", "month"),
    ),
    Metric(
        "patrol.month_missed_visits",
        _t(
            "月汇总中未按周期走访的重点对象（按类别，每对象每周期一次）",
            "key subjects not visited in a cycle, from the month's totals (by category)",
        ),
        ("patrol.period_totals",),
        _TIMES,
        "worker",
        values=AMOUNTS,
        key=_t("对象类别", "subject category"),
        keys=("key_person", "special_group", "care_recipient", "hazard_place"),
    ),
    # -- survey: published rates (gauges of the period they were published for) ---------------
    Metric(
        "survey.satisfaction_rate",
        _t("群众满意率（发布值）", "resident satisfaction rate (as published)"),
        ("rates.published",),
        _t("%", "%"),
        "division",
        values=GAUGE,
        key=_DEFINITION,
        period_scoped=True,
    ),
    Metric(
        "survey.district_satisfaction_avg",
        _t("全区平均满意率（发布值）", "district average satisfaction (as published)"),
        ("district_average.published",),
        _t("%", "%"),
        "tenant",
        values=GAUGE,
        key=_DEFINITION,
        period_scoped=True,
    ),
)

BY_NAME: Mapping[str, Metric] = {metric.name: metric for metric in CATALOGUE}


def metric(name: str) -> Metric | None:
    """The catalogue's metric of that name, or None."""
    return BY_NAME.get(name)


def closest(name: str) -> str | None:
    """The catalogue's name closest to a misspelt one (None when nothing is close)."""
    found = difflib.get_close_matches(name, list(BY_NAME), n=1, cutoff=0.6)
    return found[0] if found else None


__all__ = [
    "AGGREGATES",
    "BY_NAME",
    "CATALOGUE",
    "FOR_INPUT_TYPE",
    "WORKER_ROLES",
    "Metric",
    "closest",
    "metric",
]
