"""Interviews, results files and review on the real FerretDB: flags (duplicate household,
incomplete, too fast), idempotent retries, replacements from an interview, worker ratings
attached to the grid's worker, and only approved answers counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.survey.domain.rates import Source
from services.survey.domain.responses import Flag, Review
from services.survey.domain.sampling import MemberStatus
from services.survey.tests.integration.campaign_support import answers, drawn_campaign
from services.survey.use_cases import campaigns, responses
from shared.errors import InvalidInput, StateConflict
from shared.testing.workbooks import xlsx

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC)


def interview(work, code: str, request_id: str, **changes):
    values = {
        "campaign_id": work.campaign.campaign_id,
        "respondent_code": code,
        "outcome": "completed",
        "request_id": request_id,
        "answers": answers(),
        "started_at": NOW - timedelta(minutes=5),
        "finished_at": NOW - timedelta(minutes=1),
    }
    values.update(changes)
    return responses.enter_interview(work.ctx, **values)


def test_a_completed_interview_is_recorded_once_per_request_id(fresh_db):
    work = drawn_campaign(per_grid=5, quota=2)
    first = interview(work, "G01-001", "req-1")
    assert first.created
    assert first.response is not None
    response = first.response
    assert (response.channel.value, response.duration_seconds, response.flags) == (
        "phone",
        240,
        frozenset(),
    )
    assert (response.credit, response.satisfaction_option) == (Decimal(1), "satisfied")
    again = interview(work, "G01-001", "req-1")
    assert (again.created, again.response.response_id) == (False, response.response_id)
    member = work.ctx.samples.by_code(work.campaign.campaign_id, "G01-001")
    assert member is not None
    assert member.status is MemberStatus.ANSWERED


def test_a_second_answer_for_the_household_is_flagged_duplicate(fresh_db):
    work = drawn_campaign(per_grid=5, quota=2)
    interview(work, "G01-001", "req-1")
    second = interview(work, "G01-001", "req-2")
    assert second.created
    assert second.response is not None
    assert second.response.flags == frozenset({Flag.DUPLICATE})


def test_incomplete_and_too_fast_interviews_are_flagged(fresh_db):
    work = drawn_campaign(per_grid=5, quota=3)
    partial = interview(work, "G01-001", "r1", answers={"sat": "unsatisfied"})
    assert partial.response is not None
    assert partial.response.flags == frozenset({Flag.INCOMPLETE})
    assert partial.response.credit == Decimal(0)
    hurried = interview(
        work, "G01-002", "r2", started_at=NOW - timedelta(seconds=20), finished_at=NOW
    )
    assert hurried.response is not None
    assert hurried.response.flags == frozenset({Flag.TOO_FAST})


def test_answers_that_break_the_questionnaire_are_refused_naming_them(fresh_db):
    work = drawn_campaign(per_grid=5, quota=2)
    with pytest.raises(InvalidInput) as caught:
        interview(work, "G01-001", "r1", answers={"sat": "delighted", "score": 9, "nope": 1})
    assert sorted(p.field for p in caught.value.problems) == [
        "answers.nope",
        "answers.sat",
        "answers.score",
    ]


def test_an_unreachable_respondent_is_replaced_and_the_retry_changes_nothing(fresh_db):
    work = drawn_campaign(per_grid=3, quota=2)
    done = interview(work, "G02-002", "r1", outcome="unreachable", answers=None)
    assert (done.created, done.member_status, done.replaced_by) == (
        True,
        MemberStatus.REPLACED,
        "G02-003",
    )
    again = interview(work, "G02-002", "r1", outcome="unreachable", answers=None)
    assert (again.created, again.replaced_by) == (False, "G02-003")
    # No reserve left: the outcome stays the status.
    last = interview(work, "G02-001", "r2", outcome="refused", answers=None)
    assert (last.member_status, last.replaced_by) == (MemberStatus.REFUSED, None)
    with pytest.raises(StateConflict):
        interview(work, "G02-001", "r3")


def test_interviews_need_an_open_campaign(fresh_db):
    work = drawn_campaign(per_grid=3, quota=1, opened=False)
    with pytest.raises(StateConflict, match="only while it is open"):
        interview(work, "G01-001", "r1")
    campaigns.open_campaign(work.ctx, campaign_id=work.campaign.campaign_id)
    campaigns.close_campaign(work.ctx, campaign_id=work.campaign.campaign_id)
    with pytest.raises(StateConflict):
        interview(work, "G01-001", "r1")


def test_a_worker_rating_is_attached_to_the_grids_worker(fresh_db):
    work = drawn_campaign(per_grid=3, quota=1, kind="worker_rating")
    done = interview(work, "G03-001", "r1")
    assert done.response is not None
    assert (done.response.source, done.response.worker_id) == (Source.WORKER_RATING, "w-3")


def test_only_approved_answers_count(fresh_db):
    work = drawn_campaign(per_grid=4, quota=4)
    ids = {}
    for n, option in enumerate(["satisfied", "basically_satisfied", "unsatisfied", "satisfied"]):
        found = interview(work, f"G01-00{n + 1}", f"r{n}", answers=answers(sat=option))
        assert found.response is not None
        ids[n] = found.response.response_id
    flagged = interview(work, "G02-001", "rf", answers={"sat": "satisfied"})
    assert flagged.response is not None
    assert work.ctx.responses.rated_answers("2026-Q4", Source.SURVEY) == []
    cleaned = responses.approve_clean(work.ctx, campaign_id=work.campaign.campaign_id)
    assert (cleaned.approved, cleaned.skipped) == (4, 0)
    rejected = responses.review_response(
        work.ctx, response_id=ids[3], decision="reject", reason="答题人非本户居民"
    )
    assert rejected.review is Review.REJECTED
    rated = work.ctx.responses.rated_answers("2026-Q4", Source.SURVEY)
    assert sorted(answer.credit for answer in rated) == [Decimal(0), Decimal("0.5"), Decimal(1)]
    assert {answer.grid_id for answer in rated} == {"g-1"}
    assert work.ctx.responses.rated_answers("2026-Q4", Source.WORKER_RATING) == []
    # The flagged one waits for a person; approving it by hand counts it.
    responses.review_response(
        work.ctx, response_id=flagged.response.response_id, decision="approve"
    )
    assert len(work.ctx.responses.rated_answers("2026-Q4", Source.SURVEY)) == 4


RESULT_HEADER = (
    "样本编号",
    "访问结果",
    "开始时间",
    "结束时间",
    "sat",
    "您最关心哪些方面？",
    "score",
)


def test_a_results_file_records_answers_and_outcomes_and_again_changes_nothing(fresh_db):
    work = drawn_campaign(per_grid=4, quota=2)
    started = (NOW - timedelta(hours=2)).astimezone(UTC).replace(tzinfo=None) + timedelta(hours=8)
    start_text = started.strftime("%Y-%m-%d %H:%M:%S")
    end_text = (started + timedelta(minutes=6)).strftime("%Y-%m-%d %H:%M:%S")
    data = xlsx(
        RESULT_HEADER,
        ("G01-001", "完成", start_text, end_text, "满意", "社会治安、环境卫生", 5),
        ("G01-002", "完成", "", "", "基本满意", "", 4),
        ("G02-001", "拒访", "", "", "", "", ""),
        ("G02-002", "完成", "", "", "非常满意", "", 3),
        ("G03-001", "完成", "", "", "满意", "", ""),
        ("G09-001", "完成", "", "", "满意", "", 5),
        ("G04-001", "完成", "", "", "满意", "", 5),
        ("G04-001", "完成", "", "", "满意", "", 5),
    )
    report = responses.import_results(
        work.ctx, campaign_id=work.campaign.campaign_id, data=data, filename="结果.xlsx"
    )
    outcomes = [(row.key, row.outcome.value) for row in report.rows]
    assert outcomes == [
        ("G01-001", "created"),
        ("G01-002", "created"),
        ("G02-001", "created"),
        ("G02-002", "rejected"),
        ("G03-001", "created"),
        ("G09-001", "rejected"),
        ("G04-001", "rejected"),
        ("G04-001", "rejected"),
    ]
    problems = {row.number: [p.column for p in row.problems] for row in report.rows}
    assert problems[5] == ["sat"]
    listed = responses.list_responses(
        work.ctx, campaign_id=work.campaign.campaign_id, offset=0, limit=50
    )
    by_flags = sorted(sorted(f.value for f in r.flags) for r in listed.items)
    assert by_flags == [[], [], ["incomplete"]]
    timed = [r for r in listed.items if r.duration_seconds is not None]
    assert [r.duration_seconds for r in timed] == [360]
    again = responses.import_results(
        work.ctx, campaign_id=work.campaign.campaign_id, data=data, filename="结果.xlsx"
    )
    assert [row.outcome.value for row in again.rows][:5] == [
        "unchanged",
        "unchanged",
        "unchanged",
        "rejected",
        "unchanged",
    ]
