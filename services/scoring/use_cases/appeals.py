"""申诉/复核 use cases: file an appeal of one line of a published sheet, add evidence, decide
it, list and read appeals, the tenant's appeal settings, and the overdue job.

Who: the subject himself (the people the sheet API lets read that subject's sheet:
`evaluations.own_subjects`) or the centre on his behalf files; the centre decides. A subject
sees only his own appeals (another's is a 404, as another tenant's is).

An accepted appeal, in this order, each step safe to run again:
1. the decision is stored (revision-checked: one reviewer wins);
2. each corrected fact is written: a manual input's correction (its next revision), or a
   fact adjustment (`domain.adjustments`) for an input the ledger feeds;
3. the correction edition is published: the latest edition's facts as they were (its facts
   document and traces), with only the appellant's corrected inputs taken from the facts
   as they now stand, evaluated with the same scheme version: exactly the lines reading
   those inputs change, and what follows from them (total, rank, grade, money, flags);
4. the appeal records that edition and publishes ``appeal.decided``.
A crash between steps leaves the appeal accepted without an edition: deciding it again
(the same request) resumes at step 2, and step 3 finds an edition it published already by
its reason, which names the appeal.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from services.scoring.domain import adjustments as adjustment_domain
from services.scoring.domain import appeals as domain
from services.scoring.domain import evaluations as evaluation_domain
from services.scoring.domain.appeals import Appeal, AppealSettings, Correction, Evidence, Status
from services.scoring.domain.bridge import FactsWithTrace
from services.scoring.domain.engine import evaluate
from services.scoring.domain.evaluations import Header, Kind
from services.scoring.domain.facts import Facts, SubjectFacts, load_facts
from services.scoring.domain.manual import normalise
from services.scoring.domain.problems import FactsError
from services.scoring.domain.scheme import Scheme
from services.scoring.domain.workdays import period_of_label
from services.scoring.repository.adjustments import FactAdjustmentRepository
from services.scoring.repository.appeals import AppealRepository, AppealSettingsRepository
from services.scoring.use_cases import evaluations, manual_inputs, schemes
from services.scoring.use_cases.context import ScoringContext
from services.scoring.use_cases.facts import facts_for
from shared import images
from shared.clock import to_millisecond
from shared.errors import (
    Conflict,
    ContentTooLarge,
    FieldProblem,
    InvalidInput,
    NotFound,
    StateConflict,
    UnsupportedContent,
)
from shared.mongo import ConcurrentUpdate, Page
from shared.registry.model import local_day

log = logging.getLogger(__name__)

_ID_NAMESPACE = uuid.UUID("8b6c0f2e-51a7-4d3e-9c1b-7e2f4a6d8c0b")
OVERDUE_ACTOR = "scoring:appeals-overdue"
DEFAULT_EVIDENCE_MAX_BYTES = 10 * 1_048_576
PDF = "application/pdf"
_PDF_TAIL = 1024  # "%%EOF" ends a PDF, give or take trailing whitespace


def _now(ctx: ScoringContext) -> datetime:
    """The context's clock to the millisecond: what the store keeps (an appeal answered now
    equals the appeal read later)."""
    return to_millisecond(ctx.now())


def _appeals(ctx: ScoringContext) -> AppealRepository:
    return ctx.repository(AppealRepository)


def appeal_id_of(tenant_id: str, actor: str, request_id: str) -> str:
    """The appeal a filing makes: the same for a retried request."""
    return f"ap-{uuid.uuid5(_ID_NAMESPACE, chr(31).join((tenant_id, actor, request_id)))}"


def adjustment_id_of(
    tenant_id: str, scheme_id: str, period: str, subject_id: str, input_id: str
) -> str:
    key = chr(31).join((tenant_id, scheme_id, period, subject_id, input_id))
    return f"fa-{uuid.uuid5(_ID_NAMESPACE, key)}"


# -- settings ----------------------------------------------------------------------------


def get_settings(ctx: ScoringContext) -> AppealSettings:
    """The tenant's appeal window and review deadline (the defaults until changed)."""
    return ctx.repository(AppealSettingsRepository).current()[0]


