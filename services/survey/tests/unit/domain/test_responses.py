"""Responses: flags, review decisions and their payloads (no answers, no respondent), the
resident form read as hostile input, results-file cells, interview durations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from services.survey.domain import responses as domain
from services.survey.domain.questionnaires import (
    Option,
    Question,
    QuestionKind,
    QuestionnaireVersion,
    VersionStatus,
    check_answers,
)
from services.survey.domain.rates import Source
from services.survey.domain.responses import Channel, Flag, Review
from shared.errors import InvalidInput
from shared.registry.model import Membership

NOW = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
VERSION = QuestionnaireVersion(
    questionnaire_id="q-1",
    version=1,
    name="满意度",
    description="",
    questions=(
        Question(
            key="sat",
            kind=QuestionKind.SINGLE,
            label="您对网格服务满意吗？",
            options=(
                Option("satisfied", "满意"),
                Option("basically_satisfied", "基本满意"),
                Option("unsatisfied", "不满意"),
            ),
        ),
        Question(
            key="topics",
            kind=QuestionKind.MULTIPLE,
            label="您关心哪些方面？",
            required=False,
            options=(Option("safety", "治安"), Option("clean", "环境卫生")),
        ),
        Question(key="score", kind=QuestionKind.RATING, label="打分", scale_max=5),
        Question(key="note", kind=QuestionKind.TEXT, label="建议", required=False, max_length=200),
    ),
    satisfaction_key="sat",
    credits={
        "satisfied": Decimal(1),
        "basically_satisfied": Decimal("0.5"),
        "unsatisfied": Decimal(0),
    },
    status=VersionStatus.PUBLISHED,
)
RECEIVED = domain.Received(
    campaign_id="c-1",
    period_kind="quarter",
    period="2026-Q4",
    source=Source.SURVEY,
    grid_id="g-1",
    division_id="div-1",
    worker_id=None,
    channel=Channel.WEB,
    questionnaire_id="q-1",
    questionnaire_version=1,
)


def receive(**changes: object) -> domain.Response:
    values: dict[str, object] = {
        "response_id": "r-1",
        "tenant_id": "tenant-a",
        "answers": {"sat": "satisfied", "score": 4},
        "complete": True,
        "satisfaction_option": "satisfied",
        "credit": Decimal(1),
        "duration_seconds": 95,
        "min_answer_seconds": 30,
        "duplicate": False,
        "household_key": "h1:x",
        "now": NOW,
        "zone_day": date(2026, 10, 9),
    }
    values.update(changes)
    return domain.receive(RECEIVED, **values)  # type: ignore[arg-type]


def test_a_clean_response_has_no_flag_and_waits_for_review() -> None:
    response = receive()
    assert response.flags == frozenset()
    assert response.review is Review.RECEIVED
    assert domain.clean(response)
    assert not response.counts


@pytest.mark.parametrize(
    ("changes", "flags"),
    [
        ({"duplicate": True}, {Flag.DUPLICATE}),
        ({"complete": False}, {Flag.INCOMPLETE}),
        ({"duration_seconds": 29}, {Flag.TOO_FAST}),
        ({"duration_seconds": None, "unsigned": True}, {Flag.TOO_FAST}),
        ({"duration_seconds": None}, set()),  # a file without times: nothing to judge
        ({"duplicate": True, "complete": False, "duration_seconds": 3}, set(Flag)),
    ],
)
def test_flags(changes: dict[str, object], flags: set[Flag]) -> None:
    response = receive(**changes)
    assert response.flags == frozenset(flags)
    assert domain.clean(response) is not flags


def test_approval_counts_and_publishes_facts_but_no_answer() -> None:
    approved, event = domain.review(
        receive(), decision="approve", reason=None, actor="u-centre", now=NOW
    )
    assert approved.review is Review.APPROVED
    assert approved.counts
    assert event is not None
    assert event.type == "response.approved"
    payload = event.payload()
    assert payload == {
        "response_id": "r-1",
        "campaign_id": "c-1",
        "period_kind": "quarter",
        "period": "2026-Q4",
        "source": "survey",
        "grid_id": "g-1",
        "division_id": "div-1",
        "worker_id": None,
        "channel": "web",
        "credit": "1",
        "review": "approved",
        "actor": "u-centre",
    }
    again, repeated = domain.review(
        approved, decision="approve", reason=None, actor="u-centre", now=NOW
    )
    assert (again, repeated) == (approved, None)


def test_a_rejection_needs_a_reason_and_can_be_turned_around() -> None:
    with pytest.raises(InvalidInput) as caught:
        domain.review(receive(), decision="reject", reason=" ", actor="u", now=NOW)
    assert [p.field for p in caught.value.problems] == ["reason"]
    rejected, event = domain.review(
        receive(), decision="reject", reason="同一住户重复作答", actor="u", now=NOW
    )
    assert (rejected.review, rejected.review_reason) == (Review.REJECTED, "同一住户重复作答")
    assert event is not None
    assert event.type == "response.rejected"
    assert "同一住户" not in str(event.payload())
    approved, _ = domain.review(rejected, decision="approve", reason=None, actor="u", now=NOW)
    assert (approved.review, approved.review_reason) == (Review.APPROVED, None)
    with pytest.raises(InvalidInput):
        domain.review(approved, decision="maybe", reason=None, actor="u", now=NOW)


def form(**fields: list[str]) -> dict[str, list[str]]:
    return {"t": ["123.sig"], **fields}


def test_a_form_becomes_answers_of_each_kind() -> None:
    answers, problems = domain.answers_from_form(
        VERSION,
        form(
            q_sat=["satisfied"],
            q_topics=["safety", "clean"],
            q_score=["4"],
            q_note=["路灯\r\n坏了"],
        ),
    )
    assert problems == ()
    assert answers == {
        "sat": "satisfied",
        "topics": ["safety", "clean"],
        "score": 4,
        "note": "路灯\r\n坏了",
    }
    check = check_answers(VERSION, answers)
    assert (check.complete, check.credit) == (True, Decimal(1))


def test_blank_fields_are_unanswered_not_wrong() -> None:
    answers, problems = domain.answers_from_form(VERSION, form(q_sat=[""], q_note=["  "]))
    assert (answers, problems) == ({}, ())
    assert not check_answers(VERSION, answers).complete


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"q_sat": ["satisfied\x00"]}, "q_sat"),
        ({"q_note": ["x" * (domain.FIELD_MAX + 1)]}, "q_note"),
        ({"q_evil": ["1"]}, "form"),
        ({"q_sat": ["satisfied", "unsatisfied"]}, "q_sat"),
        ({"q_score": ["4.5"]}, "q_score"),
        ({"q_score": ["99999999"]}, "q_score"),
    ],
)
def test_a_hostile_form_is_refused_naming_the_field(
    fields: dict[str, list[str]], field: str
) -> None:
    _, problems = domain.answers_from_form(VERSION, form(**fields))
    assert [problem.field for problem in problems] == [field]


def test_too_many_fields_are_refused_at_once() -> None:
    many = {f"q_{n}": ["1"] for n in range(domain.FORM_FIELDS_MAX + 1)}
    assert domain.answers_from_form(VERSION, many)[1][0].field == "form"


def test_unknown_options_pass_through_for_the_questionnaire_to_refuse() -> None:
    answers, problems = domain.answers_from_form(VERSION, form(q_sat=["delighted"]))
    assert problems == ()
    assert [p.field for p in check_answers(VERSION, answers).problems] == ["answers.sat"]


def test_results_file_cells_take_keys_or_labels() -> None:
    headers = {"sat": "sat", "topics": "topics", "score": "score", "note": "note"}
    answers, problems = domain.answers_from_cells(
        VERSION,
        {"sat": "基本满意", "topics": "治安、clean", "score": 5.0, "note": "很好"},
        headers,
    )
    assert problems == ()
    assert answers == {
        "sat": "basically_satisfied",
        "topics": ["safety", "clean"],
        "score": 5,
        "note": "很好",
    }
    _, problems = domain.answers_from_cells(
        VERSION, {"sat": "还行", "topics": "交通", "score": "五", "note": "a\x07b"}, headers
    )
    assert sorted(p.column or "" for p in problems) == ["note", "sat", "score", "topics"]


def test_result_times_without_zone_are_shanghai_time() -> None:
    parse = domain.instant()
    assert parse("2026-10-08 09:30") == datetime(2026, 10, 8, 1, 30, tzinfo=UTC)
    excel_cell = datetime(2026, 10, 8, 9, 30)  # noqa: DTZ001 - openpyxl gives naive local times
    assert parse(excel_cell) == datetime(2026, 10, 8, 1, 30, tzinfo=UTC)


def test_an_interview_duration_is_checked() -> None:
    start = NOW - timedelta(minutes=10)
    assert domain.check_duration(start, start + timedelta(seconds=95), NOW) == 95
    assert domain.check_duration(None, None, NOW) is None
    for started, finished, field in (
        (start, None, "finished_at"),
        (start, start - timedelta(seconds=1), "finished_at"),
        (start, NOW + timedelta(hours=1), "finished_at"),
        (start.replace(tzinfo=None), start, "started_at"),
    ):
        with pytest.raises(InvalidInput) as caught:
            domain.check_duration(started, finished, NOW)
        assert [p.field for p in caught.value.problems] == [field]


def test_a_worker_rating_rates_the_full_time_worker_first() -> None:
    def member(user: str | None, role: str) -> Membership:
        return Membership(f"m-{user}", "g-1", "div-1", user, role, date(2026, 1, 1), None)

    assert (
        domain.rated_worker([member("u-2", "grid_worker"), member("u-9", "full_time_worker")])
        == "u-9"
    )
    assert (
        domain.rated_worker([member(None, "full_time_worker"), member("u-3", "grid_worker")])
        == "u-3"
    )
    assert domain.rated_worker([member("u-4", "volunteer")]) is None
