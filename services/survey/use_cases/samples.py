"""Sample use cases (样本): draw, list, export the links, record a refusal or an unreachable
respondent and bring in the grid's next reserve entry.

Links are answered as ``<base>/s/<token>``: the base is the resident page's public address,
which the view knows (settings), the token the member's. A link is shown while it can still be
answered (pending); after that only the member's status is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace

from services.survey.domain import campaigns as campaign_rules
from services.survey.domain import sampling as domain
from services.survey.domain.campaigns import Campaign, CampaignKind, CampaignState, GridCount
from services.survey.domain.sampling import MemberStatus, Outcome, SampleMember
from services.survey.use_cases.campaigns import require_campaign, retried
from services.survey.use_cases.context import SurveyContext
from shared.errors import Conflict, InvalidInput, NotFound, StateConflict
from shared.mongo import ConcurrentUpdate, Page
from shared.workbooks import Column, write_sheet

_RETRIES = 3


def link_of(base_url: str, token: str | None) -> str | None:
    """The resident's URL of a link token."""
    return None if token is None else f"{base_url}/s/{token}"


@dataclass(frozen=True)
class Drawn:
    campaign: Campaign
    grids: tuple[GridCount, ...]


def draw_sample(ctx: SurveyContext, *, campaign_id: str) -> Drawn:
    """Draw the campaign's sample from its frame, once (`sample.drawn`): per grid its quota
    (or the whole frame when smaller), the rest as its reserve, each member with its code and
    drawn ones with their link. 409 when drawn already, closed, or the frame is empty.

    The draw is deterministic, so its members are inserted first, each code once (a member a
    crashed or racing draw inserted already is kept), and the campaign records the draw last:
    whatever happens in between, drawing again completes the same sample."""
    campaign = require_campaign(ctx, campaign_id)
    campaign_rules.check_drawable(campaign)
    candidates = ctx.frames.candidates(campaign_id)
    if not candidates:
        raise StateConflict("the frame is empty: import households (or closed events) first")
    draws = domain.draw(candidates, seed=campaign.seed, quota_for=campaign.quota_for)
    keys = ctx.frames.keys_of(campaign_id)
    entry_keys = {entry_id: (key, event_id) for entry_id, (key, event_id, _) in keys.items()}
    for grid_draw in draws:
        grid = ctx.registry.grid(grid_draw.grid_id)
        # The registry names the grid's code and division; an event's grid it has not heard
        # of yet keeps its id as the code and the division the frame recorded.
        first_entry = (*grid_draw.drawn, *grid_draw.reserve)[0]
        members = domain.members_of_draw(
            grid_draw,
            tenant_id=ctx.tenant_id,
            campaign_id=campaign_id,
            grid_code=grid_draw.grid_id if grid is None else grid.code,
            division_id=keys[first_entry][2] if grid is None else grid.division_id,
            keys=entry_keys,
            new_id=lambda: str(uuid.uuid4()),
        )
        for member in members:
            try:
                ctx.samples.add_members([member])
            except Conflict:
                continue
    counts = tuple(
        GridCount(
            grid_id=grid_draw.grid_id,
            frame=grid_draw.frame,
            drawn=len(grid_draw.drawn),
            reserve=len(grid_draw.reserve),
        )
        for grid_draw in draws
    )
    now = ctx.now()

    def record() -> Campaign:
        current = require_campaign(ctx, campaign_id)
        done, event = campaign_rules.record_sample(
            current,
            drawn=sum(count.drawn for count in counts),
            reserve=sum(count.reserve for count in counts),
            grids=counts,
            actor=ctx.actor,
            now=now,
        )
        return ctx.campaigns.save_campaign(done, [event])

    return Drawn(campaign=retried(record), grids=counts)


@dataclass(frozen=True)
class SampleRow:
    """One respondent as the centre sees it: code, grid, status, and the link while it can be
    answered. No household, phone or address, ever."""

    code: str
    grid_id: str
    grid_code: str | None
    status: MemberStatus
    outcome: Outcome | None
    replaced_by: str | None
    replaces: str | None
    link: str | None
    event_id: str | None


def _row(
    ctx: SurveyContext, member: SampleMember, base_url: str, codes: dict[str, str | None]
) -> SampleRow:
    if member.grid_id not in codes:
        grid = ctx.registry.grid(member.grid_id)
        codes[member.grid_id] = None if grid is None else grid.code
    return SampleRow(
        code=member.code,
        grid_id=member.grid_id,
        grid_code=codes[member.grid_id],
        status=member.status,
        outcome=member.outcome,
        replaced_by=member.replaced_by,
        replaces=member.replaces,
        link=link_of(base_url, member.token) if member.status is MemberStatus.PENDING else None,
        event_id=member.event_id,
    )


