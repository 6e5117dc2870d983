"""Fact adjustments: an accepted appeal's value replaces the bridge's for one subject and
input, traced first as source "appeal"; the same appeal adjusting again changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from services.scoring.domain import adjustments
from services.scoring.domain.bridge import FactsWithTrace, TraceItem
from services.scoring.domain.facts import Facts, SubjectFacts

AT = datetime(2025, 10, 13, 6, 0, tzinfo=UTC)
LEDGER = TraceItem("ledger", "entry-1", "1", metric="intake.worker_reports_valid")


def bridged() -> FactsWithTrace:
    facts = Facts(
        period="2025-09",
        shared={},
        subjects=(
            SubjectFacts("w1", "网格员1", {"valid_info_reports": Decimal(5)}),
            SubjectFacts("w2", "网格员2", {"valid_info_reports": Decimal(9)}),
        ),
    )
    trace = {("w1", "valid_info_reports"): (LEDGER,), ("w2", "valid_info_reports"): ()}
    return FactsWithTrace(facts, trace)


def adjusted(found=None, appeal_id="ap-1", value="7"):
    return adjustments.adjust(
        found,
        adjustment_id="fa-1",
        scheme_id="shanhu",
        period="2025-09",
        subject_id="w1",
        input_id="valid_info_reports",
        value=value,
        appeal_id=appeal_id,
        reason="两条有效信息漏计",
        evidence_ids=["ev-1"],
        replaced="5",
        actor="u-centre",
        at=AT,
    )


def test_the_adjusted_value_replaces_the_bridges_for_that_subject_only():
    result = adjustments.apply(bridged(), [adjusted()])
    values = {s.id: dict(s.values) for s in result.facts.subjects}
    assert values == {
        "w1": {"valid_info_reports": "7"},
        "w2": {"valid_info_reports": Decimal(9)},
    }
    first, second = result.trace[("w1", "valid_info_reports")]
    assert (first.source, first.ref, first.value, first.note) == (
        "appeal",
        "ap-1",
        "7",
        "两条有效信息漏计",
    )
    assert first.attributes["replaced"] == "5"
    assert second is LEDGER
    assert result.trace[("w2", "valid_info_reports")] == ()


def test_no_adjustment_leaves_the_facts_as_they_are():
    found = bridged()
    assert adjustments.apply(found, []) is found


def test_an_adjustment_of_a_subject_not_in_the_period_is_left_out():
    other = adjusted()
    other = type(other)(
        other.adjustment_id, "shanhu", "2025-09", "w9", "valid_info_reports", other.revisions
    )
    result = adjustments.apply(bridged(), [other])
    assert [dict(s.values) for s in result.facts.subjects] == [
        dict(s.values) for s in bridged().facts.subjects
    ]


def test_a_later_appeal_adds_a_revision_and_the_same_one_adds_none():
    first = adjusted()
    assert adjusted(first) is first
    second = adjusted(first, appeal_id="ap-2", value="8")
    assert [(r.revision, r.appeal_id, r.value) for r in second.revisions] == [
        (1, "ap-1", "7"),
        (2, "ap-2", "8"),
    ]
    assert second.value == "8"
