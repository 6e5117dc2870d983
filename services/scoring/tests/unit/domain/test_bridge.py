"""The bridge: ledger entries, the registry's history and manual inputs become a scheme's facts."""

from __future__ import annotations

from decimal import Decimal

import yaml

from services.scoring.domain.bridge import (
    SHARED,
    ManualValue,
    Registry,
    build,
    metrics_read,
    months_of,
    subjects,
)
from services.scoring.domain.engine import evaluate
from services.scoring.domain.ledger import LedgerEntry
from services.scoring.domain.scheme import load_scheme
from services.scoring.domain.workdays import period_of_label
from services.scoring.templates import load_template, text
from services.scoring.tests.unit.domain.ledger_support import entry, grid, member
from shared.periods import Period


def period(label: str) -> Period:
    found = period_of_label(label)
    assert found is not None
    return found


def values(result, subject_id: str) -> dict[str, object]:
    return dict(next(s for s in result.facts.subjects if s.id == subject_id).values)


def test_a_towns_year_is_counted_per_village_as_of_each_facts_day():
    scheme = load_template("seed_000_xueyan_town_2020")
    registry = Registry(
        [
            grid("g-1", "d-1"),
            grid("g-2", "d-1", "village"),
            grid("g-3", "d-1", "enterprise"),
            grid("g-4", "d-2"),
        ],
        # g-2 got its worker only in December: not staffed on 30 November.
        [
            member("g-1", "w-1", "2020-01-01"),
            member("g-2", "w-2", "2020-12-01"),
            member("g-4", "w-4", "2019-06-01"),
        ],
    )
    reported = "intake.events_reported"
    closed = entry("intake.events_closed_on_time", "2020-05-02", event="e3", key="dispute")
    entries = [
        entry(reported, "2020-03-01", event="e1", key="social_security"),
        entry(reported, "2020-03-02", event="e2", key="social_security"),
        entry(reported, "2020-05-02", event="e3", key="public_safety"),
        entry(reported, "2021-01-02", event="e9", key="public_safety"),  # next year
        entry("intake.events_escalated", "2020-03-01", event="e1", key="social_security"),
        closed,
        entry("intake.events_closed_on_time", "2020-03-01", event="e1", key="social_security"),
        # e2 was closed on time, then reopened: the closure and its retraction count for nothing
        entry("intake.events_closed_on_time", "2020-03-02", event="e2", key="social_security"),
        entry(
            "intake.events_closed_on_time",
            "2020-03-02",
            event="e2b",
            retracts=("e2:grid:g-1:intake.events_closed_on_time:social_security"),
            value="-1",
        ),
        entry(
            "survey.satisfaction_rate",
            "2020-12-31",
            event="r1",
            kind="division",
            subject="d-1",
            grid_id=None,
            value="85",
            period="2020",
            key="def",
        ),
        entry(
            "survey.satisfaction_rate",
            "2020-12-31",
            event="r1",
            kind="grid",
            subject="g-1",
            value="40",
            period="2020",
            key="def",
        ),
        entry(
            "survey.district_satisfaction_avg",
            "2020-12-31",
            event="avg",
            kind="tenant",
            subject="t",
            grid_id=None,
            value="88",
            period="2020",
            key="def",
        ),
    ]
    divisions = [
        entry(
            "registry.divisions",
            "2019-01-01",
            event="dv1",
            kind="division",
            subject="d-1",
            grid_id=None,
            attributes={"name": "东村"},
        )
    ]
    manual = [
        ManualValue(
            "leader_praise", "d-1", {"city": "1"}, "mi-1", 2, "市领导批示 2020-12", ("文1",)
        ),
        ManualValue("compliance_rate", "d-9", "90", "mi-2", 1, "不在本期对象中"),
    ]

    result = build(
        scheme,
        period("2020"),
        entries=entries,
        registry=registry,
        divisions=divisions,
        manual=manual,
    )

    assert [(s.id, s.name) for s in result.facts.subjects] == [("d-1", "东村"), ("d-2", "d-2")]
    d1 = values(result, "d-1")
    assert d1["staffing_rate"] == Decimal(50)
    assert d1["grid_count"] == 2
    assert (d1["events_total"], d1["events_public_order"], d1["events_public_safety"]) == (3, 2, 1)
    assert (d1["events_enforcement"], d1["events_escalated"]) == (0, 1)
    assert d1["events_closed_on_time"] == 2
    assert d1["satisfaction_rate"] == Decimal(85)  # the village's own rate, not its grid's
    assert d1["leader_praise"] == {"city": "1"}
    d2 = values(result, "d-2")
    assert (d2["staffing_rate"], d2["grid_count"], d2["events_total"]) == (100, 1, 0)
    assert "satisfaction_rate" not in d2  # nothing published: not assessable, said so
    assert result.facts.shared == {"district_satisfaction_avg": Decimal(88)}
    assert result.facts.period == "2020"
    assert result.unmapped == ()

    traced = result.trace[("d-1", "events_total")]
    assert [item.event_id for item in traced] == ["e1", "e2", "e3"]
    staffing = result.trace[("d-1", "staffing_rate")]
    assert [(i.role, i.ref, i.day) for i in staffing] == [
        ("numerator", "g-1", "2020-11-30"),
        ("denominator", "g-1", "2020-11-30"),
        ("denominator", "g-2", "2020-11-30"),
    ]
    [praise] = result.trace[("d-1", "leader_praise")]
    assert (praise.source, praise.ref, praise.note) == ("manual", "mi-1", "市领导批示 2020-12")
    assert praise.value == "city:1"  # written as the sheet writes the fact itself
    assert result.trace[(SHARED, "district_satisfaction_avg")][0].event_id == "avg"


