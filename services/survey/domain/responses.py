"""Responses (答卷): answers received through a link, a phone interview or a results file,
their quality flags and the centre's review.

A response keeps what rates and review need and nothing that says who answered: the
campaign, period and source, the grid (and its division, and for a worker rating the grid's
worker on the answer's day), the channel, the answers, the satisfaction option and the credit
the questionnaire gives it, the duration, the flags and the review. Never a respondent code,
household reference, phone number or link; the day it came in, not the instant, so the order
of answers cannot be matched against the order links were used. One keyed tag of the household
(`household_key`, a tag of the frame's tag under its own purpose) finds a second answer from
the same household in the same period and source, and is never returned.

Flags: ``duplicate`` (the household answered before in this period and source), ``incomplete``
(a required question unanswered), ``too_fast`` (answered in less than the campaign's minimum
seconds, or, on the resident page, without the signed time the page was shown at). Review:
``received`` -> ``approved`` or ``rejected`` (with a reason); a decision can be changed. Only
approved responses count in rates, through `RatedAnswer`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from services.survey.domain.questionnaires import (
    TEXT_LIMIT,
    Question,
    QuestionKind,
    QuestionnaireVersion,
)
from services.survey.domain.rates import Source
from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput
from shared.registry.model import Membership
from shared.text import unsafe_text_reason
from shared.workbooks import CellError, RowProblem

REASON_MAX = 500
ID_MAX = 64
# What one answer or the whole form may hold: more is an attack, not an answer.
FIELD_MAX = TEXT_LIMIT
FORM_FIELDS_MAX = 200
FORM_VALUES_MAX = 400
TENANT_ZONE = ZoneInfo("Asia/Shanghai")
# Team roles (the registry's) whose member a worker rating rates, in order of preference.
WORKER_ROLES = ("full_time_worker", "grid_worker", "part_time_worker")
FIELD_PREFIX = "q_"
STAMP_FIELD = "t"
_CELL_SEPARATORS = ",，、;；"


class Channel(StrEnum):
    WEB = "web"  # the resident's one-time link
    PHONE = "phone"  # an interviewer's phone interview
    FILE = "file"  # the survey firm's results file


class Review(StrEnum):
    RECEIVED = "received"
    APPROVED = "approved"
    REJECTED = "rejected"


class Flag(StrEnum):
    DUPLICATE = "duplicate"
    INCOMPLETE = "incomplete"
    TOO_FAST = "too_fast"


class InterviewOutcome(StrEnum):
    COMPLETED = "completed"  # 完成
    REFUSED = "refused"  # 拒访
    UNREACHABLE = "unreachable"  # 无法联系


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


CHANNEL_VALUES = tuple(channel.value for channel in Channel)
REVIEW_VALUES = tuple(review.value for review in Review)
FLAG_VALUES = tuple(flag.value for flag in Flag)
DECISION_VALUES = tuple(decision.value for decision in Decision)
INTERVIEW_OUTCOME_VALUES = tuple(outcome.value for outcome in InterviewOutcome)


@dataclass(frozen=True)
class Response:
    """One received set of answers; ``revision`` 0 means not stored yet."""

    response_id: str
    tenant_id: str
    campaign_id: str
    period_kind: str
    period: str
    source: Source
    grid_id: str
    division_id: str | None
    worker_id: str | None
    channel: Channel
    questionnaire_id: str
    questionnaire_version: int
    answers: Mapping[str, Any]
    satisfaction_option: str | None
    credit: Decimal | None
    duration_seconds: int | None
    flags: frozenset[Flag]
    received_on: date
    household_key: str | None = None
    review: Review = Review.RECEIVED
    review_reason: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    revision: int = 0

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def counts(self) -> bool:
        """Counted in rates: approved, with a satisfaction answer."""
        return self.review is Review.APPROVED and self.credit is not None


@dataclass(frozen=True, slots=True)
class Received:
    """Where an answer came from, as the channel established it."""

    campaign_id: str
    period_kind: str
    period: str
    source: Source
    grid_id: str
    division_id: str | None
    worker_id: str | None
    channel: Channel
    questionnaire_id: str
    questionnaire_version: int


def receive(
    received: Received,
    *,
    response_id: str,
    tenant_id: str,
    answers: Mapping[str, Any],
    complete: bool,
    satisfaction_option: str | None,
    credit: Decimal | None,
    duration_seconds: int | None,
    min_answer_seconds: int,
    unsigned: bool = False,
    duplicate: bool,
    household_key: str | None,
    now: datetime,
    zone_day: date,
) -> Response:
    """A new response in review state ``received`` with its flags (see the module)."""
    require_aware(now)
    flags: set[Flag] = set()
    if duplicate:
        flags.add(Flag.DUPLICATE)
    if not complete:
        flags.add(Flag.INCOMPLETE)
    if unsigned or (duration_seconds is not None and duration_seconds < min_answer_seconds):
        flags.add(Flag.TOO_FAST)
    return Response(
        response_id=response_id,
        tenant_id=tenant_id,
        campaign_id=received.campaign_id,
        period_kind=received.period_kind,
        period=received.period,
        source=received.source,
        grid_id=received.grid_id,
        division_id=received.division_id,
        worker_id=received.worker_id,
        channel=received.channel,
        questionnaire_id=received.questionnaire_id,
        questionnaire_version=received.questionnaire_version,
        answers=dict(answers),
        satisfaction_option=satisfaction_option,
        credit=credit,
        duration_seconds=duration_seconds,
        flags=frozenset(flags),
        received_on=zone_day,
        household_key=household_key,
    )


def review(
    response: Response, *, decision: str, reason: str | None, actor: str, now: datetime
) -> tuple[Response, ResponseEvent | None]:
    """The centre's decision (审核): approve, or reject with a reason (422 without one). The
    same decision again changes nothing (no event); the other one turns it around."""
    require_aware(now)
    if decision not in DECISION_VALUES:
        raise InvalidInput.of("decision", f"must be one of: {', '.join(DECISION_VALUES)}")
    text = reason.strip() if isinstance(reason, str) else ""
    if len(text) > REASON_MAX:
        raise InvalidInput.of("reason", f"must be at most {REASON_MAX} characters")
    if decision == Decision.REJECT.value and not text:
        raise InvalidInput.of("reason", "a rejection needs a reason")
    target = Review.APPROVED if decision == Decision.APPROVE.value else Review.REJECTED
    if response.review is target and (target is Review.APPROVED or text == response.review_reason):
        return response, None
    kept_reason = text if target is Review.REJECTED else None
    decided = replace(
        response,
        review=target,
        review_reason=kept_reason,
        reviewed_by=actor,
        reviewed_at=now,
    )
    event_type = ResponseApproved if target is Review.APPROVED else ResponseRejected
    return decided, event_type(response=decided, actor=actor, occurred_at=now)


def clean(response: Response) -> bool:
    """Received and unflagged: what ``approve-clean`` approves without a look."""
    return response.review is Review.RECEIVED and not response.flagged


# -- answers from a form or a results file -------------------------------------------------------


def field_name(question: Question) -> str:
    """The resident form's field of a question."""
    return f"{FIELD_PREFIX}{question.key}"


