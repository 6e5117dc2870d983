"""Provisional scores on the real FerretDB: the worker's job refreshes the current period of
the schemes whose tenant's ledger changed (or that were published since), overwrites the
previous sheet, deletes what it replaced, never publishes, and never goes backwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.scoring.documents.evaluations import EvaluationDocument, ScoreSheetChunkDocument
from services.scoring.tests.integration.evaluation_support import bridge, shanhu_month
from services.scoring.use_cases import evaluations, schemes
from services.scoring.use_cases.context import ScoringContext
from services.scoring.views.evaluations import blp
from services.scoring.views.schemes import blp as schemes_blp

pytestmark = pytest.mark.integration

NOW = datetime(2026, 9, 15, 4, 0, tzinfo=UTC)
CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
W02 = {"subject": "w02", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
SEED_004 = "seed_004_shanhu_street_full_time_worker"


class Ledger:
    """Which tenants the ledger says changed, and what the job asked it."""

    def __init__(self) -> None:
        self.changed: list[str] = []
        self.asked: list[int] = []

    def __call__(self, since_ms: int) -> list[str]:
        self.asked.append(since_ms)
        return list(self.changed)


@pytest.fixture
def failing(monkeypatch):
    by_period: dict[str, dict[str, list[int]]] = {"2026-09": {"w02": [7]}}
    bridge(
        monkeypatch, lambda scheme, period: shanhu_month(period, by_period.get(period.label, {}))
    )
    return by_period


def publish_scheme(tenant_id: str, scheme_id: str, at: datetime = NOW - timedelta(hours=1)) -> None:
    ctx = ScoringContext(tenant_id=tenant_id, actor="u-centre", clock=lambda: at)
    schemes.create_scheme(ctx, scheme_id=scheme_id, template=SEED_004)
    schemes.publish_scheme(ctx, scheme_id=scheme_id)


def provisional(tenant_id: str = "tenant-a", scheme_id: str = "shanhu"):
    ctx = ScoringContext(tenant_id=tenant_id, actor="u-centre", roles=frozenset({"center-staff"}))
    return evaluations.get_provisional(ctx, scheme_id=scheme_id, period="2026-09")


def w02_patrol(view) -> str:
    row = next(r for r in view.rows if r.subject_id == "w02")
    return str(next(m.amount for m in row.money if m.rule_id == "patrol_subsidy"))


def test_the_first_pass_refreshes_every_published_scheme_then_only_changed_tenants(
    fresh_db, failing
):
    publish_scheme("tenant-a", "shanhu")
    publish_scheme("tenant-b", "other")
    ledger = Ledger()
    job = evaluations.ProvisionalJob(ledger)
    assert job(NOW) == 2
    assert ledger.asked == []
    first = provisional()
    assert (first.header.kind.value, first.header.edition, first.header.period.label) == (
        "provisional",
        0,
        "2026-09",
    )
    assert w02_patrol(first) == "775.00"
    # nothing changed: nothing is evaluated
    assert job(NOW + timedelta(seconds=2)) == 0
    assert ledger.asked == [int(NOW.timestamp() * 1000) - evaluations.CLOCK_MARGIN_MS]
    # a new fact in tenant A: only its scheme is evaluated again, with the new facts
    failing["2026-09"] = {"w02": [7, 8]}
    ledger.changed = ["tenant-a"]
    assert job(NOW + timedelta(seconds=4)) == 1
    assert w02_patrol(provisional()) == "750.00"
    # the replaced run's sheets are gone; provisional scores are never published
    headers = EvaluationDocument.objects(tenant_id="tenant-a")
    assert [h.kind for h in headers] == ["provisional"]
    assert headers[0].outbox == []
    runs = {doc.run_id for doc in ScoreSheetChunkDocument.objects(tenant_id="tenant-a")}
    assert runs == {headers[0].run_id}


def test_a_scheme_published_since_the_last_pass_is_refreshed_without_a_new_fact(fresh_db, failing):
    job = evaluations.ProvisionalJob(Ledger())
    assert job(NOW) == 0
    publish_scheme("tenant-a", "shanhu", at=NOW + timedelta(seconds=1))
    assert job(NOW + timedelta(seconds=2)) == 1
    assert provisional().rows


def test_a_failed_refresh_is_tried_again_on_the_next_pass(fresh_db, monkeypatch):
    publish_scheme("tenant-a", "shanhu")
    calls: list[str] = []

    def flaky(scheme, period):
        calls.append(period.label)
        if len(calls) == 1:
            raise RuntimeError("ledger unavailable")
        return shanhu_month(period, {})

    bridge(monkeypatch, flaky)
    job = evaluations.ProvisionalJob(Ledger())
    assert job(NOW) == 0
    assert job(NOW + timedelta(seconds=2)) == 1
    assert calls == ["2026-09", "2026-09"]


def test_an_older_evaluation_never_replaces_a_newer_one(fresh_db, failing):
    publish_scheme("tenant-a", "shanhu")
    later = ScoringContext(tenant_id="tenant-a", actor="job", clock=lambda: NOW)
    assert evaluations.refresh_provisional(later, scheme_id="shanhu")
    earlier = ScoringContext(
        tenant_id="tenant-a", actor="job", clock=lambda: NOW - timedelta(seconds=1)
    )
    assert not evaluations.refresh_provisional(earlier, scheme_id="shanhu")
    assert provisional().header.evaluated_at == NOW


def test_provisional_scores_through_the_api(api_client, failing):
    api = api_client([schemes_blp, blp])
    publish_scheme("tenant-a", "shanhu")
    missing = api.get("/schemes/shanhu/provisional?period=2026-09", as_user=CENTRE)
    assert missing.status_code == 404
    evaluations.ProvisionalJob(Ledger())(NOW)
    found = api.get("/schemes/shanhu/provisional?period=2026-09", as_user=CENTRE)
    assert found.status_code == 200, found.get_json()
    body = found.get_json()
    assert (body["kind"], body["edition"], body["subjects"]) == ("provisional", 0, 3)
    own = api.get("/schemes/shanhu/provisional?period=2026-09", as_user=W02).get_json()
    assert [r["subject_id"] for r in own["rows"]] == ["w02"]
    sheet = api.get("/schemes/shanhu/provisional/sheets/w02?period=2026-09", as_user=W02)
    assert sheet.status_code == 200
    assert sheet.get_json()["kind"] == "provisional"
    other = api.get("/schemes/shanhu/provisional/sheets/w01?period=2026-09", as_user=W02)
    assert other.status_code == 404
    # provisional scores are not history: September can still be locked and published
    assert api.get("/schemes/shanhu/evaluations", as_user=CENTRE).get_json() == []
