"""The sample (样本) and its one-time links: who of the frame is asked, and replacements.

The draw is per grid and reproducible: the grid's frame entries sorted by a stable key (the
household's keyed tag, or the event id), shuffled by ``random.Random`` seeded with the
campaign's seed and the grid id; the first ``quota`` are the sample, the rest, in that order,
the grid's replacement reserve (备选). The same frame and seed always give the same sample.

Every member gets its respondent code at the draw, in draw order (``G03-001`` ... the quota,
then the reserve's codes after them): a code carries no personal data, and since a reserve
entry's code is fixed in advance, two replacements running at once can never hand out one code
twice. A drawn member (and a reserve entry once activated) gets a one-time link token: 128
random bits, URL-safe, prefixed with the tenant id so the link finds its tenant without a
login. Only its SHA-256 is a query key; the token itself is stored encrypted so the centre can
export the links again.

A member refused or unreachable (拒访 / 无法联系) is replaced by the grid's next reserve entry,
which becomes pending with a link of its own.
"""

from __future__ import annotations

import hashlib
import random
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Final

from services.survey.domain.campaigns import Campaign, CampaignState
from shared.clock import require_aware
from shared.errors import StateConflict

CODE_DIGITS = 3
TOKEN_BYTES = 16  # 128 bits
# A tenant id (3-40 lower-case letters, digits, '-') then the random part: '.' is in neither.
_TOKEN: Final = re.compile(r"^([a-z0-9-]{3,40})\.([A-Za-z0-9_-]{22})$")


class MemberStatus(StrEnum):
    RESERVE = "reserve"  # not asked (yet): the grid's replacement reserve
    PENDING = "pending"  # asked, no answer yet
    ANSWERED = "answered"
    REFUSED = "refused"  # refused, and no reserve entry was left to replace it
    UNREACHABLE = "unreachable"  # likewise, unreachable
    REPLACED = "replaced"  # refused or unreachable, replaced by a reserve entry


class Outcome(StrEnum):
    REFUSED = "refused"  # 拒访
    UNREACHABLE = "unreachable"  # 无法联系


