"""What each consumed event means for the ledger: the facts of one aggregate as it now stands.

Every producer this ledger reads publishes the whole state of an aggregate after each change
(an event 事项, a task, an inspection, a work record, a patrol day or month, a publication of
rates). So one message is turned into an `Observation`: the aggregate it describes, its
position in that aggregate's history and the complete set of facts the aggregate yields now.
`services.scoring.domain.ledger` then compares it with what the ledger already holds for that
aggregate; nothing here looks at earlier messages.

Facts are dated by what they are about, in Asia/Shanghai days: an event's facts by its report
(a closure late in December still belongs to the event reported in that year), a task's
completion by its completion, a patrol day by its day, a record by its date, a period's totals
and a published rate by the period's last day, a failed rectification (an inspection's problem
or a dispatched task not done in time) by its deadline, base-information figures by their
statistics date, a filing (制度备案) by the day it was filed. A fact's instant (`at_ms`) is
stored in epoch milliseconds, the precision the store keeps, so a fact read back equals the one
computed.

`observe(type, ...)` returns no observation for a type the ledger does not count (a photo,
a leave filing: the patrol day it changes is published again).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from shared.clock import require_aware
from shared.periods import Period
from shared.registry.model import TENANT_TZ, local_day

from .metrics import EVENT_TYPES, INSPECTION_TYPES, TASK_TYPES
from .workdays import period_of_label

ONE = Decimal(1)
HUNDRED = Decimal(100)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware instant, floored (the store's precision);
    integer arithmetic, so no float rounding moves an instant across a millisecond."""
    delta = require_aware(moment, "moment") - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def day_start_ms(day: date) -> int:
    """The first instant of an Asia/Shanghai day: the instant of a fact known only by its day."""
    return epoch_ms(datetime.combine(day, time(), tzinfo=TENANT_TZ))


