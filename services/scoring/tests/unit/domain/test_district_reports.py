"""District report indicators: the same arithmetic for every tenant, checked by hand counts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.scoring.domain.bridge import Registry
from services.scoring.domain.district_reports import (
    PublishedTotal,
    Ratio,
    latest_totals,
    staffing_day,
    tenant_indicators,
)
from services.scoring.domain.ledger import AggregateState, LedgerEntry
from services.scoring.domain.sources import observe
from services.scoring.domain.workdays import period_of_label
from services.scoring.tests.unit.domain import ledger_support
from shared.periods import Period
from shared.registry.model import GridRef

NOVEMBER = period_of_label("2026-11")
assert isinstance(NOVEMBER, Period)
AFTER = date(2027, 1, 10)  # "today", long after the period
AFTER_INSTANT = datetime(2027, 1, 10, tzinfo=UTC)


def grid(grid_id: str, division: str, kind: str = "community") -> GridRef:
    return ledger_support.grid(grid_id, division, kind, boundary={})


worker = ledger_support.member


def entry(metric: str, day: str, *, grid_id: str | None = "g1", **given: Any) -> LedgerEntry:
    return ledger_support.entry(metric, day, grid_id=grid_id, **given)


def event(n: int, day: str, grid_id: str, *names: str) -> list[LedgerEntry]:
    """An event's facts: reported, plus the named ones."""
    return [
        entry(f"intake.events_{name}", day, event=f"e{n}", grid_id=grid_id)
        for name in ("reported", *names)
    ]


# Two divisions: d1 has the community grid g1 and the village grid g2, d2 the community grid g3
# and the enterprise grid g4 (not a comprehensive grid: never counted for staffing).
REGISTRY = Registry(
    [
        grid("g1", "d1"),
        grid("g2", "d1", "village"),
        grid("g3", "d2"),
        grid("g4", "d2", "enterprise"),
    ],
    [
        worker("g1", "w1", "2026-01-01"),
        worker("g2", "w2", "2026-01-01", "2026-11-20"),  # gone before the month's last day
        worker("g3", "w3", "2026-11-30"),  # arrives on the last day
        worker("g4", "w4", "2026-01-01"),
    ],
)


def november_entries() -> list[LedgerEntry]:
    found = [
        # d1: 3 events. e1 accepted and closed on time; e2 accepted on time, closed late;
        # e3 escalated, not accepted on time, still open.
        *event(1, "2026-11-02", "g1", "accepted_on_time", "closed", "closed_on_time"),
        *event(2, "2026-11-10", "g2", "accepted_on_time", "closed"),
        *event(3, "2026-11-30", "g1", "escalated"),
        # d2: 2 events, e4 accepted on time and escalated, e5 closed on time.
        *event(4, "2026-11-15", "g3", "accepted_on_time", "escalated"),
        *event(5, "2026-11-16", "g3", "closed", "closed_on_time"),
        # Base information (信息采集) recorded in the month: g1 twice (one grid), g3 with
        # nothing due (a recording all the same), g4 (an enterprise grid: not comprehensive);
        # g2's is October's.
        entry("registry.baseinfo_expected", "2026-11-05", event="bi1", grid_id="g1", value="40"),
        entry("registry.baseinfo_expected", "2026-11-25", event="bi2", grid_id="g1", value="42"),
        entry("registry.baseinfo_expected", "2026-11-12", event="bi3", grid_id="g3", value="0"),
        entry("registry.baseinfo_expected", "2026-11-12", event="bi4", grid_id="g4", value="5"),
        entry("registry.baseinfo_expected", "2026-10-30", event="bi5", grid_id="g2", value="9"),
        # Outside the month: neither October's nor December's events count.
        *event(6, "2026-10-31", "g1", "accepted_on_time"),
        *event(7, "2026-12-01", "g3", "accepted_on_time"),
    ]
    # e8 was reported, then its report retracted (merged): it counts for nothing.
    reported = entry("intake.events_reported", "2026-11-20", event="e8", grid_id="g2")
    found += [
        reported,
        entry(
            "intake.events_reported",
            "2026-11-20",
            event="e8-merged",
            grid_id="g2",
            retracts=reported.entry_id,
        ),
    ]
    # Patrol days of the workers (subject: the worker, the fact names his first grid).
    verdicts = [
        ("w1", "g1", "passed"),
        ("w1", "g1", "passed"),
        ("w1", "g1", "failed"),
        ("w1", "g1", "excused"),  # not judged
        ("w2", "g2", "not_patrolled"),
        ("w3", "g3", "passed"),
        ("w3", "g3", "rest_day"),  # not judged
    ]
    for n, (user, grid_id, verdict) in enumerate(verdicts):
        found.append(
            entry(
                "patrol.days",
                f"2026-11-{n + 3:02d}",
                event=f"p{n}",
                grid_id=grid_id,
                kind="worker",
                subject=user,
                key=verdict,
            )
        )
    # Survey's published rates: the tenant's, twice (the later definition wins), and d1's.
    found += [
        entry(
            "survey.satisfaction_rate",
            "2026-11-30",
            event="r1",
            grid_id=None,
            kind="tenant",
            subject="t",
            key="survey:1",
            value="91.5",
            period="2026-11",
            attributes={"n": "200", "edition": "1"},
            at_ms=1_000,
        ),
        entry(
            "survey.satisfaction_rate",
            "2026-11-30",
            event="r2",
            grid_id=None,
            kind="tenant",
            subject="t",
            key="survey:0.7,hotline:0.3",
            value="88.25",
            period="2026-11",
            attributes={"n": "260", "edition": "2"},
            at_ms=2_000,
        ),
        entry(
            "survey.satisfaction_rate",
            "2026-11-30",
            event="r3",
            grid_id=None,
            kind="division",
            subject="d1",
            key="survey:1",
            value="90",
            period="2026-11",
            attributes={"n": "120", "edition": "1"},
        ),
        # The quarter's rate is another period's: not November's.
        entry(
            "survey.satisfaction_rate",
            "2026-11-30",
            event="r4",
            grid_id=None,
            kind="tenant",
            subject="t",
            key="survey:1",
            value="50",
            period="2026-Q4",
            attributes={"n": "999", "edition": "1"},
            at_ms=3_000,
        ),
    ]
    return found


