"""Draws and replacements on the real FerretDB: quotas per grid, a reproducible draw, links
that can be exported again, refusals replaced from the reserve, 409 when it is empty."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from services.survey.documents.samples import SampleMemberDocument
from services.survey.domain.sampling import MemberStatus
from services.survey.tests.integration.campaign_support import (
    context,
    drawn_campaign,
    frame_file,
    new_campaign,
    publish_questionnaire,
    seed_grids,
)
from services.survey.use_cases import campaigns, frames, samples
from shared.errors import NotFound, StateConflict

pytestmark = pytest.mark.integration

BASE = "https://survey.example.gov.cn"


def listed(ctx, campaign_id: str, **filters):
    return samples.list_sample(
        ctx, campaign_id=campaign_id, base_url=BASE, offset=0, limit=200, **filters
    )


def test_the_draw_takes_each_grids_quota_and_gives_each_a_code_and_link(fresh_db):
    work = drawn_campaign(per_grid=50, quota=10, quotas={"g-4": 3})
    page = listed(work.ctx, work.campaign.campaign_id)
    assert page.total == 33
    by_grid: dict[str, int] = {}
    for row in page.items:
        by_grid[row.grid_code or ""] = by_grid.get(row.grid_code or "", 0) + 1
        assert row.status is MemberStatus.PENDING
        assert row.link is not None
        assert row.link.startswith(f"{BASE}/s/tenant-a.")
    assert by_grid == {"G01": 10, "G02": 10, "G03": 10, "G04": 3}
    assert [row.code for row in page.items][:3] == ["G01-001", "G01-002", "G01-003"]
    assert work.campaign.sample is not None
    assert (work.campaign.sample.drawn, work.campaign.sample.reserve) == (33, 167)


def test_the_same_frame_and_seed_draw_the_same_households_in_another_tenant(fresh_db):
    first = drawn_campaign("tenant-a", per_grid=20, quota=5)
    second = drawn_campaign("tenant-b", per_grid=20, quota=5)

    def drawn_entries(ctx, campaign_id: str) -> list[tuple[str, int]]:
        docs = SampleMemberDocument.objects(tenant_id=ctx.tenant_id, campaign_id=campaign_id)
        return sorted((doc.code, doc.rank) for doc in docs if doc.status == "pending")

    # Tags differ per tenant, so the households drawn differ; the codes and counts do not.
    assert drawn_entries(first.ctx, first.campaign.campaign_id) == drawn_entries(
        second.ctx, second.campaign.campaign_id
    )


def test_drawing_is_reproducible_from_the_seed(fresh_db):
    ctx = context()
    seed_grids()
    questionnaire = publish_questionnaire(ctx)
    picks = []
    for _ in range(2):
        made = new_campaign(ctx, questionnaire, quota=4, seed=77)
        frames.import_frame(ctx, campaign_id=made.campaign_id, data=frame_file(12), filename="f")
        samples.draw_sample(ctx, campaign_id=made.campaign_id)
        docs = SampleMemberDocument.objects(tenant_id="tenant-a", campaign_id=made.campaign_id)
        entries = {doc.entry_id: doc for doc in docs}
        frame = ctx.frames.entries_of(made.campaign_id)
        by_entry = {entry.entry_id: key for key, entry in frame.items()}
        picks.append(sorted((entries[e].code, by_entry[e]) for e in entries))
    assert picks[0] == picks[1]


def test_a_sample_is_drawn_once(fresh_db):
    work = drawn_campaign(per_grid=5, quota=2)
    with pytest.raises(StateConflict, match="already drawn"):
        samples.draw_sample(work.ctx, campaign_id=work.campaign.campaign_id)


def test_an_empty_frame_cannot_be_drawn(fresh_db):
    ctx = context()
    seed_grids()
    made = new_campaign(ctx, publish_questionnaire(ctx), quota=2)
    with pytest.raises(StateConflict, match="frame is empty"):
        samples.draw_sample(ctx, campaign_id=made.campaign_id)
    with pytest.raises(StateConflict, match="draw the sample"):
        campaigns.open_campaign(ctx, campaign_id=made.campaign_id)


def test_a_refusal_brings_in_the_next_reserve_entry_until_it_runs_out(fresh_db):
    work = drawn_campaign(per_grid=3, quota=2)
    ctx, campaign_id = work.ctx, work.campaign.campaign_id
    old_token = work.tokens["G01-001"]
    respondent, replacement = samples.record_outcome(
        ctx, campaign_id=campaign_id, code="G01-001", outcome="refused", base_url=BASE
    )
    assert (respondent.status, respondent.outcome, respondent.replaced_by) == (
        MemberStatus.REPLACED,
        "refused",
        "G01-003",
    )
    assert respondent.link is None
    assert (replacement.code, replacement.status, replacement.replaces) == (
        "G01-003",
        MemberStatus.PENDING,
        "G01-001",
    )
    assert replacement.link is not None
    assert old_token not in replacement.link
    with pytest.raises(StateConflict, match="no reserve entry left"):
        samples.record_outcome(
            ctx, campaign_id=campaign_id, code="G01-002", outcome="unreachable", base_url=BASE
        )
    # Nothing was recorded for G01-002.
    still = {row.code: row.status for row in listed(ctx, campaign_id, grid_id="g-1").items}
    assert still == {
        "G01-001": MemberStatus.REPLACED,
        "G01-002": MemberStatus.PENDING,
        "G01-003": MemberStatus.PENDING,
    }
    with pytest.raises(StateConflict, match="not pending"):
        samples.record_outcome(
            ctx, campaign_id=campaign_id, code="G01-001", outcome="refused", base_url=BASE
        )
    with pytest.raises(NotFound):
        samples.record_outcome(
            ctx, campaign_id=campaign_id, code="G09-001", outcome="refused", base_url=BASE
        )


def test_the_links_export_holds_codes_grids_and_links_only(fresh_db):
    work = drawn_campaign(per_grid=4, quota=2)
    export = samples.export_links(work.ctx, campaign_id=work.campaign.campaign_id, base_url=BASE)
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("样本编号", "网格编码", "答卷链接")
    assert len(rows) == 9
    assert rows[1][0] == "G01-001"
    assert rows[1][2] == f"{BASE}/s/{work.tokens['G01-001']}"
    assert "1380000" not in str(rows)


def test_tokens_are_stored_only_hashed_and_encrypted(fresh_db):
    work = drawn_campaign(per_grid=2, quota=1)
    raw = str([d.to_mongo().to_dict() for d in SampleMemberDocument.objects(tenant_id="tenant-a")])
    for token in work.tokens.values():
        assert token not in raw
        assert token.partition(".")[2] not in raw