def test_a_streets_month_credits_each_worker_with_his_own_days():
    scheme = load_template("seed_004_shanhu_street_full_time_worker")
    # w-1 served g-1 until the 15th, w-2 from the 16th.
    registry = Registry(
        [grid("g-1", "d-1")],
        [member("g-1", "w-1", "2024-01-01", "2024-03-15"), member("g-1", "w-2", "2024-03-16")],
    )
    entries = [
        entry("intake.worker_reports_valid", "2024-03-10", event="e1", key="dispute"),
        entry("intake.worker_reports_valid", "2024-03-20", event="e2", key="dispute"),
        entry(
            "patrol.failing_days",
            "2024-03-08",
            event="p2",
            kind="worker",
            subject="w-1",
            worker="w-1",
        ),
        entry(
            "patrol.failing_days",
            "2024-03-07",
            event="p1",
            kind="worker",
            subject="w-1",
            worker="w-1",
        ),
        entry(
            "intake.meeting_attendance",
            "2024-03-05",
            event="m1",
            kind="worker",
            subject="w-1",
            worker="w-1",
            key="absent_unexcused",
        ),
        entry(
            "intake.meeting_attendance",
            "2024-03-06",
            event="m2",
            kind="worker",
            subject="w-1",
            worker="w-1",
            key="present",
        ),
        entry("intake.tasks_completed", "2024-03-18", event="t1", key="grid"),
    ]

    result = build(scheme, period("2024-03"), entries=entries, registry=registry)

    assert [s.id for s in result.facts.subjects] == ["w-1", "w-2"]
    w1, w2 = values(result, "w-1"), values(result, "w-2")
    assert w1["patrol_failing_days"] == ["2024-03-07", "2024-03-08"]
    assert (w1["meeting_absences_unexcused"], w1["valid_info_reports"]) == (1, 1)
    assert w1["dispatched_tasks_completed"] == 0
    assert (w2["patrol_failing_days"], w2["valid_info_reports"]) == ([], 1)
    assert w2["dispatched_tasks_completed"] == 1
    # The manual inputs were not entered: the engine takes the facts and says what is missing.
    evaluation = evaluate(scheme, result.facts)
    assert {m.input_id for m in evaluation.sheet("w-1").missing} >= {"unreported_violation"}


def test_a_rate_without_a_denominator_has_no_value_and_unmapped_inputs_are_listed():
    scheme = load_template("seed_000_xueyan_town_2020")
    registry = Registry([grid("g-1", "d-1", "enterprise")], [])

    result = build(scheme, period("2020"), entries=[], registry=registry)

    d1 = values(result, "d-1")
    assert "staffing_rate" not in d1
    assert d1["grid_count"] == 0
    # A draft that forgot to say where a platform input comes from: listed, never filled.
    draft = yaml.safe_load(text("seed_001_xitaihu_park_grid"))
    forgotten = next(i for i in draft["inputs"] if i["id"] == "shirked_events")
    del forgotten["from"]
    other = build(load_scheme(draft), period("2024-03"), entries=[], registry=registry)
    assert other.unmapped == ("shirked_events",)
    assert "shirked_events" not in values(other, "g-1")