def test_a_ratio_keeps_its_parts_and_rounds_once_half_up() -> None:
    assert Ratio(2, 3).percent == Decimal("66.67")
    assert Ratio(1, 8).percent == Decimal("12.50")  # 12.5 exactly
    assert Ratio(1, 16).percent == Decimal("6.25")
    assert Ratio(1, 1600).percent == Decimal("0.06")  # 0.0625 -> 0.06
    assert Ratio(1, 400).percent == Decimal("0.25")
    assert Ratio(5, 200).percent == Decimal("2.50")
    assert Ratio(0, 0).percent is None


def test_the_tenant_indicators_match_a_hand_count() -> None:
    found = tenant_indicators(
        NOVEMBER, entries=november_entries(), registry=REGISTRY, today=AFTER
    ).tenant
    # Reported in November: e1..e5 (e6, e7 outside the month, e8 retracted) = 5.
    assert found.events_reported == 5
    assert found.acceptance_on_time == Ratio(3, 5)  # e1, e2, e4
    assert found.acceptance_on_time.percent == Decimal("60.00")
    assert found.closure_on_time == Ratio(2, 5)  # e1, e5
    assert found.events_closed == 3  # e1, e2, e5
    assert found.escalation == Ratio(2, 5)  # e3, e4
    # Judged working days: 3 passed, 1 failed, 1 not patrolled (excused and rest days aside).
    assert found.patrol_compliance == Ratio(3, 5)
    # The latest publication of the month (r2), not the quarter's.
    assert found.satisfaction is not None
    assert (found.satisfaction.rate, found.satisfaction.n) == (Decimal("88.25"), 260)
    assert found.satisfaction.definition_code == "survey:0.7,hotline:0.3"
    # On 30 November: g1, g2, g3 are comprehensive; g1 (w1) and g3 (w3, from that day) staffed.
    assert found.staffing == Ratio(2, 3)
    assert found.staffing.percent == Decimal("66.67")
    assert found.staffing_day == date(2026, 11, 30)
    # Of the three comprehensive grids, g1 and g3 recorded base information in November.
    assert found.base_info_freshness == Ratio(2, 3)
    # No filings given: none of the two divisions' 2 × 2 systems filed.
    assert (found.filed_systems, found.filed_late) == (Ratio(0, 4), 0)


