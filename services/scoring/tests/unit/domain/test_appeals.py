"""Appeals: the window and the review deadline on the working-day calendar, the lines and the
facts behind them, and the state rules (one decision, corrections only of facts behind the
line, overdue marked once). Dates worked out by hand on the 2025 National Day calendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from services.scoring.domain import appeals
from services.scoring.domain.appeals import (
    AppealSettings,
    Correction,
    Evidence,
    LineKind,
    Outcome,
    Status,
)
from services.scoring.templates import load_template
from shared.calendar import WorkCalendar
from shared.errors import InvalidInput, StateConflict
from shared.events.contracts import validate_payload

SEED_004 = load_template("seed_004_shanhu_street_full_time_worker")
SEED_002 = load_template("seed_002_township_grid_worker")
CHINA = WorkCalendar()
# Published Tuesday 2025-09-30, the eve of the National Day holiday (Oct 1-8; Sunday Sep 28
# and Saturday Oct 11 are make-up working days).
PUBLISHED_AT = datetime(2025, 9, 30, 2, 0, tzinfo=UTC)
PUBLISHED_ON = date(2025, 9, 30)


def filed(today: date = date(2025, 10, 9), **changes: object):
    arguments = {
        "appeal_id": "ap-1",
        "request_id": "r-1",
        "scheme": SEED_004,
        "period": "2025-09",
        "period_kind": "month",
        "subject_id": "w3",
        "line": "info_subsidy",
        "edition": 1,
        "published_at": PUBLISHED_AT,
        "text": "违建是上月的，已上报",
        "actor": "w3",
        "now": datetime.combine(today, datetime.min.time(), tzinfo=UTC),
        "today": today,
        "published_on": PUBLISHED_ON,
        "settings": AppealSettings(),
    } | changes
    return appeals.file(**arguments)


def fields_of(error: InvalidInput) -> list[str]:
    return [problem.field for problem in error.problems]


# -- the calendar ----------------------------------------------------------------------------


def test_the_window_counts_working_days_across_the_holiday_and_its_make_up_saturday():
    # Oct 9 (Thu), 10 (Fri), 11 (make-up Sat), 13 (Mon), 14 (Tue): the fifth is the 14th.
    assert appeals.window_ends_on(PUBLISHED_ON, AppealSettings(), CHINA) == date(2025, 10, 14)
    # In a plain week: published Monday 2026-03-02, five working days end Monday the 9th.
    assert appeals.window_ends_on(date(2026, 3, 2), AppealSettings(), CHINA) == date(2026, 3, 9)


def test_the_review_deadline_counts_from_the_filing_day():
    # Filed Friday 2025-10-10: 11 (Sat, working), 13, 14, 15, 16 -> due Thursday the 16th.
    due = appeals.review_due_on(date(2025, 10, 10), AppealSettings(review_days=5), CHINA)
    assert due == date(2025, 10, 16)
    # Filed on a holiday (Oct 3): the first working day after is the 9th.
    assert appeals.review_due_on(date(2025, 10, 3), AppealSettings(review_days=1), CHINA) == date(
        2025, 10, 9
    )


def test_an_appeal_is_taken_on_the_windows_last_day_and_refused_the_day_after():
    appeal, event = filed(today=date(2025, 10, 14))
    assert (appeal.window_ends_on, appeal.due_on) == (date(2025, 10, 14), date(2025, 10, 21))
    assert (appeal.status, appeal.line_kind, appeal.subject_kind) == (
        Status.OPEN,
        LineKind.MONEY,
        "worker",
    )
    assert event.type == "appeal.filed"
    with pytest.raises(InvalidInput) as refused:
        filed(today=date(2025, 10, 15))
    assert fields_of(refused.value) == ["period"]
    assert "2025-10-14" in refused.value.problems[0].reason


def test_a_tenants_shorter_window_closes_earlier():
    with pytest.raises(InvalidInput) as refused:
        filed(today=date(2025, 10, 10), settings=AppealSettings(window_days=1))
    assert fields_of(refused.value) == ["period"]


def test_a_line_the_scheme_does_not_have_and_an_empty_text_are_named():
    with pytest.raises(InvalidInput) as refused:
        filed(line="speeding", text="  ")
    assert fields_of(refused.value) == ["line", "text"]


@pytest.mark.parametrize(("window", "review"), [(0, 5), (5, 61), (True, 5)])
def test_settings_are_whole_days_within_bounds(window, review):
    with pytest.raises(InvalidInput):
        AppealSettings(window_days=window, review_days=review)


# -- the facts behind a line -----------------------------------------------------------------


def test_a_money_rule_reads_the_inputs_its_amount_and_conditions_name():
    assert appeals.inputs_behind(SEED_004, "info_subsidy") == {
        "valid_info_reports",
        "unreported_violation",
    }
    assert appeals.inputs_behind(SEED_004, "patrol_subsidy") == {
        "patrol_failing_days",
        "meeting_absences_unexcused",
    }
    assert appeals.inputs_behind(SEED_004, "nothing") == frozenset()


def test_a_money_rule_paying_by_total_or_grade_reads_every_indicators_inputs():
    behind = appeals.inputs_behind(SEED_002, "subsidy")
    for indicator in SEED_002.indicators:
        assert appeals.inputs_behind(SEED_002, indicator.id) <= behind


# -- deciding --------------------------------------------------------------------------------

DECIDED_AT = datetime(2025, 10, 13, 6, 0, tzinfo=UTC)


def decide(appeal, outcome=Outcome.ACCEPTED, corrections=None, reason="核实属实"):
    return appeals.decide(
        appeal,
        scheme=SEED_004,
        outcome=outcome,
        reason=reason,
        corrections=(
            [Correction("unreported_violation", False, "manual", "true")]
            if corrections is None
            else corrections
        ),
        actor="u-centre",
        now=DECIDED_AT,
    )


def test_a_rejection_is_final_at_once_and_an_acceptance_waits_for_its_edition():
    appeal, _ = filed()
    rejected, events = decide(appeal, Outcome.REJECTED, corrections=[])
    assert rejected.status is Status.REJECTED
    assert rejected.republished
    [event] = events
    assert event.payload()["outcome"] == "rejected"
    assert event.payload()["correction_edition"] is None

    accepted, events = decide(appeal)
    assert accepted.status is Status.ACCEPTED
    assert not accepted.republished
    assert events == []
    done, event = appeals.record_edition(accepted, 2, DECIDED_AT)
    assert done.correction_edition == 2
    assert done.republished
    assert event.payload()["corrected_inputs"] == ["unreported_violation"]
    assert event.payload()["correction_edition"] == 2


def test_an_appeal_is_decided_once():
    appeal, _ = filed()
    rejected, _ = decide(appeal, Outcome.REJECTED, corrections=[])
    with pytest.raises(StateConflict):
        decide(rejected)
    with pytest.raises(StateConflict):
        appeals.record_edition(rejected, 2, DECIDED_AT)


@pytest.mark.parametrize(
    ("outcome", "corrections", "field"),
    [
        (Outcome.REJECTED, [Correction("unreported_violation", False, "manual")], "corrections"),
        (Outcome.ACCEPTED, [], "corrections"),
        # behind the patrol subsidy, not the information subsidy
        (
            Outcome.ACCEPTED,
            [Correction("meeting_absences_unexcused", "0", "platform")],
            "corrections.0.input_id",
        ),
        (
            Outcome.ACCEPTED,
            [Correction("no_such_input", "1", "platform")],
            "corrections.0.input_id",
        ),
        (
            Outcome.ACCEPTED,
            [
                Correction("valid_info_reports", "20", "platform"),
                Correction("valid_info_reports", "21", "platform"),
            ],
            "corrections.1.input_id",
        ),
    ],
)
def test_a_decision_that_does_not_fit_the_line_is_refused(outcome, corrections, field):
    appeal, _ = filed()
    with pytest.raises(InvalidInput) as refused:
        decide(appeal, outcome, corrections)
    assert fields_of(refused.value) == [field]


def test_an_empty_reason_is_refused():
    appeal, _ = filed()
    with pytest.raises(InvalidInput) as refused:
        decide(appeal, reason=" ")
    assert fields_of(refused.value) == ["reason"]


# -- overdue and evidence --------------------------------------------------------------------


def test_an_undecided_appeal_is_overdue_after_its_due_day_and_marked_once():
    appeal, _ = filed(today=date(2025, 10, 9))  # due 2025-10-15 (10, 11 Sat, 13, 14, 15)
    assert appeal.due_on == date(2025, 10, 15)
    assert not appeal.is_overdue(date(2025, 10, 15))
    assert appeal.is_overdue(date(2025, 10, 16))
    with pytest.raises(StateConflict):
        appeals.mark_overdue(appeal, today=date(2025, 10, 15), now=DECIDED_AT)
    marked, event = appeals.mark_overdue(appeal, today=date(2025, 10, 16), now=DECIDED_AT)
    assert event.payload()["due_on"] == "2025-10-15"
    with pytest.raises(StateConflict):
        appeals.mark_overdue(marked, today=date(2025, 10, 18), now=DECIDED_AT)
    rejected, _ = decide(appeal, Outcome.REJECTED, corrections=[])
    assert not rejected.is_overdue(date(2025, 10, 30))


def test_evidence_is_taken_while_open_up_to_the_limit():
    appeal, _ = filed()
    item = Evidence("ev-1", "image/png", 10, "0" * 64, "a.png", "w3", DECIDED_AT)
    for n in range(appeals.EVIDENCE_MAX):
        appeal = appeals.add_evidence(appeal, replace(item, evidence_id=f"ev-{n}"))
    with pytest.raises(StateConflict):
        appeals.add_evidence(appeal, item)
    rejected, _ = decide(filed()[0], Outcome.REJECTED, corrections=[])
    with pytest.raises(StateConflict):
        appeals.add_evidence(rejected, item)


def test_events_fit_their_contracts_and_carry_no_text():
    appeal, event_filed = filed()
    accepted, _ = decide(appeal)
    _, event_decided = appeals.record_edition(accepted, 2, DECIDED_AT)
    _, event_overdue = appeals.mark_overdue(appeal, today=date(2025, 10, 30), now=DECIDED_AT)
    for event in (event_filed, event_decided, event_overdue):
        payload = event.payload()
        validate_payload(event.type, event.version, payload)
        assert appeal.text not in str(payload)
        assert "核实属实" not in str(payload)
        assert event.aggregate_id == "ap-1"