def instant_position(moment: datetime) -> str:
    """An aggregate position from an instant: fixed width, so the strings order as instants."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def version_position(version: int) -> str:
    """An aggregate position from a version or edition number: fixed width, ordered."""
    return f"{version:012d}"


@dataclass(frozen=True, slots=True)
class Fact:
    """One figure an aggregate yields: `metric` of `subject` is `value` on `day`.

    `grid_id`, `division_id` and `worker_id` are what the message itself says (a patrol day
    names its worker, an event its grid); attribution to a scheme's subjects as of the day
    happens when facts are read. `key` is the metric's dimension (an event's category...),
    `period` the label a gauge was published for, `attributes` ids and figures for the trace.
    """

    subject_kind: str
    subject_id: str
    metric: str
    value: Decimal
    day: date
    at_ms: int
    key: str | None = None
    period: str | None = None
    grid_id: str | None = None
    division_id: str | None = None
    worker_id: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)

    def identity(self) -> tuple[object, ...]:
        """Everything that makes two facts the same (what a newer message may change)."""
        return (
            self.subject_kind,
            self.subject_id,
            self.metric,
            self.key,
            self.value,
            self.day,
            self.at_ms,
            self.period,
            self.grid_id,
            self.division_id,
            self.worker_id,
            tuple(sorted(self.attributes.items())),
        )


@dataclass(frozen=True, slots=True)
class Observation:
    """The facts aggregate `aggregate` yields as of `position` (ordered within the aggregate).

    `partial`: the message carries one part of the aggregate's facts (a publication of rates
    split in parts); facts of the same position from other parts are not retracted by it."""

    aggregate: str
    position: str
    facts: tuple[Fact, ...]
    partial: bool = False


Observe = Callable[[str, datetime, Mapping[str, Any]], tuple[Observation, ...]]


# -- intake: events (事项) ---------------------------------------------------------------------

_UNCOUNTED_STATES = frozenset({"rejected", "merged"})
_ESCALATED_LEVELS = frozenset({"town", "district"})
_DISQUALIFIED = frozenset({"unqualified", "false"})


def _event(tenant_id: str, occurred_at: datetime, p: Mapping[str, Any]) -> tuple[Observation, ...]:
    """An event's facts, all dated by its report. It counts (上报、流转) unless rejected as
    invalid or merged into an earlier report, which keeps the credit."""
    reported_at: datetime = p["reported_at"]
    grid, division, category = p["grid_id"], p["division_id"], p["category"]
    # Every fact of the event shares its report's day and instant: computed once.
    day, at_ms = local_day(reported_at), epoch_ms(reported_at)

    def fact(metric: str) -> Fact:
        return Fact("grid", grid, metric, ONE, day, at_ms, category, None, grid, division, None, {})

    names: list[str] = []
    state = p["state"]
    if state not in _UNCOUNTED_STATES:
        names.append("intake.events_reported")
        if p["level"] in _ESCALATED_LEVELS:
            names.append("intake.events_escalated")
        if p["accepted_on_time"] is True:
            names.append("intake.events_accepted_on_time")
        if state == "closed":
            names.append("intake.events_closed")
            if p["closed_on_time"] is True:
                names.append("intake.events_closed_on_time")
        if p["source"] == "grid_app" and p["review_outcome"] not in _DISQUALIFIED:
            names.append("intake.worker_reports_valid")
    if p["review_outcome"] == "unqualified":
        names.append("intake.events_unqualified")
    elif p["review_outcome"] == "false":
        names.append("intake.events_false")
    if p["shirked"]:
        names.append("intake.events_shirked")
    if p["late_report"]:
        names.append("intake.events_late_reported")
    if state == "rejected":
        names.append("intake.events_rejected")
    position = instant_position(occurred_at)
    found = [Observation(f"event:{p['event_id']}", position, tuple(fact(n) for n in names))]
    deadline = p.get("deadline")
    if deadline is not None:
        # Recorded once per deadline and event, and never undone by later changes (an
        # extension or a late closure does not make the deadline met): an aggregate of its own.
        metric = f"intake.events_{deadline}_overdue"
        found.append(
            Observation(f"event:{p['event_id']}:overdue:{deadline}", position, (fact(metric),))
        )
    return tuple(found)


def _hotline_callback(
    tenant_id: str, occurred_at: datetime, p: Mapping[str, Any]
) -> tuple[Observation, ...]:
    """The latest outcome of a 12345 work order's callback (a changed outcome replaces it)."""
    called_at: datetime = p["called_at"]
    fact = Fact(
        "grid",
        p["grid_id"],
        "intake.hotline_callbacks",
        ONE,
        local_day(called_at),
        epoch_ms(called_at),
        key=p["outcome"],
        grid_id=p["grid_id"],
        division_id=p["division_id"],
        attributes={"event_id": p["event_id"], "work_order_no": p["work_order_no"]},
    )
    return (Observation(f"callback:{p['work_order_no']}", instant_position(occurred_at), (fact,)),)


# -- intake: tasks, inspections, records --------------------------------------------------------


def _task(tenant_id: str, occurred_at: datetime, p: Mapping[str, Any]) -> tuple[Observation, ...]:
    """A dispatched task of a grid or a worker (department tasks are no grid's work); a
    cancelled task counts for nothing."""
    kind = p["assignee_kind"]
    facts: list[Fact] = []
    if kind in ("grid", "worker") and p["state"] != "cancelled":
        subject = p["assignee_id"]
        grid = subject if kind == "grid" else p["grid_id"]
        worker = subject if kind == "worker" else None

        def fact(metric: str, moment: datetime, key: str = kind) -> Fact:
            return Fact(
                kind,
                subject,
                metric,
                ONE,
                local_day(moment),
                epoch_ms(moment),
                key=key,
                grid_id=grid,
                worker_id=worker,
            )

        issued_at: datetime = p["issued_at"]
        facts.append(fact("intake.tasks_issued", issued_at))
        completed_at: datetime | None = p["completed_at"]
        if p["state"] in ("completed", "closed") and completed_at is not None:
            facts.append(fact("intake.tasks_completed", completed_at))
            if p["completed_on_time"] is True:
                facts.append(fact("intake.tasks_completed_on_time", completed_at))
        if p["overdue"]:
            facts.append(fact("intake.tasks_overdue", issued_at))
            # The grid's dispatched item (协指类事项) not done in time, in the month its
            # deadline passed (seed 001's 问题整改落实).
            facts.append(fact("intake.rectifications_failed", p["deadline"], _DISPATCHED_TASK))
    return (Observation(f"task:{p['task_id']}", instant_position(occurred_at), tuple(facts)),)