def _scalar(question: Question, values: Sequence[str]) -> tuple[Any, str | None]:
    """One form value of a single, rating or text question (None: unanswered)."""
    present = [value for value in values if value.strip()]
    if not present:
        return None, None
    if len(present) > 1:
        return None, "只能填写一个答案 / one answer only"
    value = present[0].strip()
    if question.kind is QuestionKind.RATING:
        if not value.isdigit() or len(value) > 3:
            return None, "请选择评分 / must be a score"
        return int(value), None
    return value, None


def answers_from_form(
    version: QuestionnaireVersion, form: Mapping[str, Sequence[str]]
) -> tuple[dict[str, Any], tuple[FieldProblem, ...]]:
    """The answers a resident's form carries, and what is wrong with the form itself (an
    unknown field, text that cannot be stored, a field too long or too many values): a form
    with problems is shown again, nothing recorded. Whether the answers fit the questionnaire
    is `check_answers`' business."""
    problems: list[FieldProblem] = []
    if len(form) > FORM_FIELDS_MAX or sum(len(v) for v in form.values()) > FORM_VALUES_MAX:
        return {}, (FieldProblem("form", "表单字段过多 / too many fields"),)
    by_field = {field_name(question): question for question in version.questions}
    for name, values in form.items():
        if name != STAMP_FIELD and name not in by_field:
            problems.append(FieldProblem("form", "表单含有未知字段 / unknown field"))
            continue
        for value in values:
            if len(value) > FIELD_MAX:
                problems.append(FieldProblem(name, f"内容过长 / longer than {FIELD_MAX}"))
                break
            multiline = name in by_field and by_field[name].kind is QuestionKind.TEXT
            reason = unsafe_text_reason(value, multiline=multiline)
            if reason is not None:
                problems.append(FieldProblem(name, f"含有不可保存的字符 / {reason}"))
                break
    if problems:
        return {}, tuple(_unique(problems))
    answers: dict[str, Any] = {}
    for name, question in by_field.items():
        values = list(form.get(name, ()))
        if question.kind is QuestionKind.MULTIPLE:
            chosen = [value.strip() for value in values if value.strip()]
            if chosen:
                answers[question.key] = chosen
            continue
        value, reason = _scalar(question, values)
        if reason is not None:
            problems.append(FieldProblem(name, reason))
        elif value is not None:
            answers[question.key] = value
    return answers, tuple(problems)