def test_the_divisions_add_up_to_the_tenant() -> None:
    figures = tenant_indicators(
        NOVEMBER, entries=november_entries(), registry=REGISTRY, today=AFTER
    )
    by_id = {row.division_id: row.indicators for row in figures.divisions}
    assert sorted(by_id) == ["d1", "d2"]
    d1, d2 = by_id["d1"], by_id["d2"]
    assert (d1.events_reported, d2.events_reported) == (3, 2)
    assert d1.acceptance_on_time == Ratio(2, 3)
    assert d2.acceptance_on_time == Ratio(1, 2)
    assert d1.closure_on_time == Ratio(1, 3)
    assert d2.closure_on_time == Ratio(1, 2)
    assert (d1.events_closed, d2.events_closed) == (2, 1)
    assert d1.escalation == Ratio(1, 3)
    assert d2.escalation == Ratio(1, 2)
    # d1: w1's 2 passed + 1 failed, w2's not patrolled; d2: w3's passed.
    assert d1.patrol_compliance == Ratio(2, 4)
    assert d2.patrol_compliance == Ratio(1, 1)
    # A division's own published rate; d2 published none.
    assert d1.satisfaction is not None
    assert d1.satisfaction.rate == Decimal("90")
    assert d1.satisfaction.n == 120
    assert d2.satisfaction is None
    assert d1.staffing == Ratio(1, 2)  # g1 staffed, g2 not (w2 left on the 20th)
    assert d2.staffing == Ratio(1, 1)  # g3; g4 is an enterprise grid


def test_a_running_period_reads_staffing_today_and_a_period_without_facts_has_no_rates() -> None:
    assert staffing_day(NOVEMBER, date(2026, 11, 10)) == date(2026, 11, 10)
    assert staffing_day(NOVEMBER, date(2026, 10, 1)) == date(2026, 11, 1)
    found = tenant_indicators(NOVEMBER, entries=[], registry=REGISTRY, today=date(2026, 11, 10))
    tenant = found.tenant
    assert tenant.events_reported == 0
    assert tenant.acceptance_on_time.percent is None
    assert tenant.patrol_compliance.percent is None
    assert tenant.satisfaction is None
    # On 10 November: g1 and g2 staffed, g3 not yet.
    assert tenant.staffing == Ratio(2, 3)


@pytest.mark.parametrize("label", ["2026-Q4", "2026"])
def test_a_longer_period_counts_the_same_facts(label: str) -> None:
    period = period_of_label(label)
    assert isinstance(period, Period)
    found = tenant_indicators(period, entries=november_entries(), registry=REGISTRY, today=AFTER)
    # e6 (31 October) joins; e7 (1 December) too. Rates of the month are not the quarter's.
    assert found.tenant.acceptance_on_time == Ratio(5, 7)
    satisfaction = found.tenant.satisfaction
    if label == "2026-Q4":
        assert satisfaction is not None
        assert satisfaction.n == 999
    else:
        assert satisfaction is None
    assert found.tenant.staffing_day == date(2026, 12, 31)


def test_the_latest_edition_of_each_scheme_is_the_published_total() -> None:
    def total(scheme: str, edition: int, mean: str) -> PublishedTotal:
        return PublishedTotal(scheme, 2, edition, Decimal(mean), 10, AFTER_INSTANT)

    found = latest_totals(
        {
            "s-b": [total("s-b", 1, "80.00")],
            "s-a": [total("s-a", 2, "91.20"), total("s-a", 1, "90")],
        }
    )
    assert [(t.scheme_id, t.edition, t.mean_total) for t in found] == [
        ("s-a", 2, Decimal("91.20")),
        ("s-b", 1, Decimal("80.00")),
    ]
    assert latest_totals({"s-a": []}) == ()


# -- filed systems (制度备案) ------------------------------------------------------------------


def filings(*messages: tuple[str, str, str, str, str, str]) -> list[LedgerEntry]:
    """The ledger's entries after grid_registry's filing messages, in order, each
    (type, filing id, division, item, filed_on, status), through the real observer and
    ledger rule (a withdrawal retracts its filing)."""
    stored: list[LedgerEntry] = []
    for n, (type_, filing_id, division, item, filed_on, status) in enumerate(messages):
        payload = {
            "filing_id": filing_id,
            "division_id": division,
            "item_code": item,
            "filed_on": date.fromisoformat(filed_on),
            "due_on": date(2026, 6, 30),
            "status": status,
            "actor": "admin",
        }
        occurred_at = datetime(2026, 12, 20, tzinfo=UTC).replace(minute=n)
        for observation in observe(type_, tenant_id="t", occurred_at=occurred_at, payload=payload):
            state = AggregateState.of(e for e in stored if e.aggregate == observation.aggregate)
            change = state.apply(observation, tenant_id="t", event_id=f"m{n}", event_type=type_)
            stored.extend(change.added)
    return stored


