"""The campaign, frame and sample stores on the real FerretDB: a campaign reads back as
written, frame entries and links keep personal data and tokens only encrypted or tagged, and
a member is found by its link's hash even after the link is spent."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from services.survey.documents.samples import SampleMemberDocument
from services.survey.domain import campaigns as campaign_rules
from services.survey.domain import sampling
from services.survey.domain.campaigns import GridCount
from services.survey.domain.sampling import MemberStatus
from services.survey.repository.campaigns import CampaignRepository
from services.survey.repository.frames import FrameRepository
from services.survey.repository.samples import SampleRepository
from shared.crypto import DecryptionFailed, FieldBinding, field_crypto
from shared.events.domain import EventOrigin

pytestmark = pytest.mark.integration

NOW = datetime(2026, 10, 8, 1, 0, tzinfo=UTC)
ORIGIN = EventOrigin(producer="survey", correlation_id="req-1", actor="u-centre")


def test_a_campaign_reads_back_as_written(fresh_db):
    repo = CampaignRepository("tenant-a", ORIGIN)
    made = campaign_rules.create_campaign(
        campaign_id="c-1",
        tenant_id="tenant-a",
        name="评议",
        kind="worker_rating",
        period_kind="custom",
        period="2026-07-01..2026-12-31",
        questionnaire_id="q-1",
        questionnaire_version=3,
        default_quota=8,
        quotas={"g-9": 0},
        seed=5,
        actor="u",
        now=NOW,
    )
    stored = repo.add_campaign(made)
    drawn, event = campaign_rules.record_sample(
        stored, drawn=8, reserve=2, grids=(GridCount("g-1", 10, 8, 2),), actor="u", now=NOW
    )
    saved = repo.save_campaign(drawn, [event])
    found = repo.find("c-1")
    assert found == saved
    assert CampaignRepository("tenant-b", ORIGIN).find("c-1") is None
    page = repo.list_campaigns(offset=0, limit=10, kind="worker_rating", period=made.period.label)
    assert [c.campaign_id for c in page.items] == ["c-1"]


def member(token: str | None = None) -> sampling.SampleMember:
    token = token or sampling.new_token("tenant-a")
    return sampling.SampleMember(
        member_id="m-1",
        tenant_id="tenant-a",
        campaign_id="c-1",
        grid_id="g-1",
        division_id="div-1",
        entry_id="e-1",
        household_key="h1:x",
        code="G01-001",
        rank=1,
        status=MemberStatus.PENDING,
        token=token,
        link_hash=sampling.token_hash(token),
    )


def test_a_link_token_is_stored_encrypted_and_found_by_its_hash(fresh_db):
    repo = SampleRepository("tenant-a", ORIGIN)
    made = member()
    repo.add_members([made])
    raw = SampleMemberDocument.objects(tenant_id="tenant-a").as_pymongo().first()
    assert made.token is not None
    assert made.token not in str(raw)
    binding = FieldBinding("tenant-a", "survey_sample_members", "m-1", "link_token")
    assert field_crypto().cipher.decrypt(raw["link_token"], binding) == made.token
    with pytest.raises(DecryptionFailed):
        field_crypto().cipher.decrypt(
            raw["link_token"],
            FieldBinding("tenant-b", "survey_sample_members", "m-1", "link_token"),
        )
    found = repo.by_link(made.link_hash or "")
    assert found is not None
    assert (found.code, found.token) == ("G01-001", None)  # the lookup never decrypts
    assert SampleRepository("tenant-b", ORIGIN).by_link(made.link_hash or "") is None
    listed = repo.list_members("c-1", offset=0, limit=10).items
    assert [m.token for m in listed] == [made.token]


def test_a_spent_link_keeps_its_hash_but_not_its_token(fresh_db):
    repo = SampleRepository("tenant-a", ORIGIN)
    made = member()
    repo.add_members([made])
    stored = repo.by_link(made.link_hash or "")
    assert stored is not None
    repo.save_member(sampling.answered(stored))
    raw = SampleMemberDocument.objects(tenant_id="tenant-a").as_pymongo().first()
    assert "link_token" not in raw or raw["link_token"] is None
    again = repo.by_link(made.link_hash or "")
    assert again is not None
    assert again.status is MemberStatus.ANSWERED


def test_a_pending_member_saved_without_its_token_keeps_it(fresh_db):
    repo = SampleRepository("tenant-a", ORIGIN)
    made = member()
    repo.add_members([made])
    read = repo.find("m-1")
    assert read is not None
    repo.save_member(replace(read, division_id="div-2"))
    assert repo.list_members("c-1", offset=0, limit=10).items[0].token == made.token


def test_frame_keys_are_per_tenant_and_purpose(fresh_db):
    a, b = FrameRepository("tenant-a", ORIGIN), FrameRepository("tenant-b", ORIGIN)
    assert a.household_key("H0001") == a.household_key("H0001")
    assert a.household_key("H0001") != b.household_key("H0001")
    assert a.household_key("ev-1") != a.event_key("ev-1")
    assert a.fingerprint("g-1", "13800000000", None) != a.fingerprint("g-1", "13800000001", None)