def _unique(problems: Iterable[FieldProblem]) -> list[FieldProblem]:
    seen: set[tuple[str, str]] = set()
    found: list[FieldProblem] = []
    for problem in problems:
        if (problem.field, problem.reason) not in seen:
            seen.add((problem.field, problem.reason))
            found.append(problem)
    return found


def question_header(question: Question) -> str:
    """A results file's column of a question: its key (its label is accepted too)."""
    return question.key


def _option_key(question: Question, raw: str) -> str | None:
    for option in question.options:
        if raw in (option.key, option.label):
            return option.key
    return None


def _rating_cell(question: Question, raw: str) -> tuple[Any, str | None]:
    if not raw.isdigit() or len(raw) > 3:
        return None, "应为整数评分 / must be a whole-number score"
    return int(raw), None


def _single_cell(question: Question, raw: str) -> tuple[Any, str | None]:
    key = _option_key(question, raw)
    if key is None:
        return None, "不是本题的选项 / not one of the question's options"
    return key, None


def _multiple_cell(question: Question, raw: str) -> tuple[Any, str | None]:
    for separator in _CELL_SEPARATORS[1:]:
        raw = raw.replace(separator, _CELL_SEPARATORS[0])
    keys: list[str] = []
    for part in (item.strip() for item in raw.split(_CELL_SEPARATORS[0])):
        if not part:
            continue
        key = _option_key(question, part)
        if key is None:
            return None, f"「{part}」不是本题的选项 / not one of the question's options"
        keys.append(key)
    return keys, None


def _text_cell(question: Question, raw: str) -> tuple[Any, str | None]:
    unsafe = unsafe_text_reason(raw, multiline=True)
    if unsafe is not None:
        return None, f"含有不可保存的字符 / {unsafe}"
    return raw, None


_CELLS: Mapping[QuestionKind, Callable[[Question, str], tuple[Any, str | None]]] = {
    QuestionKind.SINGLE: _single_cell,
    QuestionKind.MULTIPLE: _multiple_cell,
    QuestionKind.RATING: _rating_cell,
    QuestionKind.TEXT: _text_cell,
}