def _inspection(
    tenant_id: str, occurred_at: datetime, p: Mapping[str, Any]
) -> tuple[Observation, ...]:
    """A finding counts once recorded; a resident complaint only once verified (核实), never
    when dismissed."""
    kind = p["kind"]
    counted = p["state"] != "not_verified" and (kind != "resident_complaint" or p["verified"])
    facts: list[Fact] = []
    if counted:
        found_on: date = p["found_on"]
        recorded_at: datetime = p["recorded_at"]

        def fact(metric: str, value: Decimal = ONE) -> Fact:
            return Fact(
                "grid",
                p["grid_id"],
                metric,
                value,
                found_on,
                epoch_ms(recorded_at),
                key=kind,
                grid_id=p["grid_id"],
                worker_id=p["worker_id"],
            )

        facts.append(fact("intake.inspection_findings"))
        if p["overdue"]:
            facts.append(fact("intake.inspection_findings_overdue"))
        if p["rejected_rectifications"]:
            facts.append(
                fact("intake.rectifications_rejected", Decimal(p["rejected_rectifications"]))
            )
        if p["overdue"] or p["rejected_rectifications"]:
            # 未在时限内整改或整改不到位: once per problem, in the month its deadline passes (a
            # finding of an earlier month is assessed then).
            deadline: datetime | None = p["rectification_deadline"]
            failed = fact("intake.rectifications_failed")
            if deadline is not None:
                failed = replace(failed, day=local_day(deadline), at_ms=epoch_ms(deadline))
            facts.append(failed)
    return (
        Observation(
            f"inspection:{p['inspection_id']}", instant_position(occurred_at), tuple(facts)
        ),
    )


_DISPATCHED_TASK = "dispatched_task"
_ATTENDANCE_KINDS = frozenset({"meeting_attendance", "training_attendance"})


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


_RECORD_KEYED: Mapping[str, tuple[str, str]] = {
    "meeting_attendance": ("intake.meeting_attendance", "attendance_status"),
    "training_attendance": ("intake.training_attendance", "attendance_status"),
    "home_visit": ("intake.home_visits", "visit_target"),
    "badge_finding": ("intake.badge_findings", "finding_type"),
    "confidentiality_finding": ("intake.confidentiality_findings", "finding_type"),
}


def _record(tenant_id: str, occurred_at: datetime, p: Mapping[str, Any]) -> tuple[Observation, ...]:
    """A work record of a worker, by its kind; a voided (作废) record counts for nothing."""
    facts: list[Fact] = []
    if p["state"] != "voided":
        day: date = p["date"]
        kind = p["kind"]

        def fact(metric: str, key: str | None = None, value: Decimal = ONE) -> Fact:
            return Fact(
                "worker",
                p["worker_id"],
                metric,
                value,
                day,
                day_start_ms(day),
                key=key,
                grid_id=p["grid_id"],
                worker_id=p["worker_id"],
            )

        facts.append(fact("intake.records", kind))
        if kind in _RECORD_KEYED:
            metric, field_name = _RECORD_KEYED[kind]
            facts.append(fact(metric, p[field_name]))
        if kind in _ATTENDANCE_KINDS:
            # Trainings and meetings together (seed 002 counts 参加培训、例会 as one item).
            facts.append(fact("intake.attendance", p["attendance_status"]))
        if kind == "instability_screening":
            # The week a screening covers (每周开展一次排查): a scheme counts the weeks.
            facts.append(fact("intake.screening_weeks", p["week"] or _iso_week(day)))
        if kind == "written_report" and p["on_time"] is False:
            facts.append(fact("intake.written_reports_late"))
        elif kind == "instability_screening" and p["findings_count"]:
            facts.append(fact("intake.instability_findings", value=Decimal(p["findings_count"])))
        elif kind == "agency_service" and p["completed"] is True:
            facts.append(fact("intake.agency_services_completed", p["item"]))
    return (Observation(f"record:{p['record_id']}", instant_position(occurred_at), tuple(facts)),)


