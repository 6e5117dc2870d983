"""Campaign rules: validation naming fields, the draft -> open -> closed states, link
validity, and the payloads (ids and counts only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.survey.domain import campaigns as domain
from services.survey.domain.campaigns import CampaignKind, CampaignState, GridCount
from services.survey.domain.rates import Source
from shared.errors import InvalidInput, StateConflict

NOW = datetime(2026, 10, 8, 1, 0, tzinfo=UTC)


def make(**changes: object) -> domain.Campaign:
    values: dict[str, object] = {
        "campaign_id": "c-1",
        "tenant_id": "tenant-a",
        "name": " 2026年四季度满意度调查 ",
        "kind": "third_party_survey",
        "period_kind": "quarter",
        "period": "2026q4",
        "questionnaire_id": "q-1",
        "questionnaire_version": 1,
        "default_quota": 10,
        "quotas": {"g-2": 0, "g-3": 25},
        "seed": 42,
        "actor": "u-centre",
        "now": NOW,
    }
    values.update(changes)
    return domain.create_campaign(**values)  # type: ignore[arg-type]


def drawn(campaign: domain.Campaign) -> domain.Campaign:
    done, _ = domain.record_sample(
        campaign,
        drawn=2,
        reserve=3,
        grids=(GridCount("g-1", frame=5, drawn=2, reserve=3),),
        actor="u-centre",
        now=NOW,
    )
    return done


def test_a_campaign_is_created_in_draft_with_its_canonical_period_and_source() -> None:
    campaign = make()
    assert campaign.name == "2026年四季度满意度调查"
    assert (campaign.period.label, campaign.period.kind) == ("2026-Q4", "quarter")
    assert campaign.state is CampaignState.DRAFT
    assert campaign.source is Source.SURVEY
    assert (campaign.quota_for("g-1"), campaign.quota_for("g-2"), campaign.quota_for("g-3")) == (
        10,
        0,
        25,
    )
    assert (campaign.min_answer_seconds, campaign.link_validity_days) == (30, 14)


@pytest.mark.parametrize(
    ("kind", "source"),
    [
        ("third_party_survey", Source.SURVEY),
        ("worker_rating", Source.WORKER_RATING),
        ("event_callback", Source.EVENT_CALLBACK),
    ],
)
def test_each_kind_counts_as_its_source(kind: str, source: Source) -> None:
    assert make(kind=kind).source is source


def test_a_custom_period_is_given_as_a_range() -> None:
    campaign = make(period_kind="custom", period="2026-01-01..2026-06-30")
    assert campaign.period.label == "2026-01-01..2026-06-30"
    assert campaign.period.days == 181


def test_every_bad_field_is_named() -> None:
    with pytest.raises(InvalidInput) as caught:
        make(
            name=" ",
            kind="census",
            period="2026-Q9",
            default_quota=0,
            quotas={"g-1": -1},
            seed=-5,
            min_answer_seconds=7200,
            link_validity_days=0,
        )
    fields = sorted(problem.field for problem in caught.value.problems)
    assert fields == [
        "default_quota",
        "kind",
        "link_validity_days",
        "min_answer_seconds",
        "name",
        "period",
        "quotas.g-1",
        "seed",
    ]


def test_a_campaign_opens_only_once_drawn_and_closes_only_when_open() -> None:
    campaign = make()
    with pytest.raises(StateConflict, match="draw the sample"):
        domain.open_campaign(campaign, actor="u-centre", now=NOW)
    with pytest.raises(StateConflict, match="not open"):
        domain.close_campaign(campaign, actor="u-centre", now=NOW)
    opened, event = domain.open_campaign(drawn(campaign), actor="u-centre", now=NOW)
    assert opened.state is CampaignState.OPEN
    assert event.payload()["links_valid_until"] == (NOW + timedelta(days=14)).isoformat()
    with pytest.raises(StateConflict):
        domain.open_campaign(opened, actor="u-centre", now=NOW)
    closed, closing = domain.close_campaign(opened, actor="u-centre", now=NOW)
    assert closed.state is CampaignState.CLOSED
    assert closing.type == "campaign.closed"


def test_links_work_while_open_and_within_their_validity() -> None:
    campaign = make(link_validity_days=3)
    assert not campaign.link_usable(NOW)
    opened, _ = domain.open_campaign(drawn(campaign), actor="u-centre", now=NOW)
    assert opened.link_usable(NOW + timedelta(days=2, hours=23))
    assert not opened.link_usable(NOW + timedelta(days=3))
    closed, _ = domain.close_campaign(opened, actor="u-centre", now=NOW + timedelta(hours=1))
    assert not closed.link_usable(NOW + timedelta(hours=2))


def test_the_sample_is_drawn_once_and_its_event_carries_counts_only() -> None:
    campaign = make()
    done, event = domain.record_sample(
        campaign,
        drawn=12,
        reserve=40,
        grids=(
            GridCount("g-1", frame=30, drawn=10, reserve=20),
            GridCount("g-3", frame=22, drawn=2, reserve=20),
        ),
        actor="u-centre",
        now=NOW,
    )
    assert done.sample is not None
    assert (done.sample.drawn, done.sample.reserve, done.sample.grids) == (12, 40, 2)
    payload = event.payload()
    assert payload["grids"][0] == {"grid_id": "g-1", "frame": 30, "drawn": 10, "reserve": 20}
    assert (payload["seed"], payload["source"], payload["period"]) == (42, "survey", "2026-Q4")
    with pytest.raises(StateConflict, match="already drawn"):
        domain.check_drawable(done)


def test_kind_labels_are_chinese() -> None:
    assert domain.KIND_LABELS[CampaignKind.WORKER_RATING] == "群众评议网格员"