RECORDED, WITHDRAWN = "filing.recorded", "filing.withdrawn"
# Tenant A: d1 and d2 (their grids, REGISTRY), d3 registered on 5 December (not November's).
A_DIVISIONS = [
    entry(
        "registry.divisions",
        "2026-12-05",
        event="d3",
        grid_id=None,
        kind="division",
        subject="d3",
        attributes={"code": "V03", "name": "三村"},
    )
]
A_FILINGS = [
    (RECORDED, "f1", "d1", "management_rules", "2026-03-01", "filed"),
    (RECORDED, "f2", "d1", "assessment_rules", "2026-11-20", "filed_late"),
    # d2's management system filed in October, then withdrawn: not filed.
    (RECORDED, "f3", "d2", "management_rules", "2026-10-01", "filed"),
    (WITHDRAWN, "f3", "d2", "management_rules", "2026-10-01", "missing"),
    # d2's assessment system filed on 2 December: after November's last day.
    (RECORDED, "f4", "d2", "assessment_rules", "2026-12-02", "filed"),
    # An item the tenant added itself: not comparable, never counted.
    (RECORDED, "f5", "d2", "fire_safety_rules", "2026-05-01", "filed"),
]
# Tenant B: one division e1 (grid h1), both systems filed, one late, the other on the last day.
B_REGISTRY = Registry([grid("h1", "e1")], [])
B_FILINGS = [
    (RECORDED, "k1", "e1", "management_rules", "2026-11-30", "filed"),
    (RECORDED, "k2", "e1", "assessment_rules", "2026-11-15", "filed_late"),
]


def test_filed_systems_count_each_divisions_two_default_items_filed_by_the_periods_end() -> None:
    a = tenant_indicators(
        NOVEMBER,
        entries=[],
        registry=REGISTRY,
        divisions=A_DIVISIONS,
        filings=filings(*A_FILINGS),
        today=AFTER,
    )
    # A, November: d1 and d2 × 2 = 4 pairs due; d1's two filed (f2 late); d2's withdrawn (f3),
    # filed after the month (f4) or not a default item (f5).
    assert (a.tenant.filed_systems, a.tenant.filed_late) == (Ratio(2, 4), 1)
    assert a.tenant.filed_systems.percent == Decimal("50.00")
    by_id = {row.division_id: row.indicators for row in a.divisions}
    assert sorted(by_id) == ["d1", "d2"]
    assert (by_id["d1"].filed_systems, by_id["d1"].filed_late) == (Ratio(2, 2), 1)
    assert (by_id["d2"].filed_systems, by_id["d2"].filed_late) == (Ratio(0, 2), 0)
    b = tenant_indicators(
        NOVEMBER, entries=[], registry=B_REGISTRY, filings=filings(*B_FILINGS), today=AFTER
    )
    # B, November: e1 × 2 = 2 pairs, both filed (k1 on the last day), k2 late.
    assert (b.tenant.filed_systems, b.tenant.filed_late) == (Ratio(2, 2), 1)
    assert b.tenant.filed_systems.percent == Decimal("100.00")


def test_a_quarter_counts_the_filings_and_divisions_of_its_last_day() -> None:
    quarter = period_of_label("2026-Q4")
    assert isinstance(quarter, Period)
    a = tenant_indicators(
        quarter,
        entries=[],
        registry=REGISTRY,
        divisions=A_DIVISIONS,
        filings=filings(*A_FILINGS),
        today=AFTER,
    )
    # d1, d2 and d3 (registered 5 December) × 2 = 6; d1's two and d2's f4 (2 December).
    assert (a.tenant.filed_systems, a.tenant.filed_late) == (Ratio(3, 6), 1)
    by_id = {row.division_id: row.indicators.filed_systems for row in a.divisions}
    assert by_id == {"d1": Ratio(2, 2), "d2": Ratio(1, 2), "d3": Ratio(0, 2)}


def test_a_filing_withdrawn_and_filed_again_counts_once_as_filed_again() -> None:
    again = filings(
        (RECORDED, "k1", "e1", "management_rules", "2026-10-20", "filed_late"),
        (WITHDRAWN, "k1", "e1", "management_rules", "2026-10-20", "missing"),
        (RECORDED, "k3", "e1", "management_rules", "2026-11-02", "filed"),
    )
    found = tenant_indicators(
        NOVEMBER, entries=[], registry=B_REGISTRY, filings=again, today=AFTER
    ).tenant
    assert (found.filed_systems, found.filed_late) == (Ratio(1, 2), 0)
