"""Survey campaigns (调查活动): who is asked what, in which period, how many per grid.

The centre creates a campaign in ``draft`` for one period and one kind:

* ``third_party_survey`` (第三方满意度调查): a sample of the residents of each grid, drawn from
  an imported household list, answered through one-time web links, phone interviews or the
  survey firm's results file; its answers count as `Source.SURVEY`;
* ``worker_rating`` (群众评议网格员): residents rate the worker serving their grid, same
  channels; `Source.WORKER_RATING`, each answer attached to the grid's worker of its day;
* ``event_callback`` (办结回访): a callback after an event closed in the period, the frame
  being those events; `Source.EVENT_CALLBACK`.

A campaign asks one PUBLISHED questionnaire version (it never changes, so answers stay
comparable). Its quotas say how many respondents each grid's sample holds (a default and
per-grid overrides); its seed makes the draw reproducible. Once its sample is drawn the
centre opens it (``open``): answers are taken only while it is open, and a resident's link
only until ``link_validity_days`` after opening; closing it (``closed``) ends every link.

Published: ``campaign.opened``, ``campaign.closed`` and ``sample.drawn`` (counts only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from services.survey.domain.rates import Source
from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput, StateConflict
from shared.periods import PERIOD_KINDS, Period, parse_period

ID_MAX = 64
NAME_MAX = 100
# A grid's sample: enough for a rate with a usable interval, small enough to interview.
QUOTA_MAX = 500
QUOTA_OVERRIDES_MAX = 2000
SEED_MAX = 2**31 - 1
DEFAULT_MIN_ANSWER_SECONDS = 30
MIN_ANSWER_SECONDS_MAX = 3600
DEFAULT_LINK_VALIDITY_DAYS = 14
LINK_VALIDITY_DAYS_MAX = 90


class CampaignKind(StrEnum):
    THIRD_PARTY_SURVEY = "third_party_survey"
    WORKER_RATING = "worker_rating"
    EVENT_CALLBACK = "event_callback"


KIND_LABELS: Mapping[CampaignKind, str] = {
    CampaignKind.THIRD_PARTY_SURVEY: "第三方满意度调查",
    CampaignKind.WORKER_RATING: "群众评议网格员",
    CampaignKind.EVENT_CALLBACK: "办结回访",
}
SOURCES: Mapping[CampaignKind, Source] = {
    CampaignKind.THIRD_PARTY_SURVEY: Source.SURVEY,
    CampaignKind.WORKER_RATING: Source.WORKER_RATING,
    CampaignKind.EVENT_CALLBACK: Source.EVENT_CALLBACK,
}


class CampaignState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


KIND_VALUES = tuple(kind.value for kind in CampaignKind)
STATE_VALUES = tuple(state.value for state in CampaignState)


@dataclass(frozen=True, slots=True)
class SampleSummary:
    """What the draw produced: respondents drawn, reserve entries, grids sampled."""

    drawn_at: datetime
    drawn: int
    reserve: int
    grids: int


@dataclass(frozen=True)
class Campaign:
    """One campaign; ``revision`` 0 means not stored yet."""

    campaign_id: str
    tenant_id: str
    name: str
    kind: CampaignKind
    period: Period
    questionnaire_id: str
    questionnaire_version: int
    default_quota: int
    quotas: Mapping[str, int]
    seed: int
    min_answer_seconds: int
    link_validity_days: int
    created_at: datetime
    created_by: str
    state: CampaignState = CampaignState.DRAFT
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    sample: SampleSummary | None = None
    revision: int = 0

    @property
    def source(self) -> Source:
        """What the campaign's answers count as in the rates."""
        return SOURCES[self.kind]

    def quota_for(self, grid_id: str) -> int:
        """The grid's sample size: its override, else the default."""
        return self.quotas.get(grid_id, self.default_quota)

    @property
    def links_valid_until(self) -> datetime | None:
        """When residents' links stop working (unless the campaign closes first); None before
        it opens."""
        if self.opened_at is None:
            return None
        return self.opened_at + timedelta(days=self.link_validity_days)

    def link_usable(self, now: datetime) -> bool:
        """Open and within the links' validity."""
        until = self.links_valid_until
        return self.state is CampaignState.OPEN and until is not None and now < until


