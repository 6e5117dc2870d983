"""The resident page's use cases (居民答卷): show a link's questionnaire, record its answer.

No login: the link is the key. Its token names the tenant (``<tenant>.<random>``), so the
context is built from it (`resident_context`); the member is found by the token's SHA-256. A
link works once: the response's id is derived from the link, so of two submissions racing (or
a double tap) the first insert records the answer and the second finds the id taken and is
told the link was used. That insert is the claim; marking the member answered (a leased
update: three round trips) follows once the resident has the answer (`settle`), which keeps
the submission at four round trips to the store.

Too fast: the page carries the time it was shown, signed with the tenant's HMAC key
(`stamp`); the server measures the answer's duration from it, so a client can neither shorten
it nor skip it (a missing or forged stamp flags the answer too fast).
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.survey.domain.campaigns import KIND_LABELS, Campaign
from services.survey.domain.questionnaires import QuestionnaireVersion, check_answers
from services.survey.domain.responses import STAMP_FIELD, Channel, answers_from_form
from services.survey.domain.sampling import (
    LinkState,
    SampleMember,
    link_state,
    tenant_of_token,
    token_hash,
)
from services.survey.use_cases.context import SurveyContext
from services.survey.use_cases.responses import mark_answered, record_answer
from shared.crypto import field_crypto
from shared.errors import FieldProblem

RESIDENT_ACTOR = "resident"
STAMP_PURPOSE = "survey.page_shown"
_VERSIONS_MAX = 256


class LinkUnavailable(Exception):
    """The link cannot be answered now; ``state`` says why (the page shown instead)."""

    def __init__(self, state: LinkState) -> None:
        super().__init__(state.value)
        self.state = state


@dataclass(frozen=True)
class ResidentPage:
    """What the questionnaire page shows: the campaign's name and kind, the questions, the
    signed time it is shown at, and (when shown again) the answers given and the problems."""

    campaign_name: str
    kind_label: str
    version: QuestionnaireVersion
    stamp: str
    answers: Mapping[str, object]
    problems: tuple[FieldProblem, ...] = ()


class FormRefused(Exception):
    """The form cannot be recorded as sent (a problem with the form itself or an answer that
    breaks the questionnaire): the page again, with the answers kept and the problems."""

    def __init__(self, page: ResidentPage) -> None:
        super().__init__("form refused")
        self.page = page


def resident_context(token: str, correlation_id: str | None) -> SurveyContext | None:
    """The context a link's request runs in: its tenant, the resident as actor; None for a
    token that names no tenant (a 404 page)."""
    tenant_id = tenant_of_token(token)
    if tenant_id is None:
        return None
    return SurveyContext(tenant_id=tenant_id, actor=RESIDENT_ACTOR, correlation_id=correlation_id)


# Published versions never change: one read per process and version, not one per page.
_versions: dict[tuple[str, str, int], QuestionnaireVersion] = {}
_versions_lock = threading.Lock()


def _version(ctx: SurveyContext, campaign: Campaign) -> QuestionnaireVersion:
    key = (ctx.tenant_id, campaign.questionnaire_id, campaign.questionnaire_version)
    found = _versions.get(key)
    if found is None:
        found = ctx.questionnaires.published_version(
            campaign.questionnaire_id, campaign.questionnaire_version
        )
        with _versions_lock:
            if len(_versions) >= _VERSIONS_MAX:
                _versions.clear()
            _versions[key] = found
    return found


def _usable(ctx: SurveyContext, token: str, now: datetime) -> tuple[SampleMember, Campaign]:
    member = ctx.samples.by_link(token_hash(token))
    campaign = None if member is None else ctx.campaigns.find(member.campaign_id)
    state = link_state(member, campaign, now)
    if state is not LinkState.USABLE:
        raise LinkUnavailable(state)
    assert member is not None
    assert campaign is not None
    return member, campaign


def stamp(ctx: SurveyContext, link_hash: str, shown_at: datetime) -> str:
    """``<ms>.<signature>``: when the page was shown, signed for this link."""
    shown_ms = int(shown_at.timestamp() * 1000)
    signature = field_crypto().hasher.tag(
        f"{link_hash}:{shown_ms}", tenant_id=ctx.tenant_id, purpose=STAMP_PURPOSE
    )
    return f"{shown_ms}.{signature}"


def seconds_since(ctx: SurveyContext, link_hash: str, value: str, now: datetime) -> int | None:
    """Whole seconds from the signed time ``value`` to ``now``; None when the stamp is
    missing, forged, for another link, or in the future."""
    shown, dot, signature = value.partition(".")
    if not dot or not shown.isdigit() or len(shown) > 15:
        return None
    expected = field_crypto().hasher.tags(
        f"{link_hash}:{shown}", tenant_id=ctx.tenant_id, purpose=STAMP_PURPOSE
    )
    if not any(hmac.compare_digest(signature, tag) for tag in expected):
        return None
    elapsed_ms = int(now.timestamp() * 1000) - int(shown)
    return None if elapsed_ms < 0 else elapsed_ms // 1000


def open_page(ctx: SurveyContext, *, token: str) -> ResidentPage:
    """The questionnaire of a usable link; `LinkUnavailable` says why not."""
    now = ctx.now()
    member, campaign = _usable(ctx, token, now)
    assert member.link_hash is not None
    return ResidentPage(
        campaign_name=campaign.name,
        kind_label=KIND_LABELS[campaign.kind],
        version=_version(ctx, campaign),
        stamp=stamp(ctx, member.link_hash, now),
        answers={},
    )


@dataclass(frozen=True)
class Submitted:
    """The answer was recorded; `settle` marks its member answered."""

    campaign_name: str
    member: SampleMember


def submit(ctx: SurveyContext, *, token: str, form: Mapping[str, Sequence[str]]) -> Submitted:
    """Record a link's answer once. `LinkUnavailable` for an unknown, used or expired link;
    `FormRefused` (the page again) for a form that is hostile or whose answers break the
    questionnaire. Incomplete answers are recorded, flagged; so are too fast ones."""
    now = ctx.now()
    member, campaign = _usable(ctx, token, now)
    link_hash = member.link_hash
    assert link_hash is not None
    version = _version(ctx, campaign)
    answers, problems = answers_from_form(version, form)
    check = check_answers(version, answers)
    problems = problems or check.problems
    if not answers and not problems:
        # A blank submission (a tap on 提交 at once) would spend the link on nothing.
        problems = (FieldProblem("form", "请至少回答一题 / no answer given"),)
    sent = _first(form.get(STAMP_FIELD)) or ""
    duration = seconds_since(ctx, link_hash, sent, now)
    if problems:
        # Shown again with the time it was first shown (when signed): correcting a mistake
        # does not restart the clock.
        raise FormRefused(
            ResidentPage(
                campaign_name=campaign.name,
                kind_label=KIND_LABELS[campaign.kind],
                version=version,
                stamp=sent if duration is not None else stamp(ctx, link_hash, now),
                answers=answers,
                problems=problems,
            )
        )
    recorded = record_answer(
        ctx,
        campaign,
        member,
        channel=Channel.WEB,
        response_id=ctx.responses.web_response_id(link_hash),
        answers=answers,
        check=check,
        duration_seconds=duration,
        unsigned=duration is None,
        mark_member=False,
        now=now,
    )
    if not recorded.created:
        raise LinkUnavailable(LinkState.USED)
    return Submitted(campaign_name=campaign.name, member=member)


def settle(ctx: SurveyContext, submitted: Submitted) -> None:
    """Mark a submission's member answered, after the resident has the answer: the response
    (whose id the link claimed) already makes the link "used", so this only brings the
    sample's status along; if it never runs, the link's next use repairs it."""
    mark_answered(ctx, submitted.member)


def _first(values: Sequence[str] | None) -> str | None:
    return values[0] if values else None