def list_sample(
    ctx: SurveyContext,
    *,
    campaign_id: str,
    base_url: str,
    offset: int,
    limit: int,
    status: str | None = None,
    grid_id: str | None = None,
) -> Page[SampleRow]:
    """One page of the campaign's sample by code (the unused reserve is not listed)."""
    require_campaign(ctx, campaign_id)
    if status == MemberStatus.RESERVE.value:
        raise InvalidInput.of("status", "the reserve is not part of the sample")
    page = ctx.samples.list_members(
        campaign_id, offset=offset, limit=limit, status=status, grid_id=grid_id
    )
    codes: dict[str, str | None] = {}
    return page.map(lambda member: _row(ctx, member, base_url, codes))


EXPORT_COLUMNS = (
    Column("code", "样本编号"),
    Column("grid_code", "网格编码"),
    Column("link", "答卷链接"),
)
EVENT_COLUMN = Column("event_id", "事项编号")


@dataclass(frozen=True)
class LinkExport:
    name: str
    data: bytes


def export_links(ctx: SurveyContext, *, campaign_id: str, base_url: str) -> LinkExport:
    """An .xlsx of every pending respondent's code, grid and link for the survey firm (and the
    event for a callback campaign): nothing else about anyone."""
    campaign = require_campaign(ctx, campaign_id)
    columns: tuple[Column, ...] = EXPORT_COLUMNS
    if campaign.kind is CampaignKind.EVENT_CALLBACK:
        columns = (*EXPORT_COLUMNS, EVENT_COLUMN)
    codes: dict[str, str | None] = {}
    rows = [
        {
            "code": row.code,
            "grid_code": row.grid_code,
            "link": row.link,
            "event_id": row.event_id,
        }
        for row in (_row(ctx, m, base_url, codes) for m in ctx.samples.pending_links(campaign_id))
    ]
    return LinkExport(
        name=f"survey-links-{campaign.period.label}",
        data=write_sheet(columns, rows, title="样本链接"),
    )


@dataclass(frozen=True)
class Replaced:
    """A recorded outcome: the member afterwards and the reserve entry that replaced it."""

    member: SampleMember
    replacement: SampleMember | None


def require_member(ctx: SurveyContext, campaign_id: str, code: str) -> SampleMember:
    """The campaign's respondent ``code`` (drawn or activated); 404 otherwise."""
    member = ctx.samples.by_code(campaign_id, code)
    if member is None or not member.listed:
        raise NotFound(f"respondent {code} not found in campaign {campaign_id}")
    return member


def replace_member(
    ctx: SurveyContext,
    campaign: Campaign,
    member: SampleMember,
    outcome: Outcome,
    *,
    require_reserve: bool,
) -> Replaced:
    """Record ``outcome`` for a pending member and activate its grid's next reserve entry.
    With ``require_reserve`` an empty reserve is a 409 and nothing is recorded; without, the
    outcome stays the member's status. Two replacements at once never take one reserve entry
    (each activation is a revision-checked write: the loser moves on to the next entry)."""
    if campaign.state is CampaignState.CLOSED:
        raise StateConflict(f"campaign {campaign.campaign_id} is closed")
    domain.check_replaceable(member)
    for _ in range(_RETRIES * 3):
        reserve = ctx.samples.reserve_of(campaign.campaign_id, member.grid_id)
        if not reserve:
            if require_reserve:
                raise StateConflict(f"grid {member.grid_id} has no reserve entry left")
            updated = domain.record_outcome(member, outcome, None)
            return Replaced(member=ctx.samples.save_member(updated), replacement=None)
        try:
            activated = ctx.samples.save_member(domain.activate(reserve[0], replaces=member.code))
        except ConcurrentUpdate:
            continue  # another replacement took this entry: try the next one
        try:
            stored = ctx.samples.save_member(domain.record_outcome(member, outcome, activated))
        except ConcurrentUpdate:
            # The member changed meanwhile (answered, or replaced by another request): the
            # entry goes back to the reserve, unused, its fresh link never handed out.
            back = replace(
                activated, status=MemberStatus.RESERVE, replaces=None, token=None, link_hash=None
            )
            ctx.samples.save_member(back)
            raise StateConflict(f"respondent {member.code} changed meanwhile") from None
        return Replaced(member=stored, replacement=activated)
    raise StateConflict(f"grid {member.grid_id}: too many replacements at once, try again")


def record_outcome(
    ctx: SurveyContext, *, campaign_id: str, code: str, outcome: str, base_url: str
) -> tuple[SampleRow, SampleRow]:
    """Respondent ``code`` refused (拒访) or could not be reached (无法联系): the grid's next
    reserve entry replaces it. 409 when the reserve is empty (nothing recorded), when the
    respondent is not pending, or the campaign closed; 404 for an unknown code."""
    try:
        parsed = Outcome(outcome)
    except ValueError:
        raise InvalidInput.of(
            "outcome", f"must be one of: {', '.join(domain.OUTCOME_VALUES)}"
        ) from None
    campaign = require_campaign(ctx, campaign_id)
    member = require_member(ctx, campaign_id, code)
    done = replace_member(ctx, campaign, member, parsed, require_reserve=True)
    assert done.replacement is not None
    codes: dict[str, str | None] = {}
    return _row(ctx, done.member, base_url, codes), _row(ctx, done.replacement, base_url, codes)
