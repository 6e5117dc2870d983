"""Frame imports on the real FerretDB: per-row problems, re-import idempotence, CSV in UTF-8
and GB18030, dry runs, the frame frozen by the draw, event-callback frames, and nothing
personal stored in the clear."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.survey.documents.frames import FrameEntryDocument
from services.survey.tests.integration.campaign_support import (
    FRAME_HEADER,
    context,
    frame_file,
    frame_rows,
    new_campaign,
    publish_questionnaire,
    seed_grids,
)
from services.survey.use_cases import frames, samples
from shared.errors import StateConflict
from shared.testing.workbooks import xlsx

pytestmark = pytest.mark.integration


@pytest.fixture
def campaign(fresh_db):
    ctx = context()
    seed_grids()
    return ctx, new_campaign(ctx, publish_questionnaire(ctx), quota=3)


def summary(report) -> dict[str, int]:
    return report.as_dict()["summary"]


def test_a_frame_imports_once_and_again_changes_nothing(campaign):
    ctx, made = campaign
    first = frames.import_frame(
        ctx, campaign_id=made.campaign_id, data=frame_file(5), filename="名单.xlsx"
    )
    assert summary(first) == {"created": 20, "updated": 0, "unchanged": 0, "rejected": 0}
    again = frames.import_frame(
        ctx, campaign_id=made.campaign_id, data=frame_file(5), filename="名单.xlsx"
    )
    assert summary(again) == {"created": 0, "updated": 0, "unchanged": 20, "rejected": 0}
    counts = frames.frame_counts(ctx, campaign_id=made.campaign_id)
    assert counts.total == 20
    assert [(g.grid_code, g.entries) for g in counts.grids] == [
        ("G01", 5),
        ("G02", 5),
        ("G03", 5),
        ("G04", 5),
    ]


def test_a_changed_household_is_updated_not_duplicated(campaign):
    ctx, made = campaign
    frames.import_frame(ctx, campaign_id=made.campaign_id, data=frame_file(2), filename="a.xlsx")
    rows = frame_rows(2)
    ref, _, _, address = rows[0]
    changed = xlsx(FRAME_HEADER, (ref, "G02", "0512-68001234", address))
    report = frames.import_frame(ctx, campaign_id=made.campaign_id, data=changed, filename="b")
    assert summary(report)["updated"] == 1
    counts = frames.frame_counts(ctx, campaign_id=made.campaign_id)
    assert (counts.total, [g.entries for g in counts.grids]) == (8, [1, 3, 2, 2])


def test_bad_rows_are_reported_per_column_and_the_good_ones_land(campaign):
    ctx, made = campaign
    data = xlsx(
        FRAME_HEADER,
        ("H1", "G01", "13800000001", ""),
        ("H2", "G99", "13800000002", "x"),
        ("H3", "G01", "12345", "x"),
        ("", "G01", "13800000004", "x"),
        ("H5", "G02", "13800000005", "x"),
        ("H5", "G03", "13800000006", "x"),
    )
    report = frames.import_frame(ctx, campaign_id=made.campaign_id, data=data, filename="f.xlsx")
    problems = {
        row.number: [(p.column, p.reason.split(" /")[0]) for p in row.problems]
        for row in report.rows
        if row.problems
    }
    assert problems == {
        3: [("网格编码", "没有这个在用的网格")],
        4: [("联系电话", "应为 11 位手机号或带区号的固定电话")],
        5: [("户编号", "必填")],
        6: [("户编号", "文件内重复")],
        7: [("户编号", "文件内重复")],
    }
    assert summary(report)["created"] == 1
    # The report never echoes what a row said.
    assert "H1" not in str(report.as_dict())
    assert "1380000" not in str(report.as_dict())


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_csv_frame_reads_like_a_workbook(campaign, encoding):
    ctx, made = campaign
    lines = [",".join(FRAME_HEADER), *(",".join(row) for row in frame_rows(1))]
    data = "\r\n".join(lines).encode(encoding)
    report = frames.import_frame(ctx, campaign_id=made.campaign_id, data=data, filename="名单.csv")
    assert summary(report)["created"] == 4


def test_a_dry_run_reports_the_same_and_stores_nothing(campaign):
    ctx, made = campaign
    report = frames.import_frame(
        ctx.as_dry_run(), campaign_id=made.campaign_id, data=frame_file(3), filename="a.xlsx"
    )
    assert report.dry_run
    assert summary(report)["created"] == 12
    assert frames.frame_counts(ctx, campaign_id=made.campaign_id).total == 0


def test_phone_address_and_household_are_never_stored_in_the_clear(campaign):
    ctx, made = campaign
    frames.import_frame(ctx, campaign_id=made.campaign_id, data=frame_file(1), filename="a.xlsx")
    raw = [doc.to_mongo().to_dict() for doc in FrameEntryDocument.objects(tenant_id="tenant-a")]
    assert len(raw) == 4
    text = str(raw)
    for ref, _, phone, address in frame_rows(1):
        assert ref not in text
        assert phone not in text
        assert address not in text
    assert all(doc["phone"].startswith("v1:t1:") for doc in raw)


def test_after_the_draw_households_are_corrected_but_not_added(campaign):
    ctx, made = campaign
    frames.import_frame(ctx, campaign_id=made.campaign_id, data=frame_file(4), filename="a.xlsx")
    samples.draw_sample(ctx, campaign_id=made.campaign_id)
    ref, code, _, address = frame_rows(4)[0]
    data = xlsx(
        FRAME_HEADER,
        (ref, code, "13911112222", address),
        (ref.replace("H", "N"), code, "13911113333", address),
        (frame_rows(4)[1][0], "G04", "13800000002", address),
    )
    report = frames.import_frame(ctx, campaign_id=made.campaign_id, data=data, filename="b.xlsx")
    assert [row.outcome.value for row in report.rows] == ["updated", "rejected", "rejected"]


def test_an_event_callback_frame_comes_from_the_closed_events(campaign, monkeypatch):
    ctx, _ = campaign
    made = new_campaign(ctx, publish_questionnaire(ctx), quota=2, kind="event_callback")
    with pytest.raises(StateConflict, match="closed in its period"):
        frames.import_frame(ctx, campaign_id=made.campaign_id, data=frame_file(1), filename="a")
    from services.survey.domain.closed_events import ClosedEvent

    closed = [
        ClosedEvent(
            event_id=f"ev-{n}",
            grid_id="g-1" if n % 2 else "g-3",
            division_id="div-1" if n % 2 else "div-2",
            source="patrol",
            category="环境卫生",
            closed_at=datetime(2026, 10, 10, tzinfo=UTC),
            day=datetime(2026, 10, 10, tzinfo=UTC).date(),
        )
        for n in range(5)
    ]
    monkeypatch.setattr(type(ctx.closed_events), "closed_in", lambda self, period: closed)
    built = frames.frame_from_closed_events(ctx, campaign_id=made.campaign_id)
    assert (built.created, built.unchanged, built.total) == (5, 0, 5)
    again = frames.frame_from_closed_events(ctx, campaign_id=made.campaign_id)
    assert (again.created, again.unchanged, again.total) == (0, 5, 5)
    drawn = samples.draw_sample(ctx, campaign_id=made.campaign_id)
    assert [(g.grid_id, g.drawn, g.reserve) for g in drawn.grids] == [("g-1", 2, 0), ("g-3", 2, 1)]
    rows = samples.list_sample(
        ctx, campaign_id=made.campaign_id, base_url="https://s", offset=0, limit=50
    ).items
    assert {row.event_id for row in rows} <= {f"ev-{n}" for n in range(5)}