# -- patrol --------------------------------------------------------------------------------------

_FAILING = frozenset({"failed", "not_patrolled"})
_VISITS = ("key_person", "special_group", "care_recipient", "hazard_place")


def _first(ids: list[str]) -> str | None:
    # A worker serving several grids: the facts go with the first of them (by id), the same
    # choice every time, so a replay attributes them alike.
    return min(ids) if ids else None


def _patrol_day(
    tenant_id: str, occurred_at: datetime, p: Mapping[str, Any]
) -> tuple[Observation, ...]:
    """A worker's judged day as it stands at its `version` (a correction replaces it)."""
    day: date = p["day"]
    worker = p["worker_id"]

    def fact(metric: str, value: Decimal = ONE, key: str | None = None) -> Fact:
        return Fact(
            "worker",
            worker,
            metric,
            value,
            day,
            day_start_ms(day),
            key=key,
            grid_id=_first(p["grid_ids"]),
            division_id=_first(p["division_ids"]),
            worker_id=worker,
        )

    status = p["status"]
    facts = [fact("patrol.days", key=status)]
    if p["workday"] and status in _FAILING:
        facts.append(fact("patrol.failing_days"))
    if p["short"]:
        facts.append(fact("patrol.short_days"))
    if p["patrol_s"]:
        facts.append(fact("patrol.patrol_seconds", Decimal(p["patrol_s"])))
    if p["distance_m"]:
        facts.append(fact("patrol.distance_m", Decimal(p["distance_m"])))
    for category in _VISITS:
        visits = p[f"{category}_visits"]
        if visits:
            facts.append(fact("patrol.visits", Decimal(visits), key=category))
    aggregate = f"patrol_day:{worker}:{day.isoformat()}"
    return (Observation(aggregate, version_position(p["version"]), tuple(facts)),)


def _patrol_period(
    tenant_id: str, occurred_at: datetime, p: Mapping[str, Any]
) -> tuple[Observation, ...]:
    """A worker's week or month of judged days as it stands at its `version`."""
    last_day: date = p["last_day"]
    worker, kind = p["worker_id"], p["kind"]

    def fact(metric: str, value: Decimal = ONE, key: str | None = None) -> Fact:
        return Fact(
            "worker",
            worker,
            metric,
            value,
            last_day,
            day_start_ms(last_day),
            key=key,
            grid_id=_first(p["grid_ids"]),
            worker_id=worker,
        )

    facts: list[Fact] = []
    if kind == "week" and p["requirement_met"] is False:
        facts.append(fact("patrol.weeks_requirement_missed"))
    if kind == "month" and p["forfeits_subsidy"] is True:
        facts.append(fact("patrol.months_subsidy_forfeited"))
    if p["missed_visits"]:
        facts.append(fact("patrol.missed_visits", Decimal(len(p["missed_visits"])), key=kind))
    if kind == "month":
        # A month's totals judge every window of it once (days, the weeks whose Thursday is
        # in it, the month): per category, so a scheme picks persons apart from places.
        by_category: dict[str, int] = {}
        for miss in p["missed_visits"]:
            by_category[miss["category"]] = by_category.get(miss["category"], 0) + 1
        facts.extend(
            fact("patrol.month_missed_visits", Decimal(count), key=category)
            for category, count in sorted(by_category.items())
        )
    aggregate = f"patrol_period:{worker}:{kind}:{p['period']}"
    return (Observation(aggregate, version_position(p["version"]), tuple(facts)),)


# -- survey --------------------------------------------------------------------------------------