def update_settings(ctx: ScoringContext, *, window_days: int, review_days: int) -> AppealSettings:
    """Change them; appeals filed before keep the days they were given."""
    settings = AppealSettings(window_days=window_days, review_days=review_days)
    repository = ctx.repository(AppealSettingsRepository)
    _, revision = repository.current()
    try:
        repository.store(settings, revision=revision, actor=ctx.actor, now=_now(ctx))
    except ConcurrentUpdate:
        raise StateConflict("the appeal settings were changed meanwhile: read them again") from None
    return settings


# -- filing ------------------------------------------------------------------------------


def file_appeal(
    ctx: ScoringContext,
    *,
    scheme_id: str,
    period: str,
    subject_id: str,
    line: str,
    text: str,
    request_id: str,
) -> Appeal:
    """Appeal ``line`` of the subject's sheet in the period's latest edition; a retried
    request (same request id) answers the appeal it made. 404 for a sheet the caller may not
    read; 422 naming ``subject_id``, ``line``, ``text`` or ``period`` (the window closed);
    409 when the line has an open appeal."""
    header = ctx.evaluations.final(scheme_id, period)
    if header is None:
        raise NotFound(f"no published results for {period} of scheme {scheme_id}")
    own = evaluations.own_subjects(ctx, header.subject_kind, header.period)
    if own is not None and subject_id not in own:
        raise NotFound(f"no sheet of {subject_id} for {header.period.label}")
    if header.row(subject_id) is None:
        raise InvalidInput.of(
            "subject_id", f"has no sheet in edition {header.edition} of {header.period.label}"
        )
    scheme = _scheme_of(ctx, header)
    appeal_id = appeal_id_of(ctx.tenant_id, ctx.actor, request_id)
    now = _now(ctx)
    settings = get_settings(ctx)
    appeal, filed = domain.file(
        appeal_id=appeal_id,
        request_id=request_id,
        scheme=scheme,
        period=header.period.label,
        period_kind=header.period.kind,
        subject_id=subject_id,
        line=line,
        edition=header.edition,
        published_at=header.evaluated_at,
        text=text,
        actor=ctx.actor,
        now=now,
        today=local_day(now),
        published_on=local_day(header.evaluated_at),
        settings=settings,
    )
    repository = _appeals(ctx)
    try:
        return repository.add_appeal(appeal, [filed])
    except Conflict:
        earlier = repository.find(appeal_id)
        if earlier is not None and earlier.open_key == appeal.open_key:
            return earlier  # the same request again
        if earlier is not None:
            raise Conflict(f"request_id {request_id} was used for appeal {appeal_id}") from None
        others = repository.matching(open_key=appeal.open_key)
        named = f" ({others[0].appeal_id})" if others else ""
        raise Conflict(
            f"line {line} of {subject_id} in {header.period.label} has an open appeal{named}"
        ) from None


def _scheme_of(ctx: ScoringContext, header: Header) -> Scheme:
    version = schemes.get_version(ctx, scheme_id=header.scheme_id, version=header.scheme_version)
    return version.scheme()


# -- reading -----------------------------------------------------------------------------


def get_appeal(ctx: ScoringContext, *, appeal_id: str) -> Appeal:
    """One appeal: the centre any of the tenant's, a subject only his own (else 404)."""
    found = _appeals(ctx).find(appeal_id)
    if found is None or not _may_see(ctx, found):
        raise NotFound(f"appeal {appeal_id} not found")
    return found


def _may_see(ctx: ScoringContext, appeal: Appeal) -> bool:
    period = period_of_label(appeal.period)
    if period is None:
        return False
    own = evaluations.own_subjects(ctx, appeal.subject_kind, period)
    return own is None or appeal.subject_id in own