def test_the_months_read_and_the_metrics_read():
    assert months_of(period("2024-Q1")) == ["2024-01", "2024-02", "2024-03"]
    assert months_of(period("2024-11-20..2025-01-05")) == ["2024-11", "2024-12", "2025-01"]
    flows, states = metrics_read(load_template("seed_000_xueyan_town_2020"))
    assert states == ["registry.grids", "registry.grids_staffed"]
    assert "intake.events_reported" in flows
    assert "survey.district_satisfaction_avg" in flows


def worker_entry(metric: str, day: str, *, event: str, worker: str = "w-1", **more) -> LedgerEntry:
    """A fact the ledger holds for a worker (a record, a patrol day or month) in grid g-1."""
    return entry(metric, day, event=event, kind="worker", subject=worker, worker=worker, **more)


def test_a_parks_month_gives_each_grid_its_workers_records_days_reports_and_problems():
    scheme = load_template("seed_001_xitaihu_park_grid")
    registry = Registry(
        [grid("g-1", "d-1"), grid("g-2", "d-1", "village")], [member("g-1", "w-1", "2024-01-01")]
    )
    findings = "intake.inspection_findings"
    failed = "intake.rectifications_failed"
    entries = [
        worker_entry("intake.meeting_attendance", "2024-03-05", event="m1", key="absent_unexcused"),
        worker_entry("intake.meeting_attendance", "2024-03-12", event="m2", key="excused"),
        worker_entry(
            "intake.training_attendance", "2024-03-06", event="t1", key="absent_unexcused"
        ),
        worker_entry("intake.badge_findings", "2024-03-07", event="b1", key="signboard_missing"),
        worker_entry(
            "intake.badge_findings", "2024-03-08", event="b2", key="signboard_noncompliant"
        ),
        worker_entry("intake.badge_findings", "2024-03-08", event="b3", key="badge_not_carried"),
        worker_entry("patrol.days", "2024-03-04", event="p1", key="not_patrolled"),
        worker_entry("patrol.days", "2024-03-05", event="p2", key="not_patrolled"),
        worker_entry("patrol.days", "2024-03-06", event="p3", key="failed"),
        worker_entry("patrol.short_days", "2024-03-06", event="p3"),
        # the month's totals count every window once; a week's totals are not added to them
        worker_entry("patrol.missed_visits", "2024-03-31", event="pm", key="month", value="3"),
        worker_entry("patrol.missed_visits", "2024-03-10", event="pw", key="week", value="2"),
        entry("registry.subcategories_not_collected", "2024-03-25", event="bi1", key="rental"),
        entry("registry.subcategories_below_95", "2024-03-25", event="bi2", key="population"),
        entry("registry.subcategories_below_95", "2024-03-25", event="bi3", key="special_group"),
        entry("intake.events_shirked", "2024-03-11", event="e1", key="dispute"),
        entry("intake.worker_reports_valid", "2024-03-11", event="e2", key="dispute"),
        entry("intake.worker_reports_valid", "2024-03-12", event="e3", key="public_safety"),
        *(entry("intake.events_reported", f"2024-03-1{n}", event=f"e{n}") for n in range(1, 5)),
        entry("intake.events_unqualified", "2024-03-13", event="e3"),
        entry("intake.events_false", "2024-03-14", event="e4"),
        worker_entry("intake.records", "2024-03-01", event="r1", key="service_record"),
        worker_entry("intake.records", "2024-03-02", event="r2", key="service_record"),
        worker_entry("intake.records", "2024-03-02", event="r3", key="work_log"),
        entry(findings, "2024-03-02", event="i1", key="spot_check"),
        entry(findings, "2024-03-03", event="i2", key="spot_check"),
        entry(findings, "2024-03-03", event="i3", key="resident_complaint"),
        entry(findings, "2024-03-04", event="i4", key="daily_patrol"),
        entry(failed, "2024-03-04", event="i1", key="spot_check"),
        entry(failed, "2024-03-20", event="i4", key="daily_patrol"),
        worker_entry(failed, "2024-03-15", event="t9", key="dispatched_task"),
        entry(failed, "2024-04-01", event="i2", key="spot_check"),  # due in April
    ]

    result = build(scheme, period("2024-03"), entries=entries, registry=registry)

    assert result.unmapped == ()
    g1 = values(result, "g-1")
    expected = {
        "meetings_missed": 1,
        "trainings_missed": 1,
        "signboards_missing": 2,
        "badge_missing": 1,
        "workdays_unpatrolled": 2,
        "workdays_patrol_short": 1,
        "visit_cycle_misses": 3,
        "subcategories_not_collected": 1,
        "subcategories_below_target": 2,
        "shirked_events": 1,
        "valid_reports": 2,
        "service_records": 2,
        "reports_total": 4,
        "unqualified_reports": 1,
        "false_reports": 1,
        "spot_check_findings": 2,
        "spot_check_overdue": 1,
        "resident_reports_found": 1,
        "other_overdue": 2,
    }
    assert {name: g1[name] for name in expected} == expected
    g2 = values(result, "g-2")
    assert {name: g2[name] for name in expected} == dict.fromkeys(expected, 0)
    assert [i.event_id for i in result.trace[("g-1", "other_overdue")]] == ["t9", "i4"]