def parse_campaign_period(kind: Any, label: Any) -> Period:
    """The period of ``kind`` named ``label`` (a custom one as ``2026-01-01..2026-06-30``);
    422 on ``period_kind`` / ``period``."""
    if kind not in PERIOD_KINDS:
        raise InvalidInput.of("period_kind", f"must be one of: {', '.join(PERIOD_KINDS)}")
    value: object = label
    if kind == "custom" and isinstance(label, str):
        start, dots, end = label.partition("..")
        value = {"start": start.strip(), "end": end.strip()} if dots else label
    parsed = parse_period(kind, value)
    if isinstance(parsed, str):
        reason = parsed
        if kind == "custom":
            reason = "must be a custom period such as 2026-01-01..2026-06-30"
        raise InvalidInput.of("period", reason)
    return parsed


def _whole(value: Any, name: str, low: int, high: int, problems: list[FieldProblem]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(FieldProblem(name, f"must be a whole number from {low} to {high}"))
        return low
    return value


def _quotas(value: Any, problems: list[FieldProblem]) -> dict[str, int]:
    if not isinstance(value, Mapping):
        problems.append(FieldProblem("quotas", "must map grid ids to quotas"))
        return {}
    if len(value) > QUOTA_OVERRIDES_MAX:
        problems.append(FieldProblem("quotas", f"at most {QUOTA_OVERRIDES_MAX} grids"))
        return {}
    found: dict[str, int] = {}
    for grid_id, quota in value.items():
        if not isinstance(grid_id, str) or not 1 <= len(grid_id) <= ID_MAX:
            problems.append(FieldProblem("quotas", f"grid ids must be 1-{ID_MAX} characters"))
            continue
        # 0 leaves a grid out of the sample (a grid with no residents, an industrial park).
        found[grid_id] = _whole(quota, f"quotas.{grid_id}", 0, QUOTA_MAX, problems)
    return found


def create_campaign(
    *,
    campaign_id: str,
    tenant_id: str,
    name: str,
    kind: str,
    period_kind: str,
    period: str,
    questionnaire_id: str,
    questionnaire_version: int,
    default_quota: int,
    quotas: Mapping[str, int] | None,
    seed: int,
    min_answer_seconds: int = DEFAULT_MIN_ANSWER_SECONDS,
    link_validity_days: int = DEFAULT_LINK_VALIDITY_DAYS,
    actor: str,
    now: datetime,
) -> Campaign:
    """A new campaign in ``draft``; `InvalidInput` naming every bad field. Whether the
    questionnaire version exists and is published is the caller's check (it reads it)."""
    require_aware(now)
    problems: list[FieldProblem] = []
    text = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(text) <= NAME_MAX:
        problems.append(FieldProblem("name", f"must be 1-{NAME_MAX} characters"))
    if kind not in KIND_VALUES:
        problems.append(FieldProblem("kind", f"must be one of: {', '.join(KIND_VALUES)}"))
    parsed: Period | None = None
    try:
        parsed = parse_campaign_period(period_kind, period)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    default = _whole(default_quota, "default_quota", 1, QUOTA_MAX, problems)
    overrides = _quotas(quotas or {}, problems)
    _whole(seed, "seed", 0, SEED_MAX, problems)
    _whole(min_answer_seconds, "min_answer_seconds", 0, MIN_ANSWER_SECONDS_MAX, problems)
    _whole(link_validity_days, "link_validity_days", 1, LINK_VALIDITY_DAYS_MAX, problems)
    _whole(questionnaire_version, "questionnaire_version", 1, 10**6, problems)
    if problems or parsed is None:
        raise InvalidInput(problems)
    return Campaign(
        campaign_id=campaign_id,
        tenant_id=tenant_id,
        name=text,
        kind=CampaignKind(kind),
        period=parsed,
        questionnaire_id=questionnaire_id,
        questionnaire_version=questionnaire_version,
        default_quota=default,
        quotas=overrides,
        seed=seed,
        min_answer_seconds=min_answer_seconds,
        link_validity_days=link_validity_days,
        created_at=now,
        created_by=actor,
    )


def open_campaign(
    campaign: Campaign, *, actor: str, now: datetime
) -> tuple[Campaign, CampaignOpened]:
    """Open (开始) a drafted campaign whose sample is drawn: links and interviews work from
    now. 409 when not a draft or before the draw (there would be nobody to ask)."""
    require_aware(now)
    if campaign.state is not CampaignState.DRAFT:
        raise StateConflict(f"campaign {campaign.campaign_id} is {campaign.state.value}, not draft")
    if campaign.sample is None:
        raise StateConflict("draw the sample before opening the campaign")
    opened = replace(campaign, state=CampaignState.OPEN, opened_at=now)
    return opened, CampaignOpened(campaign=opened, actor=actor, occurred_at=now)


def close_campaign(
    campaign: Campaign, *, actor: str, now: datetime
) -> tuple[Campaign, CampaignClosed]:
    """Close (结束) an open campaign: no link, interview or results file is taken after this.
    409 unless open."""
    require_aware(now)
    if campaign.state is not CampaignState.OPEN:
        raise StateConflict(f"campaign {campaign.campaign_id} is {campaign.state.value}, not open")
    closed = replace(campaign, state=CampaignState.CLOSED, closed_at=now)
    return closed, CampaignClosed(campaign=closed, actor=actor, occurred_at=now)


def check_drawable(campaign: Campaign) -> None:
    """409 unless the campaign can still draw its sample: once, before it closes."""
    if campaign.sample is not None:
        raise StateConflict(f"the sample of campaign {campaign.campaign_id} is already drawn")
    if campaign.state is CampaignState.CLOSED:
        raise StateConflict(f"campaign {campaign.campaign_id} is closed")


def record_sample(
    campaign: Campaign,
    *,
    drawn: int,
    reserve: int,
    grids: tuple[GridCount, ...],
    actor: str,
    now: datetime,
) -> tuple[Campaign, SampleDrawn]:
    """The campaign with its sample drawn (counts only) and its `sample.drawn`."""
    require_aware(now)
    check_drawable(campaign)
    summary = SampleSummary(drawn_at=now, drawn=drawn, reserve=reserve, grids=len(grids))
    done = replace(campaign, sample=summary)
    return done, SampleDrawn(campaign=done, grids=grids, actor=actor, occurred_at=now)


def check_takes_answers(campaign: Campaign) -> None:
    """409 unless the campaign is open (interviews and results files)."""
    if campaign.state is not CampaignState.OPEN:
        raise StateConflict(
            f"campaign {campaign.campaign_id} is {campaign.state.value}: answers are taken only "
            "while it is open"
        )


@dataclass(frozen=True, slots=True)
class GridCount:
    """One grid of a draw: its frame size, respondents drawn and reserve entries."""

    grid_id: str
    frame: int
    drawn: int
    reserve: int


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


@dataclass(frozen=True)
class CampaignEvent:
    """What happened to one campaign; ``campaign`` is its state afterwards."""

    campaign: Campaign
    actor: str
    occurred_at: datetime

    type: ClassVar[str]
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.campaign.campaign_id

    def _common(self) -> dict[str, Any]:
        campaign = self.campaign
        return {
            "campaign_id": campaign.campaign_id,
            "kind": campaign.kind.value,
            "source": campaign.source.value,
            "period_kind": campaign.period.kind,
            "period": campaign.period.label,
            "questionnaire_id": campaign.questionnaire_id,
            "questionnaire_version": campaign.questionnaire_version,
            "state": campaign.state.value,
            "actor": self.actor,
        }

    def payload(self) -> dict[str, Any]:
        return self._common()


@dataclass(frozen=True)
class CampaignOpened(CampaignEvent):
    type: ClassVar[str] = "campaign.opened"

    def payload(self) -> dict[str, Any]:
        return {
            **self._common(),
            "opened_at": _iso(self.campaign.opened_at),
            "links_valid_until": _iso(self.campaign.links_valid_until),
        }


@dataclass(frozen=True)
class CampaignClosed(CampaignEvent):
    type: ClassVar[str] = "campaign.closed"

    def payload(self) -> dict[str, Any]:
        return {**self._common(), "closed_at": _iso(self.campaign.closed_at)}


@dataclass(frozen=True)
class SampleDrawn(CampaignEvent):
    """Counts per grid: how many households the frame held, drawn and kept in reserve."""

    grids: tuple[GridCount, ...] = field(default=())
    type: ClassVar[str] = "sample.drawn"

    def payload(self) -> dict[str, Any]:
        sample = self.campaign.sample
        assert sample is not None
        return {
            **self._common(),
            "seed": self.campaign.seed,
            "drawn": sample.drawn,
            "reserve": sample.reserve,
            "grids": [
                {
                    "grid_id": grid.grid_id,
                    "frame": grid.frame,
                    "drawn": grid.drawn,
                    "reserve": grid.reserve,
                }
                for grid in self.grids
            ],
        }