def list_appeals(
    ctx: ScoringContext,
    *,
    offset: int,
    limit: int,
    overdue: bool | None = None,
    **filters: Any,
) -> Page[Appeal]:
    """The appeals the caller may see, newest first (filters: scheme_id, period,
    subject_id, status; ``overdue``: only those undecided past their due day, or none of
    them)."""
    filters = {k: v for k, v in filters.items() if v is not None}
    repository = _appeals(ctx)
    today = local_day(_now(ctx))
    centre = evaluations.CENTRE_ROLES & ctx.roles
    if centre and overdue is None:
        return repository.page(offset=offset, limit=limit, **filters)
    if overdue:
        if filters.get("status", Status.OPEN.value) != Status.OPEN.value:
            return Page(items=[], total=0, offset=offset, limit=limit)
        filters["status"] = Status.OPEN.value
    if centre:
        found = repository.matching(**filters)
    else:
        found = [a for a in repository.of_subjects(_candidates(ctx), **filters) if _may_see(ctx, a)]
    if overdue is not None:
        found = [a for a in found if a.is_overdue(today) == overdue]
    return Page(items=found[offset : offset + limit], total=len(found), offset=offset, limit=limit)


def _candidates(ctx: ScoringContext) -> list[str]:
    """Every subject a grid role could be (himself, the grids and villages he ever served):
    narrowed per appeal by its period (`_may_see`)."""
    found = {ctx.actor}
    for membership in ctx.registry.memberships.of_user(ctx.actor):
        found.add(membership.grid_id)
        found.add(membership.division_id)
    return sorted(found)


# -- evidence ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceFile:
    data: bytes
    content_type: str
    filename: str


def add_evidence(
    ctx: ScoringContext,
    *,
    appeal_id: str,
    data: bytes,
    filename: str,
    max_bytes: int = DEFAULT_EVIDENCE_MAX_BYTES,
) -> Evidence:
    """Add an evidence file (JPEG, PNG or PDF, judged by content; images stored re-encoded
    without their metadata) to an open appeal the caller may see; the same file again
    answers the one stored. 404, then 413 over ``max_bytes``, 415 for another type, 422 for
    an empty or damaged file (all on ``file``); 409 once decided or full."""
    appeal = get_appeal(ctx, appeal_id=appeal_id)
    stored, content_type = _checked(data, max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()
    earlier = next((e for e in appeal.evidence if e.sha256 == sha256), None)
    if earlier is not None:
        return earlier
    evidence = Evidence(
        evidence_id=f"ev-{uuid.uuid4().hex}",
        content_type=content_type,
        size=len(stored),
        sha256=sha256,
        filename=_safe_name(filename),
        uploaded_by=ctx.actor,
        uploaded_at=_now(ctx),
    )
    domain.add_evidence(appeal, evidence)  # the state checks, before any byte is stored
    repository = _appeals(ctx)
    file_id = repository.put_file(
        appeal_id=appeal.appeal_id,
        evidence_id=evidence.evidence_id,
        filename=evidence.filename,
        content_type=content_type,
        data=stored,
    )
    evidence = replace(evidence, file_ref=str(file_id))
    try:
        repository.save_with_file(domain.add_evidence(appeal, evidence), file_id)
    except ConcurrentUpdate:
        raise StateConflict(f"appeal {appeal_id} changed meanwhile: send the file again") from None
    return evidence


def _checked(data: bytes, max_bytes: int) -> tuple[bytes, str]:
    """The bytes to store and their media type."""
    if len(data) > max_bytes:
        raise ContentTooLarge(
            [
                FieldProblem(
                    images.FILE_FIELD, f"文件过大 / larger than {max_bytes / 1_048_576:g} MiB"
                )
            ]
        )
    if not data:
        raise InvalidInput.of(images.FILE_FIELD, "文件为空 / the file is empty")
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-_PDF_TAIL:]:
            raise InvalidInput.of(images.FILE_FIELD, "PDF 文件不完整 / a truncated PDF")
        return data, PDF
    if images.sniff(data) not in (images.ImageType.JPEG, images.ImageType.PNG):
        raise _unsupported()
    checked = images.inspect_image(data, max_bytes=max_bytes, max_pixels=images.MAX_PIXELS)
    stripped = images.strip_location(checked).image
    return stripped.data, stripped.content_type