def answer_from_cell(question: Question, value: Any) -> tuple[Any, str | None]:
    """A results file's cell as the answer to ``question``: option keys or labels (several
    separated by 、 or commas for a multiple choice), a whole number for a rating, text.
    (None, reason) when it cannot be read; (None, None) when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = str(value).strip()
    if len(raw) > FIELD_MAX:
        return None, f"内容过长 / longer than {FIELD_MAX}"
    return _CELLS[question.kind](question, raw)


def answers_from_cells(
    version: QuestionnaireVersion, cells: Mapping[str, Any], header_of: Mapping[str, str]
) -> tuple[dict[str, Any], tuple[RowProblem, ...]]:
    """A results file row's answers (cells by question key) and its cell problems, each on
    the column it was read from (``header_of``: question key -> header)."""
    answers: dict[str, Any] = {}
    problems: list[RowProblem] = []
    for question in version.questions:
        value, reason = answer_from_cell(question, cells.get(question.key))
        if reason is not None:
            problems.append(RowProblem(header_of.get(question.key, question.key), reason))
        elif value is not None:
            answers[question.key] = value
    return answers, tuple(problems)


def instant() -> Callable[[Any], datetime]:
    """A results file's time cell: a date-time cell, or text as 2026-10-08 09:30[:00]; a time
    without a zone is Asia/Shanghai's (what the firm's interviewers wrote down)."""

    def parse(value: Any) -> datetime:
        if isinstance(value, datetime):
            moment = value
        else:
            raw = str(value).strip().replace("/", "-").replace("T", " ")
            try:
                moment = datetime.fromisoformat(raw)
            except ValueError:
                raise CellError("应为时间，如 2026-10-08 09:30 / must be a time") from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            moment = moment.replace(tzinfo=TENANT_ZONE)
        return moment

    return parse


def rated_worker(members: Sequence[Membership]) -> str | None:
    """The grid worker a worker rating rates: the first member with a login in a worker role
    (full-time before grid worker before part-time), by user id."""
    for role in WORKER_ROLES:
        found = sorted(m.user_id for m in members if m.role == role and m.user_id is not None)
        if found:
            return found[0]
    return None


def answers_json(answers: Mapping[str, Any]) -> str:
    """The stored form of a set of answers (key order kept: the questionnaire's)."""
    return json.dumps(answers, ensure_ascii=False, separators=(",", ":"))


def check_duration(
    started_at: datetime | None, finished_at: datetime | None, now: datetime
) -> int | None:
    """An interview's duration in whole seconds; 422 naming the field for times that cannot
    be (finished before started, in the future, naive)."""
    if started_at is None and finished_at is None:
        return None
    problems: list[FieldProblem] = []
    for name, moment in (("started_at", started_at), ("finished_at", finished_at)):
        if moment is None:
            problems.append(FieldProblem(name, "started_at and finished_at go together"))
        elif moment.tzinfo is None or moment.utcoffset() is None:
            problems.append(FieldProblem(name, "must carry a time zone"))
        elif (moment - now).total_seconds() > 300:
            problems.append(FieldProblem(name, "must not be in the future"))
    if problems:
        raise InvalidInput(problems)
    assert started_at is not None
    assert finished_at is not None
    seconds = (finished_at - started_at).total_seconds()
    if seconds < 0:
        raise InvalidInput.of("finished_at", "must not be before started_at")
    if seconds > 86_400:
        raise InvalidInput.of("finished_at", "an interview lasts at most a day")
    return int(seconds)


def decidable(responses: Collection[Response]) -> list[Response]:
    """The clean ones (see `clean`), in id order."""
    return sorted((r for r in responses if clean(r)), key=lambda r: r.response_id)


# -- events -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseEvent:
    """A review decision; ``response`` is its state afterwards. The payload carries ids,
    period, source, place, worker and credit: never an answer or anything of the respondent."""

    response: Response
    actor: str
    occurred_at: datetime

    type: ClassVar[str]
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.response.response_id

    def payload(self) -> dict[str, Any]:
        response = self.response
        return {
            "response_id": response.response_id,
            "campaign_id": response.campaign_id,
            "period_kind": response.period_kind,
            "period": response.period,
            "source": response.source.value,
            "grid_id": response.grid_id,
            "division_id": response.division_id,
            "worker_id": response.worker_id,
            "channel": response.channel.value,
            "credit": None if response.credit is None else str(response.credit),
            "review": response.review.value,
            "actor": self.actor,
        }


@dataclass(frozen=True)
class ResponseApproved(ResponseEvent):
    type: ClassVar[str] = "response.approved"


@dataclass(frozen=True)
class ResponseRejected(ResponseEvent):
    type: ClassVar[str] = "response.rejected"
