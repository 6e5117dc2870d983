"""The bridge: ledger entries, the registry's history and manual inputs become a scheme's facts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.scoring.domain.bridge import (
    SHARED,
    ManualValue,
    Registry,
    build,
    metrics_read,
    months_of,
)
from services.scoring.domain.engine import evaluate
from services.scoring.domain.ledger import LedgerEntry
from services.scoring.domain.sources import day_start_ms
from services.scoring.domain.workdays import period_of_label
from services.scoring.templates import load_template
from shared.periods import Period
from shared.registry.model import GridRef, Membership

SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}


def grid(grid_id: str, division: str, kind: str = "community") -> GridRef:
    return GridRef(
        grid_id=grid_id,
        division_id=division,
        code=grid_id.upper(),
        name=f"网格{grid_id}",
        type=kind,
        status="active",
        valid_from=date(2019, 1, 1),
        valid_to=None,
        boundary=SQUARE,
        boundary_valid_from=date(2019, 1, 1),
    )


def member(grid_id: str, user: str, starts: str, ends: str | None = None) -> Membership:
    return Membership(
        f"{grid_id}-{user}",
        grid_id,
        "d",
        user,
        "full_time_worker",
        date.fromisoformat(starts),
        None if ends is None else date.fromisoformat(ends),
    )


def entry(
    metric: str,
    day: str,
    *,
    event: str,
    grid_id: str | None = "g-1",
    kind: str = "grid",
    subject: str | None = None,
    key: str | None = None,
    value: str = "1",
    period: str | None = None,
    worker: str | None = None,
    retracts: str | None = None,
    attributes: dict[str, str] | None = None,
) -> LedgerEntry:
    on = date.fromisoformat(day)
    return LedgerEntry(
        tenant_id="t",
        event_id=event,
        event_type="x",
        aggregate=f"a:{event}",
        position="1",
        subject_kind=kind,
        subject_id=subject or grid_id or "",
        metric=metric,
        value=Decimal(value),
        day=on,
        at_ms=day_start_ms(on),
        key=key,
        period=period,
        grid_id=grid_id,
        worker_id=worker,
        retracts=retracts,
        attributes=attributes or {},
    )


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
    assert {m.input_id for m in evaluation.sheet("w-1").missing} >= {"star_score"}


def test_a_rate_without_a_denominator_has_no_value_and_unmapped_inputs_are_listed():
    scheme = load_template("seed_000_xueyan_town_2020")
    registry = Registry([grid("g-1", "d-1", "enterprise")], [])

    result = build(scheme, period("2020"), entries=[], registry=registry)

    d1 = values(result, "d-1")
    assert "staffing_rate" not in d1
    assert d1["grid_count"] == 0
    seed_001 = load_template("seed_001_xitaihu_park_grid")
    other = build(seed_001, period("2024-03"), entries=[], registry=registry)
    platform = [i.id for i in seed_001.inputs if i.source == "platform" and i.mapping is None]
    assert other.unmapped == tuple(platform)
    assert platform


def test_the_months_read_and_the_metrics_read():
    assert months_of(period("2024-Q1")) == ["2024-01", "2024-02", "2024-03"]
    assert months_of(period("2024-11-20..2025-01-05")) == ["2024-11", "2024-12", "2025-01"]
    flows, states = metrics_read(load_template("seed_000_xueyan_town_2020"))
    assert states == ["registry.grids", "registry.grids_staffed"]
    assert "intake.events_reported" in flows
    assert "survey.district_satisfaction_avg" in flows