STATUS_VALUES = tuple(status.value for status in MemberStatus)
LISTED_STATUS_VALUES = tuple(s.value for s in MemberStatus if s is not MemberStatus.RESERVE)
OUTCOME_VALUES = tuple(outcome.value for outcome in Outcome)
STATUS_LABELS: Mapping[MemberStatus, str] = {
    MemberStatus.RESERVE: "备选",
    MemberStatus.PENDING: "待访",
    MemberStatus.ANSWERED: "已答",
    MemberStatus.REFUSED: "拒访",
    MemberStatus.UNREACHABLE: "无法联系",
    MemberStatus.REPLACED: "已替换",
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A frame entry as the draw sees it: its grid and its stable sort key."""

    entry_id: str
    grid_id: str
    sort_key: str


@dataclass(frozen=True, slots=True)
class GridDraw:
    """One grid's draw: entry ids of the sample, then of the reserve, in draw order."""

    grid_id: str
    drawn: tuple[str, ...]
    reserve: tuple[str, ...]

    @property
    def frame(self) -> int:
        return len(self.drawn) + len(self.reserve)


def draw(
    candidates: Iterable[Candidate], *, seed: int, quota_for: Callable[[str], int]
) -> tuple[GridDraw, ...]:
    """Every grid's draw, in grid id order. Reproducible: it depends on the candidates' keys
    (not on the order they come in), the seed and the quotas only. ``random.Random`` seeded
    with a string hashes it with SHA-512, the same in every Python process and version."""
    by_grid: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_grid.setdefault(candidate.grid_id, []).append(candidate)
    draws: list[GridDraw] = []
    for grid_id in sorted(by_grid):
        ordered = sorted(by_grid[grid_id], key=lambda c: (c.sort_key, c.entry_id))
        random.Random(f"{seed}:{grid_id}").shuffle(ordered)  # noqa: S311 - a sample, not a secret
        quota = max(0, quota_for(grid_id))
        ids = tuple(candidate.entry_id for candidate in ordered)
        draws.append(GridDraw(grid_id=grid_id, drawn=ids[:quota], reserve=ids[quota:]))
    return tuple(draws)


def respondent_code(grid_code: str, number: int) -> str:
    """``G03-007``: the grid's code and the member's place in its draw."""
    return f"{grid_code}-{number:0{CODE_DIGITS}d}"


def new_token(tenant_id: str) -> str:
    """A fresh one-time link token for ``tenant_id``: ``<tenant>.<22 URL-safe characters>``."""
    token = f"{tenant_id}.{secrets.token_urlsafe(TOKEN_BYTES)}"
    if not _TOKEN.match(token):
        raise ValueError(f"tenant id {tenant_id!r} cannot prefix a link token")
    return token


def token_hash(token: str) -> str:
    """The token's SHA-256 (hex): what is stored and looked up, never the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tenant_of_token(token: str) -> str | None:
    """The tenant a well-formed token names, or None for anything else."""
    found = _TOKEN.match(token)
    return None if found is None else found.group(1)


@dataclass(frozen=True, slots=True)
class SampleMember:
    """One frame entry in the sample or its reserve. ``token`` is the link's plain token
    (encrypted by the repository) while the link can still be handed out; ``link_hash`` its
    SHA-256, kept after the link is spent so that it still finds its member (and answers
    "used", not "unknown"). Both None for reserve entries. ``revision`` 0: not stored yet."""

    member_id: str
    tenant_id: str
    campaign_id: str
    grid_id: str
    division_id: str | None
    entry_id: str
    household_key: str
    code: str
    rank: int
    status: MemberStatus
    token: str | None = None
    link_hash: str | None = None
    event_id: str | None = None
    outcome: Outcome | None = None
    replaced_by: str | None = None
    replaces: str | None = None
    revision: int = 0

    @property
    def listed(self) -> bool:
        """Part of the sample (drawn, or a reserve entry activated as a replacement)."""
        return self.status is not MemberStatus.RESERVE


def members_of_draw(
    grid_draw: GridDraw,
    *,
    tenant_id: str,
    campaign_id: str,
    grid_code: str,
    division_id: str | None,
    keys: Mapping[str, tuple[str, str | None]],
    new_id: Callable[[], str],
) -> list[SampleMember]:
    """The grid's members: drawn ones pending with a link, then the reserve, numbered in draw
    order. ``keys`` maps an entry id to its (household key, event id)."""
    members: list[SampleMember] = []
    for rank, entry_id in enumerate((*grid_draw.drawn, *grid_draw.reserve), start=1):
        drawn = rank <= len(grid_draw.drawn)
        household_key, event_id = keys[entry_id]
        token = new_token(tenant_id) if drawn else None
        members.append(
            SampleMember(
                member_id=new_id(),
                tenant_id=tenant_id,
                campaign_id=campaign_id,
                grid_id=grid_draw.grid_id,
                division_id=division_id,
                entry_id=entry_id,
                household_key=household_key,
                event_id=event_id,
                code=respondent_code(grid_code, rank),
                rank=rank,
                status=MemberStatus.PENDING if drawn else MemberStatus.RESERVE,
                token=token,
                link_hash=None if token is None else token_hash(token),
            )
        )
    return members


def check_replaceable(member: SampleMember) -> None:
    """409 unless ``member`` is pending (an answered, replaced or closed member has no
    outcome to record)."""
    if member.status is not MemberStatus.PENDING:
        raise StateConflict(f"respondent {member.code} is {member.status.value}, not pending")


def record_outcome(
    member: SampleMember, outcome: Outcome, replacement: SampleMember | None
) -> SampleMember:
    """``member`` refused or unreachable: replaced by ``replacement`` (its link retired), or
    keeping the outcome as its status when the reserve is empty."""
    check_replaceable(member)
    if replacement is None:
        return replace(member, status=MemberStatus(outcome.value), outcome=outcome, token=None)
    return replace(
        member,
        status=MemberStatus.REPLACED,
        outcome=outcome,
        replaced_by=replacement.code,
        token=None,
    )


def activate(reserve: SampleMember, *, replaces: str) -> SampleMember:
    """A reserve entry joins the sample in place of ``replaces``, with a fresh link."""
    if reserve.status is not MemberStatus.RESERVE:
        raise StateConflict(f"{reserve.code} is not in the reserve")
    token = new_token(reserve.tenant_id)
    return replace(
        reserve,
        status=MemberStatus.PENDING,
        replaces=replaces,
        token=token,
        link_hash=token_hash(token),
    )


def next_reserve(members: Sequence[SampleMember], grid_id: str) -> list[SampleMember]:
    """The grid's reserve entries still unused, in draw order."""
    return sorted(
        (m for m in members if m.grid_id == grid_id and m.status is MemberStatus.RESERVE),
        key=lambda m: m.rank,
    )


def answered(member: SampleMember) -> SampleMember:
    """The member after an answer: its link is spent (its hash stays, to say so)."""
    return replace(member, status=MemberStatus.ANSWERED, token=None)


class LinkState(StrEnum):
    """What a resident's link leads to."""

    USABLE = "usable"
    UNKNOWN = "unknown"  # no such link (404)
    USED = "used"  # answered already (410)
    EXPIRED = "expired"  # closed, past its validity, or its member replaced (410)
    NOT_OPEN = "not_open"  # the campaign has not started yet (409)


def link_state(member: SampleMember | None, campaign: Campaign | None, now: datetime) -> LinkState:
    """Whether a link may be answered now, and if not, why (the page the resident sees)."""
    require_aware(now)
    if member is None or campaign is None or member.status is MemberStatus.RESERVE:
        return LinkState.UNKNOWN
    if member.status is MemberStatus.ANSWERED:
        return LinkState.USED
    if member.status is not MemberStatus.PENDING:
        return LinkState.EXPIRED
    if campaign.state is CampaignState.DRAFT:
        return LinkState.NOT_OPEN
    if not campaign.link_usable(now):
        return LinkState.EXPIRED
    return LinkState.USABLE
