"""Response use cases (答卷): phone interviews, the survey firm's results file, and the centre's
review.

Every channel records an answer the same way (`record_answer`): the questionnaire version the
campaign asks judges it, the flags are set (duplicate household in the period and source,
incomplete, too fast), the grid's worker is attached for a worker rating, and the response is
inserted under an id derived from what may answer once (the link, the interview's client
request, the file's respondent code), so a retry or a race records one response. The member
is then marked answered.

Review: only the centre reads responses (answers, flags, review state; never who answered) and
decides them; ``approve-clean`` approves every received, unflagged one at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.survey.domain import responses as domain
from services.survey.domain.campaigns import Campaign, CampaignKind, check_takes_answers
from services.survey.domain.questionnaires import (
    AnswerCheck,
    QuestionnaireVersion,
    check_answers,
)
from services.survey.domain.responses import Channel, Response
from services.survey.domain.sampling import MemberStatus, Outcome, SampleMember, answered
from services.survey.use_cases.campaigns import require_campaign, retried
from services.survey.use_cases.context import SurveyContext
from services.survey.use_cases.samples import replace_member, require_member
from shared.errors import Conflict, InvalidInput, NotFound, StateConflict
from shared.mongo import ConcurrentUpdate, Page
from shared.registry.model import local_day
from shared.workbooks import (
    Column,
    ImportReport,
    Row,
    RowOutcome,
    RowProblem,
    RowReport,
    choice,
    read_upload,
    text,
)

_RETRIES = 3


@dataclass(frozen=True)
class Recorded:
    """A response and whether this request recorded it (False: it was recorded before)."""

    response: Response
    created: bool


def version_of(ctx: SurveyContext, campaign: Campaign) -> QuestionnaireVersion:
    """The published questionnaire version the campaign asks."""
    return ctx.questionnaires.published_version(
        campaign.questionnaire_id, campaign.questionnaire_version
    )


def mark_answered(ctx: SurveyContext, member: SampleMember) -> None:
    """The member's link is spent. A member changed meanwhile is re-read; one no longer
    pending (answered by another channel, replaced) keeps its state."""
    current: SampleMember | None = member
    for _ in range(_RETRIES):
        if current is None or current.status is not MemberStatus.PENDING:
            return
        try:
            ctx.samples.save_member(answered(current))
            return
        except ConcurrentUpdate:
            current = ctx.samples.find(member.member_id)


def record_answer(
    ctx: SurveyContext,
    campaign: Campaign,
    member: SampleMember,
    *,
    channel: Channel,
    response_id: str,
    answers: Mapping[str, Any],
    check: AnswerCheck,
    duration_seconds: int | None,
    unsigned: bool = False,
    mark_member: bool = True,
    now: datetime,
) -> Recorded:
    """Insert the response (see the module) and mark the member answered (unless
    ``mark_member`` is False: the caller does it later, see `use_cases.resident`). A response
    id recorded before answers that response (``created`` False) and changes nothing."""
    household_key = ctx.responses.response_key(member.household_key)
    duplicate = member.status is MemberStatus.ANSWERED or ctx.responses.answered_before(
        campaign.period.label, campaign.source, household_key
    )
    day = local_day(now)
    worker_id = None
    if campaign.kind is CampaignKind.WORKER_RATING:
        worker_id = domain.rated_worker(ctx.registry.members_of(member.grid_id, day))
    response = domain.receive(
        domain.Received(
            campaign_id=campaign.campaign_id,
            period_kind=campaign.period.kind,
            period=campaign.period.label,
            source=campaign.source,
            grid_id=member.grid_id,
            division_id=member.division_id,
            worker_id=worker_id,
            channel=channel,
            questionnaire_id=campaign.questionnaire_id,
            questionnaire_version=campaign.questionnaire_version,
        ),
        response_id=response_id,
        tenant_id=ctx.tenant_id,
        answers=answers,
        complete=check.complete,
        satisfaction_option=check.satisfaction_option,
        credit=check.credit,
        duration_seconds=duration_seconds,
        min_answer_seconds=campaign.min_answer_seconds,
        unsigned=unsigned,
        duplicate=duplicate,
        household_key=household_key,
        now=now,
        zone_day=day,
    )
    try:
        stored = ctx.responses.add_response(response)
    except Conflict:
        earlier = ctx.responses.find(response_id)
        if earlier is None:  # pragma: no cover - a unique index other than the id
            raise
        mark_answered(ctx, member)  # a repair too: the one who recorded it may have died
        return Recorded(response=earlier, created=False)
    if mark_member:
        mark_answered(ctx, member)
    return Recorded(response=stored, created=True)


# -- phone interviews ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Interview:
    """An interview's result: the response (completed), or the member's outcome and the
    reserve entry replacing it."""

    outcome: str
    created: bool
    response: Response | None = None
    member_status: MemberStatus | None = None
    replaced_by: str | None = None


def enter_interview(
    ctx: SurveyContext,
    *,
    campaign_id: str,
    respondent_code: str,
    outcome: str,
    request_id: str,
    answers: Mapping[str, Any] | None = None,
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
) -> Interview:
    """An interviewer's phone interview (电话访问) of respondent ``respondent_code``:
    ``completed`` with its answers (422 naming ``answers.<key>`` for answers that break the
    questionnaire; incomplete ones are recorded and flagged), or ``refused`` / ``unreachable``
    (the grid's next reserve entry replaces the respondent when there is one). The same
    ``request_id`` again answers the first result. 409 unless the campaign is open, or when
    the respondent was replaced; 404 for an unknown code."""
    now = ctx.now()
    if outcome not in domain.INTERVIEW_OUTCOME_VALUES:
        reason = f"must be one of: {', '.join(domain.INTERVIEW_OUTCOME_VALUES)}"
        raise InvalidInput.of("outcome", reason)
    campaign = require_campaign(ctx, campaign_id)
    check_takes_answers(campaign)
    member = require_member(ctx, campaign_id, respondent_code)
    if outcome != domain.InterviewOutcome.COMPLETED:
        if answers:
            raise InvalidInput.of("answers", "answers go with the outcome completed only")
        return _not_completed(ctx, campaign, member, Outcome(outcome))
    if answers is None:
        raise InvalidInput.of("answers", "a completed interview needs its answers")
    duration = domain.check_duration(started_at, finished_at, now)
    response_id = ctx.responses.interview_response_id(campaign_id, ctx.actor, request_id)
    earlier = ctx.responses.find(response_id)
    if earlier is not None:
        return Interview(outcome=outcome, created=False, response=earlier)
    if member.status not in (MemberStatus.PENDING, MemberStatus.ANSWERED):
        raise StateConflict(f"respondent {member.code} is {member.status.value}")
    check = check_answers(version_of(ctx, campaign), answers)
    if check.problems:
        raise InvalidInput(list(check.problems))
    recorded = record_answer(
        ctx,
        campaign,
        member,
        channel=Channel.PHONE,
        response_id=response_id,
        answers=answers,
        check=check,
        duration_seconds=duration,
        now=now,
    )
    return Interview(outcome=outcome, created=recorded.created, response=recorded.response)


def _not_completed(
    ctx: SurveyContext, campaign: Campaign, member: SampleMember, outcome: Outcome
) -> Interview:
    if member.outcome is outcome and member.status in (
        MemberStatus.REPLACED,
        MemberStatus(outcome.value),
    ):
        return Interview(
            outcome=outcome.value,
            created=False,
            member_status=member.status,
            replaced_by=member.replaced_by,
        )
    done = replace_member(ctx, campaign, member, outcome, require_reserve=False)
    return Interview(
        outcome=outcome.value,
        created=True,
        member_status=done.member.status,
        replaced_by=None if done.replacement is None else done.replacement.code,
    )


# -- the survey firm's results file ---------------------------------------------------------------

CODE_HEADER = "样本编号"
OUTCOME_HEADER = "访问结果"
STARTED_HEADER = "开始时间"
FINISHED_HEADER = "结束时间"
OUTCOME_LABELS = {
    "完成": "completed",
    "成功": "completed",
    "拒访": "refused",
    "拒绝": "refused",
    "无法联系": "unreachable",
    "联系不上": "unreachable",
    "未接通": "unreachable",
}
FIXED_COLUMNS = (
    Column("code", CODE_HEADER, text(48), aliases=("respondent_code",)),
    Column("outcome", OUTCOME_HEADER, choice(OUTCOME_LABELS), aliases=("outcome",)),
    Column("started_at", STARTED_HEADER, domain.instant(), required=False),
    Column("finished_at", FINISHED_HEADER, domain.instant(), required=False),
)
_FIXED_KEYS = frozenset(column.key for column in FIXED_COLUMNS)


def _keep(value: Any) -> Any:
    return value


def result_columns(version: QuestionnaireVersion) -> tuple[Column, ...]:
    """The results file's columns: code, outcome, times, then one per question, headed by
    its key or its Chinese label; a question's column may be missing (unanswered)."""
    questions = tuple(
        Column(q.key, domain.question_header(q), _keep, required=False, aliases=(q.label,))
        for q in version.questions
        if q.key not in _FIXED_KEYS
    )
    return (*FIXED_COLUMNS, *questions)


def _rejected(row: Row, problems: tuple[RowProblem, ...] | list[RowProblem]) -> RowReport:
    return RowReport(
        number=row.number,
        outcome=RowOutcome.REJECTED,
        key=row.values.get("code"),
        problems=(*problems,),
    )


def import_results(
    ctx: SurveyContext, *, campaign_id: str, data: bytes, filename: str = ""
) -> ImportReport:
    """Import the survey firm's results (.xlsx or .csv): one row per respondent code with its
    outcome and, when completed, one column per question. The same checks as an interview;
    a code twice in the file rejects every copy; importing again changes nothing. 409 unless
    the campaign is open."""
    campaign = require_campaign(ctx, campaign_id)
    check_takes_answers(campaign)
    version = version_of(ctx, campaign)
    columns = result_columns(version)
    headers = {column.key: column.header for column in columns}
    rows = read_upload(data, filename, columns)
    now = ctx.now()
    seen: dict[str, list[int]] = {}
    for row in rows:
        if "code" in row.values:
            seen.setdefault(row.values["code"], []).append(row.number)
    twice = {number for numbers in seen.values() if len(numbers) > 1 for number in numbers}
    reports: list[RowReport] = []
    for row in rows:
        if row.problems:
            reports.append(_rejected(row, row.problems))
        elif row.number in twice:
            reason = "文件内重复 / duplicated in this file (all copies rejected)"
            reports.append(_rejected(row, [RowProblem(CODE_HEADER, reason)]))
        else:
            reports.append(_result_row(ctx, campaign, version, row, headers=headers, now=now))
    return ImportReport(dry_run=ctx.dry_run, rows=tuple(reports))


def _result_row(
    ctx: SurveyContext,
    campaign: Campaign,
    version: QuestionnaireVersion,
    row: Row,
    *,
    headers: Mapping[str, str],
    now: datetime,
) -> RowReport:
    code = row.values["code"]
    member = ctx.samples.by_code(campaign.campaign_id, code)
    if member is None or not member.listed:
        return _rejected(row, [RowProblem(CODE_HEADER, "没有这个样本编号 / no such respondent")])
    outcome = row.values["outcome"]
    try:
        if outcome != domain.InterviewOutcome.COMPLETED:
            return _result_outcome(ctx, campaign, member, Outcome(outcome), row)
        return _result_answers(ctx, campaign, version, member, row, headers=headers, now=now)
    except (StateConflict, Conflict) as exc:
        return _rejected(row, [RowProblem(CODE_HEADER, str(exc))])
    except InvalidInput as exc:
        found = [RowProblem(_column_of(p.field, headers), p.reason) for p in exc.problems]
        return _rejected(row, found)


def _column_of(field: str, headers: Mapping[str, str]) -> str:
    key = field.removeprefix("answers.")
    if field in ("started_at", "finished_at"):
        key = field
    return headers.get(key, field)


def _result_outcome(
    ctx: SurveyContext, campaign: Campaign, member: SampleMember, outcome: Outcome, row: Row
) -> RowReport:
    if member.outcome is outcome:
        return RowReport(number=row.number, outcome=RowOutcome.UNCHANGED, key=member.code)
    if member.status is not MemberStatus.PENDING:
        reason = f"样本状态为 {member.status.value} / respondent is {member.status.value}"
        return _rejected(row, [RowProblem(OUTCOME_HEADER, reason)])
    replace_member(ctx, campaign, member, outcome, require_reserve=False)
    return RowReport(number=row.number, outcome=RowOutcome.CREATED, key=member.code)


def _result_answers(
    ctx: SurveyContext,
    campaign: Campaign,
    version: QuestionnaireVersion,
    member: SampleMember,
    row: Row,
    *,
    headers: Mapping[str, str],
    now: datetime,
) -> RowReport:
    response_id = ctx.responses.file_response_id(campaign.campaign_id, member.code)
    if ctx.responses.find(response_id) is not None:
        return RowReport(number=row.number, outcome=RowOutcome.UNCHANGED, key=member.code)
    if member.status not in (MemberStatus.PENDING, MemberStatus.ANSWERED):
        reason = f"样本状态为 {member.status.value} / respondent is {member.status.value}"
        return _rejected(row, [RowProblem(OUTCOME_HEADER, reason)])
    cells = {key: value for key, value in row.values.items() if key not in _FIXED_KEYS}
    answers, problems = domain.answers_from_cells(version, cells, headers)
    if problems:
        return _rejected(row, problems)
    check = check_answers(version, answers)
    if check.problems:
        raise InvalidInput(list(check.problems))
    duration = domain.check_duration(
        row.values.get("started_at"), row.values.get("finished_at"), now
    )
    recorded = record_answer(
        ctx,
        campaign,
        member,
        channel=Channel.FILE,
        response_id=response_id,
        answers=answers,
        check=check,
        duration_seconds=duration,
        now=now,
    )
    outcome = RowOutcome.CREATED if recorded.created else RowOutcome.UNCHANGED
    return RowReport(number=row.number, outcome=outcome, key=member.code)


# -- review --------------------------------------------------------------------------------------


def list_responses(
    ctx: SurveyContext,
    *,
    campaign_id: str,
    offset: int,
    limit: int,
    review: str | None = None,
    flagged: bool | None = None,
) -> Page[Response]:
    """One page of the campaign's responses (answers, flags, review; never who answered)."""
    require_campaign(ctx, campaign_id)
    return ctx.responses.list_responses(
        campaign_id, offset=offset, limit=limit, review=review, flagged=flagged
    )


def get_response(ctx: SurveyContext, *, response_id: str) -> Response:
    found = ctx.responses.find(response_id)
    if found is None:
        raise NotFound(f"response {response_id} not found")
    return found


def review_response(
    ctx: SurveyContext, *, response_id: str, decision: str, reason: str | None = None
) -> Response:
    """Approve, or reject with a reason (`response.approved` / `response.rejected`); the same
    decision again changes nothing. 404 for an unknown response."""
    now = ctx.now()

    def attempt() -> Response:
        current = get_response(ctx, response_id=response_id)
        decided, event = domain.review(
            current, decision=decision, reason=reason, actor=ctx.actor, now=now
        )
        if event is None:
            return current
        return ctx.responses.save_response(decided, [event])

    return retried(attempt)


@dataclass(frozen=True)
class CleanApproval:
    approved: int
    skipped: int


def approve_clean(ctx: SurveyContext, *, campaign_id: str) -> CleanApproval:
    """Approve every received, unflagged response of the campaign (one `response.approved`
    each). One that changed meanwhile (reviewed by someone else) is left as it is now."""
    require_campaign(ctx, campaign_id)
    now = ctx.now()
    approved = skipped = 0
    for response_id in ctx.responses.clean_ids(campaign_id):
        current = ctx.responses.find(response_id)
        if current is None or not domain.clean(current):
            skipped += 1
            continue
        decided, event = domain.review(
            current, decision=domain.Decision.APPROVE.value, reason=None, actor=ctx.actor, now=now
        )
        try:
            ctx.responses.save_response(decided, [] if event is None else [event])
        except ConcurrentUpdate:
            skipped += 1
            continue
        approved += 1
    return CleanApproval(approved=approved, skipped=skipped)