def _rates(tenant_id: str, occurred_at: datetime, p: Mapping[str, Any]) -> tuple[Observation, ...]:
    """One part of the rows of one scope of a publication; the highest edition of a period and
    definition replaces the whole set. Suppressed cells carry no rate: no fact."""
    published_at: datetime = p["published_at"]
    last_day: date = p["last_day"]
    scope = p["scope"]
    facts = []
    for row in p["rows"]:
        rate = row["rate"]
        if row["suppressed"] or rate is None:
            continue
        subject = row["subject_id"]
        facts.append(
            Fact(
                scope,
                subject,
                "survey.satisfaction_rate",
                Decimal(rate) * HUNDRED,
                last_day,
                epoch_ms(published_at),
                key=p["definition_code"],
                period=p["period"],
                grid_id=subject if scope == "grid" else None,
                division_id=subject if scope == "division" else row["division_id"],
                worker_id=subject if scope == "worker" else None,
                attributes={
                    "publication_id": p["publication_id"],
                    "edition": str(p["edition"]),
                    "n": str(row["n"]),
                    "satisfied": str(row["satisfied"]),
                    "low": str(row["low"]),
                    "high": str(row["high"]),
                },
            )
        )
    aggregate = f"rates:{p['period']}:{p['definition_code']}:{scope}"
    return (
        Observation(
            aggregate, version_position(p["edition"]), tuple(facts), partial=p["parts"] > 1
        ),
    )


def _district_average(
    tenant_id: str, occurred_at: datetime, p: Mapping[str, Any]
) -> tuple[Observation, ...]:
    """The district's average for a period and definition as it now stands (the tenant's
    shared fact: what its scheme scores against)."""
    computed_at: datetime = p["computed_at"]
    period = period_of_label(p["period"])
    day = period.end if isinstance(period, Period) else local_day(computed_at)
    facts: tuple[Fact, ...] = ()
    if p["average"] is not None:
        facts = (
            Fact(
                "tenant",
                tenant_id,
                "survey.district_satisfaction_avg",
                Decimal(p["average"]) * HUNDRED,
                day,
                epoch_ms(computed_at),
                key=p["definition_code"],
                period=p["period"],
                attributes={
                    "district_id": p["district_id"],
                    "tenants_counted": str(p["tenants_counted"]),
                    "edition": str(p["edition"]),
                },
            ),
        )
    aggregate = f"district_average:{p['period']}:{p['definition_code']}"
    return (Observation(aggregate, version_position(p["edition"]), facts),)


# -- registry ------------------------------------------------------------------------------------

_TARGET_PERCENT = 95  # seed 001: 信息采集率均需达到95%以上


def _baseinfo(
    tenant_id: str, occurred_at: datetime, p: Mapping[str, Any]
) -> tuple[Observation, ...]:
    """A grid's figures of one sub-category on a statistics date (信息采集). One aggregate per
    grid, sub-category and month: the month's latest statistics date replaces the earlier
    ones (and a date recorded again replaces itself), so a month counts each sub-category
    once, as it last stood in that month. Dated by the statistics date."""
    as_of: date = p["as_of"]
    category, expected, collected = p["category"], p["expected"], p["collected"]

    def fact(metric: str, value: Decimal = ONE) -> Fact:
        return Fact(
            "grid",
            p["grid_id"],
            metric,
            value,
            as_of,
            day_start_ms(as_of),
            key=category,
            grid_id=p["grid_id"],
            division_id=p["division_id"],
            attributes={
                "sub_category": p["sub_category"],
                "expected": str(expected),
                "collected": str(collected),
            },
        )

    facts = [
        fact("registry.baseinfo_expected", Decimal(expected)),
        fact("registry.baseinfo_collected", Decimal(collected)),
    ]
    if expected > 0 and collected == 0:
        facts.append(fact("registry.subcategories_not_collected"))
    elif expected > 0 and collected * 100 < expected * _TARGET_PERCENT:
        facts.append(fact("registry.subcategories_below_95"))
    aggregate = f"baseinfo:{p['grid_id']}:{category}:{p['sub_category']}:{as_of:%Y-%m}"
    position = f"{as_of.isoformat()}|{instant_position(occurred_at)}"
    return (Observation(aggregate, position, tuple(facts)),)


