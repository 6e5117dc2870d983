"""The draw: reproducible from the seed whatever the input order, quotas per grid, reserve in
order, codes fixed at the draw; one-time link tokens; replacements; what a link leads to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from services.survey.domain import campaigns as campaign_rules
from services.survey.domain import sampling as domain
from services.survey.domain.campaigns import GridCount
from services.survey.domain.sampling import (
    Candidate,
    LinkState,
    MemberStatus,
    Outcome,
)
from shared.errors import StateConflict

NOW = datetime(2026, 10, 8, 1, 0, tzinfo=UTC)


def candidates(per_grid: int = 20) -> list[Candidate]:
    return [
        Candidate(entry_id=f"e-{grid}-{n}", grid_id=f"g-{grid}", sort_key=f"h1:{grid}{n:03d}")
        for grid in range(1, 4)
        for n in range(per_grid)
    ]


def test_the_same_frame_and_seed_draw_the_same_sample_in_any_input_order() -> None:
    first = domain.draw(candidates(), seed=7, quota_for=lambda _: 5)
    second = domain.draw(list(reversed(candidates())), seed=7, quota_for=lambda _: 5)
    assert first == second
    other = domain.draw(candidates(), seed=8, quota_for=lambda _: 5)
    assert other != first


def test_each_grid_draws_its_quota_and_keeps_the_rest_as_reserve() -> None:
    quotas = {"g-1": 5, "g-2": 0, "g-3": 50}
    draws = {d.grid_id: d for d in domain.draw(candidates(), seed=1, quota_for=quotas.__getitem__)}
    assert (len(draws["g-1"].drawn), len(draws["g-1"].reserve)) == (5, 15)
    assert (len(draws["g-2"].drawn), len(draws["g-2"].reserve)) == (0, 20)
    assert (len(draws["g-3"].drawn), len(draws["g-3"].reserve)) == (20, 0)
    grid = draws["g-1"]
    assert sorted((*grid.drawn, *grid.reserve)) == sorted(f"e-1-{n}" for n in range(20))


def test_a_known_draw_stays_the_same_across_processes() -> None:
    # Pinned: a change to the draw would silently change every campaign's sample.
    draw = domain.draw(candidates(6), seed=2026, quota_for=lambda _: 2)
    assert draw[0].drawn == ("e-1-2", "e-1-3")


def members(quota: int = 2, frame: int = 5) -> list[domain.SampleMember]:
    grid_draw = domain.draw(
        [Candidate(f"e-{n}", "g-1", f"h1:{n}") for n in range(frame)],
        seed=3,
        quota_for=lambda _: quota,
    )[0]
    ids = count(1)
    return domain.members_of_draw(
        grid_draw,
        tenant_id="tenant-a",
        campaign_id="c-1",
        grid_code="G03",
        division_id="div-1",
        keys={f"e-{n}": (f"h1:{n}", None) for n in range(frame)},
        new_id=lambda: f"m-{next(ids)}",
    )


def test_codes_are_fixed_at_the_draw_and_only_drawn_members_have_links() -> None:
    found = members()
    assert [m.code for m in found] == ["G03-001", "G03-002", "G03-003", "G03-004", "G03-005"]
    assert [m.status for m in found] == [MemberStatus.PENDING] * 2 + [MemberStatus.RESERVE] * 3
    assert all(m.token is not None and m.link_hash is not None for m in found[:2])
    assert all(m.token is None and m.link_hash is None for m in found[2:])
    token = found[0].token
    assert token is not None
    assert domain.token_hash(token) == found[0].link_hash


def test_a_token_is_random_url_safe_and_names_its_tenant() -> None:
    token = domain.new_token("tenant-a")
    tenant, _, secret = token.partition(".")
    assert tenant == "tenant-a"
    assert len(secret) == 22  # 128 bits, base64url
    assert domain.tenant_of_token(token) == "tenant-a"
    assert domain.new_token("tenant-a") != token
    for bad in ("", "tenant-a", "tenant-a.short", "Tenant.abcdefghijklmnopqrstuv", "../x.y"):
        assert domain.tenant_of_token(bad) is None


def test_a_refusal_is_replaced_by_the_next_reserve_entry() -> None:
    first, _, reserve, *_ = members()
    activated = domain.activate(reserve, replaces=first.code)
    assert activated.status is MemberStatus.PENDING
    assert activated.replaces == "G03-001"
    assert activated.token is not None
    replaced = domain.record_outcome(first, Outcome.REFUSED, activated)
    assert (replaced.status, replaced.outcome, replaced.replaced_by) == (
        MemberStatus.REPLACED,
        Outcome.REFUSED,
        "G03-003",
    )
    assert replaced.token is None
    assert replaced.link_hash == first.link_hash  # the old link still says it is spent
    with pytest.raises(StateConflict):
        domain.record_outcome(replaced, Outcome.UNREACHABLE, None)
    with pytest.raises(StateConflict):
        domain.activate(activated, replaces="G03-002")


def test_without_a_reserve_the_outcome_is_the_status() -> None:
    first = members()[0]
    assert domain.record_outcome(first, Outcome.UNREACHABLE, None).status is (
        MemberStatus.UNREACHABLE
    )


def campaign(opened: bool = True) -> campaign_rules.Campaign:
    made = campaign_rules.create_campaign(
        campaign_id="c-1",
        tenant_id="tenant-a",
        name="调查",
        kind="third_party_survey",
        period_kind="quarter",
        period="2026-Q4",
        questionnaire_id="q-1",
        questionnaire_version=1,
        default_quota=2,
        quotas=None,
        seed=3,
        link_validity_days=7,
        actor="u",
        now=NOW,
    )
    made, _ = campaign_rules.record_sample(
        made, drawn=2, reserve=3, grids=(GridCount("g-1", 5, 2, 3),), actor="u", now=NOW
    )
    if opened:
        made, _ = campaign_rules.open_campaign(made, actor="u", now=NOW)
    return made


def test_what_a_link_leads_to() -> None:
    first, second, reserve, *_ = members()
    open_campaign = campaign()
    assert domain.link_state(first, open_campaign, NOW) is LinkState.USABLE
    assert domain.link_state(None, open_campaign, NOW) is LinkState.UNKNOWN
    assert domain.link_state(reserve, open_campaign, NOW) is LinkState.UNKNOWN
    assert domain.link_state(domain.answered(first), open_campaign, NOW) is LinkState.USED
    replaced = domain.record_outcome(second, Outcome.REFUSED, None)
    assert domain.link_state(replaced, open_campaign, NOW) is LinkState.EXPIRED
    assert domain.link_state(first, open_campaign, NOW + timedelta(days=7)) is LinkState.EXPIRED
    assert domain.link_state(first, campaign(opened=False), NOW) is LinkState.NOT_OPEN
    closed, _ = campaign_rules.close_campaign(open_campaign, actor="u", now=NOW)
    assert domain.link_state(first, closed, NOW) is LinkState.EXPIRED
