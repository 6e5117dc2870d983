"""The resident page in process, on the real FerretDB: a link answers once (also when two
submissions race), used / expired / unknown links get a Chinese page with 410 / 410 / 404,
hostile forms get the page again with 422, answers too fast or incomplete are recorded and
flagged, and no failure ever answers problem+json."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest

from services.survey.domain.responses import Flag
from services.survey.tests.integration.campaign_support import drawn_campaign
from services.survey.use_cases import campaigns
from services.survey.views.resident import blp

pytestmark = pytest.mark.integration

COMPLETE = {"q_sat": "satisfied", "q_topics": ["safety", "help"], "q_score": "4", "q_advice": "好"}


@pytest.fixture
def page(api_client):
    return api_client([blp])


def stamp_of(body: str) -> str:
    found = re.search(r'name="t" value="([^"]+)"', body)
    assert found is not None
    return found.group(1)


def shown_minutes_ago(page, token: str, minutes: int, monkeypatch) -> str:
    """Open the page as if ``minutes`` ago (the signed time is the server's)."""
    earlier = datetime.now(UTC) - timedelta(minutes=minutes)
    from services.survey.use_cases import context as context_module

    monkeypatch.setattr(context_module.SurveyContext, "now", lambda self: earlier)
    shown = page.get(f"/s/{token}")
    monkeypatch.undo()
    assert shown.status_code == 200, shown.get_data(as_text=True)
    return stamp_of(shown.get_data(as_text=True))


def submit(page, token: str, stamp: str | None, **fields):
    data = dict(fields if fields else COMPLETE)
    if stamp is not None:
        data["t"] = stamp
    return page.post(f"/s/{token}", data=data, content_type="application/x-www-form-urlencoded")


def html(response) -> str:
    assert response.mimetype == "text/html", (response.status_code, response.get_data())
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    return response.get_data(as_text=True)


def responses_of(work):
    return work.ctx.responses.list_responses(work.campaign.campaign_id, offset=0, limit=100).items


def test_the_page_shows_the_questionnaire_in_chinese_for_a_phone(fresh_db, page):
    work = drawn_campaign(per_grid=3, quota=1)
    shown = page.get(f"/s/{work.tokens['G01-001']}")
    assert shown.status_code == 200
    body = html(shown)
    assert '<meta name="viewport"' in body
    assert "2026年第四季度群众满意度调查" in body
    assert "您对本网格的服务满意吗？" in body
    assert 'value="basically_satisfied"' in body
    assert "基本满意" in body
    assert "<script" not in body
    assert "http" not in body.split("</head>")[0].replace("http-equiv", "")
    assert "default-src 'none'" in shown.headers["Content-Security-Policy"]


def test_a_link_records_one_answer_and_then_says_it_was_used(fresh_db, page, monkeypatch):
    work = drawn_campaign(per_grid=3, quota=1)
    token = work.tokens["G01-001"]
    stamp = shown_minutes_ago(page, token, 3, monkeypatch)
    done = submit(page, token, stamp)
    assert done.status_code == 200
    assert "提交成功" in html(done)
    again = submit(page, token, stamp)
    assert again.status_code == 410
    assert "您已提交过答卷" in html(again)
    assert page.get(f"/s/{token}").status_code == 410
    (recorded,) = responses_of(work)
    assert recorded.flags == frozenset()
    assert recorded.answers == {
        "sat": "satisfied",
        "topics": ["safety", "help"],
        "score": 4,
        "advice": "好",
    }
    assert 150 <= (recorded.duration_seconds or 0) <= 200


def test_two_racing_submissions_record_one_answer(fresh_db, page, monkeypatch):
    work = drawn_campaign(per_grid=3, quota=1)
    token = work.tokens["G02-001"]
    stamp = shown_minutes_ago(page, token, 2, monkeypatch)
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def send() -> None:
        client = page.app.test_client()
        barrier.wait()
        response = client.post(
            f"/s/{token}",
            data={**COMPLETE, "t": stamp},
            content_type="application/x-www-form-urlencoded",
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 410, 410, 410]
    assert len(responses_of(work)) == 1


def test_unknown_and_malformed_links_get_a_404_page(fresh_db, page):
    drawn_campaign(per_grid=2, quota=1)
    for path in (
        "/s/tenant-a.AAAAAAAAAAAAAAAAAAAAAA",
        "/s/nonsense",
        "/s/tenant-zz.AAAAAAAAAAAAAAAAAAAAAA",
    ):
        for response in (page.get(path), page.post(path, data={"q_sat": "satisfied"})):
            assert response.status_code == 404
            assert "链接无效" in html(response)


def test_a_closed_campaign_or_an_expired_link_gets_a_410_page(fresh_db, page):
    work = drawn_campaign(per_grid=3, quota=2, link_validity_days=1)
    later = page.app.test_client()
    token = work.tokens["G01-001"]
    from services.survey.use_cases import context as context_module

    tomorrow = datetime.now(UTC) + timedelta(days=1, minutes=1)
    original = context_module.SurveyContext.now
    context_module.SurveyContext.now = lambda self: tomorrow  # type: ignore[method-assign]
    try:
        expired = later.get(f"/s/{token}")
    finally:
        context_module.SurveyContext.now = original  # type: ignore[method-assign]
    assert expired.status_code == 410
    assert "链接已过期" in html(expired)
    campaigns.close_campaign(work.ctx, campaign_id=work.campaign.campaign_id)
    closed = submit(page, work.tokens["G01-002"], None)
    assert closed.status_code == 410
    assert "链接已过期" in html(closed)
    assert responses_of(work) == []


def test_a_campaign_not_started_says_so(fresh_db, page):
    work = drawn_campaign(per_grid=2, quota=1, opened=False)
    shown = page.get(f"/s/{work.tokens['G01-001']}")
    assert shown.status_code == 409
    assert "调查尚未开始" in html(shown)


@pytest.mark.parametrize(
    "fields",
    [
        {"q_sat": "delighted", "q_score": "4"},
        {"q_sat": "satisfied", "q_score": "11"},
        {"q_sat": "satisfied", "q_advice": "坏\x00人"},
        {"q_sat": "satisfied", "q_advice": "长" * 5000},
        {"q_sat": "satisfied", "q_hack": "1"},
        {"q_sat": ["satisfied", "unsatisfied"]},
        {"q_sat": "", "q_advice": " "},
    ],
)
def test_a_hostile_form_gets_the_page_again_with_a_chinese_message(fresh_db, page, fields):
    work = drawn_campaign(per_grid=2, quota=1)
    token = work.tokens["G01-001"]
    refused = submit(page, token, "1.forged", **fields)
    assert refused.status_code == 422
    body = html(refused)
    assert "提交的内容有误" in body
    assert "您对本网格的服务满意吗？" in body
    assert responses_of(work) == []
    # The link still works.
    assert page.get(f"/s/{token}").status_code == 200


def test_a_blank_form_does_not_spend_the_link(fresh_db, page):
    work = drawn_campaign(per_grid=2, quota=1)
    token = work.tokens["G01-001"]
    blank = submit(page, token, None, q_sat="", q_advice=" ")
    assert blank.status_code == 422
    assert "请至少回答一题" in html(blank)
    wrong = submit(page, token, None, q_sat="delighted")
    assert "此题的答案无效" in html(wrong)
    assert responses_of(work) == []


def test_a_too_fast_or_unsigned_answer_is_recorded_and_flagged(fresh_db, page):
    work = drawn_campaign(per_grid=3, quota=2)
    shown = page.get(f"/s/{work.tokens['G01-001']}")
    assert submit(page, work.tokens["G01-001"], stamp_of(html(shown))).status_code == 200
    assert submit(page, work.tokens["G01-002"], "1700000000000.h1:forged").status_code == 200
    flags = sorted(sorted(f.value for f in r.flags) for r in responses_of(work))
    assert flags == [["too_fast"], ["too_fast"]]


def test_an_incomplete_answer_is_recorded_and_flagged(fresh_db, page, monkeypatch):
    work = drawn_campaign(per_grid=2, quota=1)
    token = work.tokens["G01-001"]
    stamp = shown_minutes_ago(page, token, 2, monkeypatch)
    done = submit(page, token, stamp, q_sat="basically_satisfied")
    assert done.status_code == 200
    (recorded,) = responses_of(work)
    assert recorded.flags == frozenset({Flag.INCOMPLETE})
    assert str(recorded.credit) == "0.5"


def test_a_body_too_large_or_not_a_form_is_a_page_not_a_problem(fresh_db, page):
    work = drawn_campaign(per_grid=2, quota=1)
    token = work.tokens["G01-001"]
    huge = page.post(
        f"/s/{token}",
        data={"q_advice": "x" * 1_200_000},
        content_type="application/x-www-form-urlencoded",
    )
    assert huge.status_code == 413
    assert "内容过多" in html(huge)
    as_json = page.post(f"/s/{token}", json={"q_sat": "satisfied"})
    assert as_json.status_code == 415
    assert "请求无效" in html(as_json)
    assert responses_of(work) == []


def test_the_page_needs_no_token_and_ignores_one(fresh_db, page):
    work = drawn_campaign(per_grid=2, quota=1)
    anonymous = page.client.get(f"/s/{work.tokens['G01-001']}")
    assert anonymous.status_code == 200