def test_a_townships_quarter_gives_each_worker_his_weeks_visits_logs_and_attendance():
    scheme = load_template("seed_002_township_grid_worker")
    registry = Registry([grid("g-1", "d-1")], [member("g-1", "w-1", "2023-06-01")])
    visits = "patrol.month_missed_visits"
    entries = [
        worker_entry("intake.screening_weeks", "2024-01-02", event="s1", key="2024-W01"),
        worker_entry("intake.screening_weeks", "2024-01-04", event="s2", key="2024-W01"),
        worker_entry("intake.screening_weeks", "2024-02-01", event="s3", key="2024-W05"),
        worker_entry("intake.screening_weeks", "2024-04-02", event="s4", key="2024-W14"),
        worker_entry(visits, "2024-01-31", event="v1", key="key_person", value="2"),
        worker_entry(visits, "2024-02-29", event="v2", key="special_group", value="1"),
        worker_entry(visits, "2024-03-31", event="v3", key="hazard_place", value="5"),
        *(
            worker_entry("intake.records", f"2024-02-0{n}", event=f"l{n}", key="work_log")
            for n in range(1, 4)
        ),
        worker_entry("intake.records", "2024-02-05", event="r1", key="service_record"),
        worker_entry("intake.attendance", "2024-01-10", event="a1", key="late"),
        worker_entry("intake.attendance", "2024-02-10", event="a2", key="left_early"),
        worker_entry("intake.attendance", "2024-02-11", event="a3", key="present"),
        worker_entry("intake.attendance", "2024-03-10", event="a4", key="absent_unexcused"),
        worker_entry("intake.attendance", "2024-03-11", event="a5", key="excused"),
        worker_entry("intake.written_reports_late", "2024-03-01", event="w1"),
    ]

    # The centre entered what no service records: nothing wrong, a 90 from the residents.
    entered = {"satisfaction_score": 90, "subsidy_amount": 3000}
    manual = [
        ManualValue(i.id, "w-1", entered.get(i.id, 0), f"mi-{i.id}", 1, "季度台账")
        for i in scheme.inputs
        if i.source == "manual"
    ]

    result = build(scheme, period("2024-Q1"), entries=entries, registry=registry, manual=manual)

    assert result.unmapped == ()
    w1 = values(result, "w-1")
    assert w1["screening_weeks"] == {"2024-W01": 2, "2024-W05": 1}
    assert w1["special_visits_missed"] == 3  # persons only, not the hazard place
    assert (w1["work_logs"], w1["late_or_early"], w1["absent_unexcused"]) == (3, 2, 1)
    assert w1["reports_late"] == 1
    # 13 whole weeks less the 2 screened: 11 missed, 15 − 0.5 × 11 = 9.5 on the sheet
    sheet = evaluate(scheme, result.facts).sheet("w-1")
    assert sheet.line("instability").points == Decimal("9.5")