def _unsupported() -> UnsupportedContent:
    return UnsupportedContent(
        [
            FieldProblem(
                images.FILE_FIELD,
                "只接受 JPEG、PNG 图片或 PDF / only JPEG, PNG or PDF (judged by the content)",
            )
        ]
    )


def _safe_name(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')[:200]


def evidence_file(ctx: ScoringContext, *, appeal_id: str, evidence_id: str) -> EvidenceFile:
    """An evidence file's bytes, for whoever may see the appeal."""
    appeal = get_appeal(ctx, appeal_id=appeal_id)
    item = next((e for e in appeal.evidence if e.evidence_id == evidence_id), None)
    data = None if item is None else _appeals(ctx).evidence_bytes(appeal_id, evidence_id)
    if item is None or data is None:
        raise NotFound(f"evidence {evidence_id} not found")
    return EvidenceFile(data=data, content_type=item.content_type, filename=item.filename)


# -- deciding ----------------------------------------------------------------------------


def decide_appeal(
    ctx: ScoringContext,
    *,
    appeal_id: str,
    outcome: str,
    reason: str,
    corrections: Sequence[Mapping[str, Any]] = (),
) -> Appeal:
    """Accept (correcting the facts named, then republishing the period as its next edition)
    or reject (changing nothing) an appeal, with a reason. Deciding an accepted appeal whose
    edition is not published yet resumes its republication. 404 for an unknown appeal; 409
    when decided already; 422 naming the field for a decision that does not fit the line."""
    appeal = get_appeal(ctx, appeal_id=appeal_id)
    chosen = domain.Outcome(outcome)
    if appeal.status is Status.ACCEPTED and appeal.correction_edition is None:
        if chosen is not domain.Outcome.ACCEPTED:
            raise StateConflict(f"appeal {appeal_id} was accepted already")
        return _republish(ctx, appeal)
    if appeal.status is not Status.OPEN:
        raise StateConflict(f"appeal {appeal_id} was {appeal.status} already")
    header = ctx.evaluations.final(appeal.scheme_id, appeal.period)
    if header is None:  # a published edition does not go away
        raise StateConflict(f"{appeal.period} of {appeal.scheme_id} has no published results")
    scheme = _scheme_of(ctx, header)
    parsed = _corrections(ctx, header, scheme, appeal, corrections)
    decided, events = domain.decide(
        appeal,
        scheme=scheme,
        outcome=chosen,
        reason=reason,
        corrections=parsed,
        actor=ctx.actor,
        now=_now(ctx),
    )
    try:
        decided = _appeals(ctx).save_appeal(decided, events)
    except ConcurrentUpdate:
        raise StateConflict(f"appeal {appeal_id} changed meanwhile: read it again") from None
    if decided.status is Status.REJECTED:
        return decided
    return _republish(ctx, decided)


def _corrections(
    ctx: ScoringContext,
    header: Header,
    scheme: Scheme,
    appeal: Appeal,
    given: Sequence[Mapping[str, Any]],
) -> list[Correction]:
    """The corrections asked for, each value read as its input's type (422 naming
    ``corrections.<n>.value``), with the value the latest edition showed."""
    row = header.row(appeal.subject_id)
    sheet = None if row is None else ctx.evaluations.sheet(header, row)
    shown = {f["input_id"]: f.get("value") for f in (sheet or {}).get("facts", [])}
    found: list[Correction] = []
    problems: list[FieldProblem] = []
    for n, item in enumerate(given):
        input_id = str(item["input_id"])
        spec = scheme.input(input_id)
        value = item.get("value")
        try:
            kept = normalise(value, spec, field=f"corrections.{n}.value")
        except InvalidInput as error:
            problems.extend(error.problems)
            continue
        source = "platform" if spec is None else spec.source
        found.append(Correction(input_id, kept, source, shown.get(input_id)))
    if problems:
        raise InvalidInput(problems)
    return found


def _republish(ctx: ScoringContext, appeal: Appeal) -> Appeal:
    decision = appeal.decision
    assert decision is not None
    for correction in decision.corrections:
        if correction.source == "manual":
            _correct_manual_input(ctx, appeal, correction, decision.reason)
        else:
            _adjust(ctx, appeal, correction, decision.reason)
    editions = ctx.evaluations.editions(appeal.scheme_id, appeal.period)
    tag = domain.edition_tag(appeal)
    published = next((e for e in editions if (e.reason or "").startswith(tag)), None)
    edition = published.edition if published is not None else _publish(ctx, appeal)
    done, event = domain.record_edition(appeal, edition, _now(ctx))
    try:
        return _appeals(ctx).save_appeal(done, [event])
    except ConcurrentUpdate:
        raise StateConflict(f"appeal {appeal.appeal_id} changed meanwhile: read it again") from None


def _note(appeal: Appeal, reason: str) -> str:
    return f"申诉复核 {appeal.appeal_id}：{reason}"[: domain.REASON_MAX]


def _correct_manual_input(
    ctx: ScoringContext, appeal: Appeal, correction: Correction, reason: str
) -> None:
    record_id = manual_inputs.manual_input_id(
        ctx.tenant_id, appeal.period, correction.input_id, appeal.subject_id
    )
    current = ctx.manual_inputs.find(record_id)
    if current is None:
        manual_inputs.record_manual_input(
            ctx,
            input_id=correction.input_id,
            period=appeal.period,
            value=correction.value,
            evidence=_note(appeal, reason),
            subject_id=appeal.subject_id,
            refs=[e.evidence_id for e in appeal.evidence],
        )
    elif current.value != correction.value:
        manual_inputs.correct_manual_input(
            ctx, manual_input_id=record_id, value=correction.value, reason=_note(appeal, reason)
        )


def _adjust(ctx: ScoringContext, appeal: Appeal, correction: Correction, reason: str) -> None:
    repository = ctx.repository(FactAdjustmentRepository)
    adjustment_id = adjustment_id_of(
        ctx.tenant_id, appeal.scheme_id, appeal.period, appeal.subject_id, correction.input_id
    )
    found = repository.find(adjustment_id)
    adjusted = adjustment_domain.adjust(
        found,
        adjustment_id=adjustment_id,
        scheme_id=appeal.scheme_id,
        period=appeal.period,
        subject_id=appeal.subject_id,
        input_id=correction.input_id,
        value=correction.value,
        appeal_id=appeal.appeal_id,
        reason=reason,
        evidence_ids=[e.evidence_id for e in appeal.evidence],
        replaced=correction.previous,
        actor=ctx.actor,
        at=_now(ctx),
    )
    try:
        repository.store(adjusted, read=0 if found is None else len(found.revisions))
    except (ConcurrentUpdate, Conflict):
        raise StateConflict(
            f"{correction.input_id} of {appeal.subject_id} was adjusted meanwhile: decide again"
        ) from None


def _publish(ctx: ScoringContext, appeal: Appeal) -> int:
    """The correction edition of an accepted appeal (see the module): its number."""
    decision = appeal.decision
    assert decision is not None
    latest = ctx.evaluations.final(appeal.scheme_id, appeal.period)
    assert latest is not None
    version = schemes.get_version(ctx, scheme_id=latest.scheme_id, version=latest.scheme_version)
    scheme = version.scheme()
    corrected = {c.input_id: c.value for c in decision.corrections}
    fresh = facts_for(ctx, scheme, latest.period)
    pinned = load_facts(ctx.evaluations.facts_of(latest))
    facts, trace = pinned_with(
        pinned, ctx.evaluations.sheets(latest), fresh, appeal.subject_id, corrected
    )
    try:
        evaluation = evaluate(scheme, facts, evaluations.history(ctx, scheme, latest.period))
    except FactsError as error:
        raise error.invalid_input("corrections") from None
    computed = evaluation_domain.compute(
        scheme=scheme,
        scheme_digest=version.digest or "",
        period=latest.period,
        evaluation=evaluation,
        facts=facts,
        trace=trace,
        kind=Kind.FINAL,
        edition=latest.edition + 1,
        run_id=uuid.uuid4().hex,
        reason=domain.edition_reason(appeal, decision.reason),
        evaluated_at=_now(ctx),
        evaluated_by=ctx.actor,
    )
    try:
        header = ctx.evaluations.add_final(
            computed, evaluation_domain.published_events(computed.header)
        )
    except Conflict:
        raise StateConflict(
            f"edition {latest.edition + 1} of {appeal.period} was made meanwhile: decide the "
            "appeal again to publish its correction"
        ) from None
    return header.edition


def pinned_with(
    pinned: Facts,
    sheets: Mapping[str, Mapping[str, Any]],
    fresh: FactsWithTrace,
    subject_id: str,
    corrected: Mapping[str, object],
) -> tuple[Facts, dict[tuple[str, str], tuple[object, ...]]]:
    """An edition's facts (``pinned``) and traces (from its ``sheets``) with only
    ``subject_id``'s ``corrected`` inputs taken from the facts as they stand now
    (``fresh``: the bridge with the corrections written; the corrected value itself where
    the bridge no longer has the subject)."""
    trace: dict[tuple[str, str], tuple[object, ...]] = {
        (sid, fact["input_id"]): tuple(fact.get("trace", ()))
        for sid, sheet in sheets.items()
        for fact in sheet.get("facts", ())
    }
    now = next((s.values for s in fresh.facts.subjects if s.id == subject_id), None)
    subjects = []
    for subject in pinned.subjects:
        if subject.id == subject_id:
            values = dict(subject.values)
            for input_id, value in corrected.items():
                if now is None:
                    values[input_id] = value
                elif input_id in now:
                    values[input_id] = now[input_id]
                else:
                    values.pop(input_id, None)
                trace[(subject_id, input_id)] = tuple(fresh.trace.get((subject_id, input_id), ()))
            subjects.append(SubjectFacts(subject.id, subject.name, values))
        else:
            subjects.append(subject)
    return replace(pinned, subjects=tuple(subjects)), trace


# -- overdue -----------------------------------------------------------------------------


def mark_overdue(ctx: ScoringContext, *, appeal_id: str) -> bool:
    """Mark one appeal overdue and publish ``appeal.overdue``; False when it is not newly
    overdue (decided, marked, not due yet) or changed meanwhile (the next run looks again)."""
    repository = _appeals(ctx)
    appeal = repository.find(appeal_id)
    now = _now(ctx)
    if appeal is None or appeal.overdue_at is not None or not appeal.is_overdue(local_day(now)):
        return False
    marked, event = domain.mark_overdue(appeal, today=local_day(now), now=now)
    try:
        repository.save_appeal(marked, [event])
    except ConcurrentUpdate:
        return False
    return True


@dataclass
class OverdueJob:
    """The worker's job (`shared.scheduler.PeriodicJob`): every open appeal of every tenant
    past its due day is marked overdue, ``appeal.overdue`` published once. Returns how many
    were marked."""

    def __call__(self, now: datetime) -> int:
        today = local_day(now)
        marked = 0
        for tenant_id, appeal_id, due_on, flagged in AppealRepository.open_across_tenants():
            if flagged or today <= due_on:
                continue
            ctx = ScoringContext(tenant_id=tenant_id, actor=OVERDUE_ACTOR, clock=lambda: now)
            try:
                marked += mark_overdue(ctx, appeal_id=appeal_id)
            except Exception:
                # One tenant's broken appeal must not hold up the others'.
                log.exception("marking appeal %s/%s overdue failed", tenant_id, appeal_id)
        return marked