def _division_fact(metric: str, occurred_at: datetime, p: Mapping[str, Any]) -> Fact:
    """A division's registration or rename on the message's day, naming it (code, name,
    kind) on the score sheets from then on."""
    return Fact(
        "division",
        p["division_id"],
        metric,
        ONE,
        local_day(occurred_at),
        epoch_ms(occurred_at),
        division_id=p["division_id"],
        attributes={"code": p["code"], "name": p["name"], "kind": p["kind"]},
    )


def _division_created(
    tenant_id: str, occurred_at: datetime, p: Mapping[str, Any]
) -> tuple[Observation, ...]:
    """A registered division counts once; its code, name and kind name it on score sheets."""
    fact = _division_fact("registry.divisions", occurred_at, p)
    aggregate = f"division:{p['division_id']}"
    return (Observation(aggregate, instant_position(occurred_at), (fact,)),)


def _division_updated(
    tenant_id: str, occurred_at: datetime, p: Mapping[str, Any]
) -> tuple[Observation, ...]:
    """A division renamed (or re-kinded) from the update's day: its name on the sheets of the
    periods from then on (earlier periods keep the name they had). Counts nothing. One
    aggregate per division and day: a second change that day replaces the first."""
    fact = _division_fact("registry.division_names", occurred_at, p)
    aggregate = f"division-name:{p['division_id']}:{fact.day.isoformat()}"
    return (Observation(aggregate, instant_position(occurred_at), (fact,)),)


_FILED_STATUSES = frozenset({"filed", "filed_late"})


def _filing(tenant_id: str, occurred_at: datetime, p: Mapping[str, Any]) -> tuple[Observation, ...]:
    """A division's filing of a checklist item (制度备案), dated by the day it was filed, keyed
    by the item. One aggregate per filing: its withdrawal (`filing.withdrawn`, status
    `missing`) yields no fact, which retracts the filing; filing the item again is a new
    filing (a new id), so the ledger holds exactly the filings in force."""
    facts: tuple[Fact, ...] = ()
    if p["status"] in _FILED_STATUSES:
        filed_on: date = p["filed_on"]
        due_on: date = p["due_on"]
        facts = (
            Fact(
                "division",
                p["division_id"],
                "registry.filings",
                ONE,
                filed_on,
                day_start_ms(filed_on),
                key=p["item_code"],
                division_id=p["division_id"],
                attributes={
                    "filing_id": p["filing_id"],
                    "status": p["status"],
                    "due_on": due_on.isoformat(),
                },
            ),
        )
    aggregate = f"filing:{p['filing_id']}"
    return (Observation(aggregate, instant_position(occurred_at), facts),)


OBSERVERS: Mapping[str, Observe] = {
    **dict.fromkeys(EVENT_TYPES, _event),
    "hotline.callback_recorded": _hotline_callback,
    **dict.fromkeys(TASK_TYPES, _task),
    **dict.fromkeys(INSPECTION_TYPES, _inspection),
    **dict.fromkeys(("record.created", "record.corrected", "record.voided"), _record),
    **dict.fromkeys(("patrol.day_finalised", "patrol.day_corrected"), _patrol_day),
    "patrol.period_totals": _patrol_period,
    "rates.published": _rates,
    "district_average.published": _district_average,
    "division.created": _division_created,
    "division.updated": _division_updated,
    "baseinfo.recorded": _baseinfo,
    **dict.fromkeys(("filing.recorded", "filing.withdrawn"), _filing),
}


def observe(
    event_type: str, *, tenant_id: str, occurred_at: datetime, payload: Mapping[str, Any]
) -> tuple[Observation, ...]:
    """The observations one message yields (none for a type the ledger does not count).

    `payload` passed its contract at the consumer's edge (dates are `date`, instants aware
    `datetime`, decimals `Decimal`): not checked again here."""
    observer = OBSERVERS.get(event_type)
    return () if observer is None else observer(tenant_id, occurred_at, payload)


__all__ = [
    "OBSERVERS",
    "Fact",
    "Observation",
    "day_start_ms",
    "epoch_ms",
    "instant_position",
    "observe",
    "version_position",
]