def test_a_townships_month_gives_each_village_its_records_patrol_time_and_reports():
    scheme = load_template("seed_003_township_monthly_ranking")
    registry = Registry(
        [grid("g-1", "d-1"), grid("g-2", "d-1", "village"), grid("g-3", "d-2")],
        [member("g-1", "w-1", "2024-01-01"), member("g-2", "w-2", "2024-01-01")],
    )
    collected, due = "registry.baseinfo_collected", "registry.baseinfo_expected"
    seconds, days = "patrol.patrol_seconds", "patrol.days"
    entries = [
        entry(collected, "2024-06-28", event="b1", key="special_group", value="90"),
        entry(due, "2024-06-28", event="b1", key="special_group", value="100"),
        entry(collected, "2024-06-28", event="b2", grid_id="g-2", key="special_group", value="45"),
        entry(due, "2024-06-28", event="b2", grid_id="g-2", key="special_group", value="50"),
        entry(collected, "2024-06-28", event="b3", key="population", value="10"),
        entry(due, "2024-06-28", event="b3", key="population", value="400"),
        worker_entry(seconds, "2024-06-03", event="p1", value="7200"),
        worker_entry(seconds, "2024-06-04", event="p2", value="3600"),
        worker_entry(seconds, "2024-06-03", event="q1", worker="w-2", grid_id="g-2", value="5400"),
        worker_entry(days, "2024-06-03", event="p1", key="passed"),
        worker_entry(days, "2024-06-04", event="p2", key="failed"),
        worker_entry(days, "2024-06-05", event="p3", key="not_patrolled"),
        worker_entry(days, "2024-06-06", event="p4", key="excused"),
        worker_entry(days, "2024-06-03", event="q1", worker="w-2", grid_id="g-2", key="passed"),
        worker_entry(days, "2024-06-08", event="q2", worker="w-2", grid_id="g-2", key="rest_day"),
        entry("intake.events_reported", "2024-06-03", event="e1", key="dispute"),
        entry("intake.events_reported", "2024-06-04", event="e2", key="social_security"),
        entry("intake.events_reported", "2024-06-05", event="e3", key="city_management"),
        entry(
            "intake.events_reported",
            "2024-06-05",
            event="e4",
            grid_id="g-2",
            key="livelihood_service",
        ),
        entry("intake.worker_reports_valid", "2024-06-03", event="e1", key="dispute"),
        entry("intake.worker_reports_valid", "2024-06-05", event="e3", key="city_management"),
        entry("intake.worker_reports_valid", "2024-06-05", event="e4", grid_id="g-2"),
    ]

    result = build(scheme, period("2024-06"), entries=entries, registry=registry)

    assert result.unmapped == ()
    d1 = values(result, "d-1")
    assert d1["key_group_completeness"] == Decimal(90)  # (90 + 45) / (100 + 50)
    # 16200 s over 4 working days due (the excused day and the rest day are not due)
    assert (d1["patrol_seconds"], d1["patrol_workdays"]) == (16200, 4)
    assert (d1["village_events"], d1["livelihood_or_dispute_reports"]) == (4, 3)
    assert (d1["worker_events"], d1["grid_count"]) == (3, 2)
    d2 = values(result, "d-2")
    assert "key_group_completeness" not in d2  # nothing recorded: not assessable, said so
    assert (d2["grid_count"], d2["village_events"], d2["patrol_workdays"]) == (1, 0, 0)


def test_a_division_is_named_as_it_was_at_the_end_of_each_period():
    registry = Registry([grid("g-1", "d-1")], [])
    registered = entry(
        "registry.divisions",
        "2020-01-01",
        event="created",
        kind="division",
        subject="d-1",
        grid_id=None,
        attributes={"code": "V01", "name": "东村"},
    )
    renamed = entry(
        "registry.division_names",
        "2021-03-15",
        event="renamed",
        kind="division",
        subject="d-1",
        grid_id=None,
        attributes={"code": "V01", "name": "东风村"},
    )
    # Read in any order: the rename (2021-03-15) names the periods that end after it.
    divisions = [renamed, registered]
    assert [s.name for s in subjects("division", period("2020"), registry, divisions)] == ["东村"]
    assert [s.name for s in subjects("division", period("2021"), registry, divisions)] == ["东风村"]
