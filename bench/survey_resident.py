"""The resident page (居民答卷页) at issue 13's speed goal: 20 submissions/s, p95 < 200 ms.

Each submission is what a resident's phone does: open the one-time link (``GET /s/<token>``:
the questionnaire with its signed time) and send the answers (``POST /s/<token>``: the link
claimed once, the response recorded with its flags, the member marked answered). Submissions
start on an open-loop schedule (``BENCH_SURVEY_RATE``, 20/s, for ``BENCH_SURVEY_SECONDS``,
30 s) from ``BENCH_SURVEY_THREADS`` (16) client threads, each on a keep-alive HTTP
connection; a request's latency counts from its scheduled instant, so a stall shows in every
request it delayed. Reported: p50 / p95 / p99 of the page and of the submission, and their
ratio to a raw baseline, the platform's bare ``/healthz`` (same server, same rate: no store,
no template) — what the HTTP path alone costs.

Checked: every submission answered 200 and recorded exactly one response; a second POST of
a used link answers 410.

Where the service runs:

* default: the survey API in this process (`services.survey.bootstrap` blueprints on
  `shared.http.create_app`) behind a threaded WSGI server on a free port, as gunicorn's
  gthread workers serve it, on a throw-away database of the local FerretDB (the PostgreSQL
  list reads and write leases configured as the service configures them, the GIN indexes
  created as its worker creates them), field keys made for the run, the per-address rate
  limit raised above the bench's rate (it stays in the path);
* ``BENCH_SURVEY_BASE_URL=http://127.0.0.1:8105``: the running survey API. The bench writes
  its tenant (``bench-survey-<run>``) into that service's database
  (``GRIDGOV_MONGO_DB``, default ``gridgov_survey``) through the use cases and deletes it at
  the end. The API's per-address limit (``GRIDGOV_RATE_LIMIT_IP``, 600/minute) is below the
  bench's 2,400 requests a minute from one address: restart it with a higher one, or the
  429s are counted and shown.

Run: ``python -m bench.survey_resident`` (``make bench`` runs it after the baselines).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import mongoengine
import requests
from pymongo import MongoClient
from werkzeug.serving import make_server

from services.survey.bootstrap import BLUEPRINTS
from services.survey.use_cases import campaigns, frames, questionnaires, samples
from services.survey.use_cases.context import SurveyContext
from shared.crypto import KEY_BYTES, FieldCrypto, Keyring, configure_field_crypto
from shared.http import create_app
from shared.mongo import tenant_documents
from shared.mongo.indexes import ensure_gin_indexes
from shared.registry import documents as registry_documents
from shared.registry.testing import seed_registry, square
from shared.runtime import connect_database, service_documents
from shared.settings import PlatformSettings, Secret
from shared.testing.tokens import LocalIssuer
from shared.testing.workbooks import xlsx

MONGO_URI = os.environ.get("GRIDGOV_MONGO_URI", "mongodb://127.0.0.1:27017")
POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)
BASE_URL = os.environ.get("BENCH_SURVEY_BASE_URL", "").rstrip("/")
SERVICE_DB = os.environ.get("GRIDGOV_MONGO_DB", "gridgov_survey")
RATE = float(os.environ.get("BENCH_SURVEY_RATE", "20"))
SECONDS = float(os.environ.get("BENCH_SURVEY_SECONDS", "30"))
THREADS = int(os.environ.get("BENCH_SURVEY_THREADS", "16"))
GRIDS = int(os.environ.get("BENCH_SURVEY_GRIDS", "20"))
GOAL_P95_MS = 200.0

QUESTIONS: list[dict[str, Any]] = [
    {"key": "sat", "kind": "single", "label": "您对本网格的服务满意吗？"},
    {
        "key": "topics",
        "kind": "multiple",
        "label": "您最关心哪些方面？",
        "required": False,
        "options": [
            {"key": "safety", "label": "社会治安"},
            {"key": "clean", "label": "环境卫生"},
            {"key": "help", "label": "为民服务"},
        ],
    },
    {"key": "score", "kind": "rating", "label": "请为网格员打分", "scale_max": 5},
    {"key": "advice", "kind": "text", "label": "您的意见和建议", "required": False},
]
ANSWERS = {"q_sat": "satisfied", "q_topics": ["safety", "clean"], "q_score": "5", "q_advice": "好"}
_STAMP = re.compile(r'name="t" value="([^"]+)"')


def _ms(samples_s: Sequence[float], share: float) -> float:
    """The ``share`` quantile of ``samples_s`` (seconds) in milliseconds."""
    if not samples_s:
        return float("nan")
    if len(samples_s) == 1:
        return samples_s[0] * 1000
    cuts = statistics.quantiles(samples_s, n=1000, method="inclusive")
    return cuts[round(share * 1000) - 1] * 1000


@dataclass(frozen=True)
class Shot:
    """One scheduled job: its latencies (from its scheduled instant) and statuses."""

    page_s: float
    submit_s: float
    page_status: int
    submit_status: int


def _fire(count: int, job: Callable[[requests.Session, int, float], Shot]) -> list[Shot]:
    """Run ``job(session, i, due)`` for i in range(count) at i / RATE after the start, from
    THREADS threads (open loop: a late start still counts from ``due``)."""
    start = time.perf_counter() + 0.3
    shots: list[Shot | None] = [None] * count
    next_job = iter(range(count))
    lock = threading.Lock()

    def worker() -> None:
        with requests.Session() as session:
            while True:
                with lock:
                    i = next(next_job, None)
                if i is None:
                    return
                due = start + i / RATE
                time.sleep(max(0.0, due - time.perf_counter()))
                shots[i] = job(session, i, due)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [shot for shot in shots if shot is not None]


def _submissions(base: str, tokens: Sequence[str]) -> list[Shot]:
    def job(session: requests.Session, i: int, due: float) -> Shot:
        url = f"{base}/s/{tokens[i]}"
        shown = session.get(url, timeout=30)
        page_s = time.perf_counter() - due
        found = _STAMP.search(shown.text)
        began = time.perf_counter()
        sent = session.post(url, data={**ANSWERS, "t": found.group(1) if found else ""}, timeout=30)
        return Shot(page_s, time.perf_counter() - began, shown.status_code, sent.status_code)

    return _fire(len(tokens), job)


def _health(base: str, count: int) -> list[Shot]:
    def job(session: requests.Session, i: int, due: float) -> Shot:
        answered = session.get(f"{base}/healthz", timeout=30)
        return Shot(time.perf_counter() - due, 0.0, answered.status_code, 200)

    return _fire(count, job)


def prepare(tenant_id: str, households: int) -> tuple[list[str], str]:
    """The bench tenant through the use cases: grids, a published questionnaire, a campaign
    whose frame holds ``households`` households, all of them drawn, opened. Returns the link
    tokens and the campaign id."""
    ctx = SurveyContext(tenant_id=tenant_id, actor="bench", roles=frozenset({"center-staff"}))
    seed_registry(
        tenant_id,
        grids=[
            (f"g-{n}", f"div-{n % 4}", f"B{n:03d}", square(120 + n * 0.02, 31.7), date(2025, 1, 1))
            for n in range(GRIDS)
        ],
        teams={
            f"g-{n}": [(f"w-{n}", "full_time_worker", date(2025, 1, 1), None)] for n in range(GRIDS)
        },
    )
    made = questionnaires.create_questionnaire(
        ctx,
        name="群众满意度问卷",
        questions=QUESTIONS,
        satisfaction={"question_key": "sat", "preset": "three_level", "basic_credit": "0.5"},
    )
    questionnaires.publish_questionnaire(ctx, questionnaire_id=made.questionnaire_id)
    per_grid = -(-households // GRIDS)
    campaign = campaigns.create_campaign(
        ctx,
        name="压测满意度调查",
        kind="third_party_survey",
        period_kind="quarter",
        period="2026-Q4",
        questionnaire_id=made.questionnaire_id,
        questionnaire_version=1,
        default_quota=per_grid,
        seed=1,
    )
    rows = [
        (f"H{n:05d}", f"B{n % GRIDS:03d}", f"1390000{n:04d}", f"幸福路{n}号")
        for n in range(per_grid * GRIDS)
    ]
    frames.import_frame(
        ctx,
        campaign_id=campaign.campaign_id,
        data=xlsx(("户编号", "网格编码", "联系电话", "地址"), *rows),
        filename="frame.xlsx",
    )
    samples.draw_sample(ctx, campaign_id=campaign.campaign_id)
    campaigns.open_campaign(ctx, campaign_id=campaign.campaign_id)
    tokens = [m.token for m in ctx.samples.pending_links(campaign.campaign_id) if m.token]
    return tokens[:households], campaign.campaign_id


class LocalServer:
    """survey's API in this process behind a threaded WSGI server on a free port."""

    def __init__(self, database: str, scratch: str) -> None:
        settings = PlatformSettings.from_env(
            service="survey",
            mongo_db=database,
            mongo_postgres_url=Secret(POSTGRES_URL),
            rate_limit_store=f"sqlite:///{scratch}/ratelimit.sqlite",
            rate_limit_ip="100000/minute",
        )
        connect_database(settings)
        self.app = create_app(
            service="survey",
            settings=settings,
            blueprints=BLUEPRINTS,
            readiness_checks={},
            verifier=LocalIssuer().verifier(),
            configure_logs=False,
        )
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()


def _report(shots: list[Shot], health: list[Shot], recorded: int, used_again: int) -> None:
    page = [s.page_s for s in shots]
    sent = [s.page_s + s.submit_s for s in shots]
    submit = [s.submit_s for s in shots]
    base = [s.page_s for s in health]
    statuses = Counter((s.page_status, s.submit_status) for s in shots)
    print(f"\n{'measure':<34} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'p95 / healthz':>14}")
    for name, values in (
        ("GET /s/<token> (the page)", page),
        ("POST /s/<token> (the answer)", submit),
        ("submission (page + answer)", sent),
        ("baseline: GET /healthz", base),
    ):
        ratio = _ms(values, 0.95) / _ms(base, 0.95)
        print(
            f"{name:<34} {_ms(values, 0.50):>8.1f} {_ms(values, 0.95):>8.1f} "
            f"{_ms(values, 0.99):>8.1f} {ratio:>13.1f}x"
        )
    worst = max(_ms(page, 0.95), _ms(submit, 0.95))
    verdict = "met" if worst < GOAL_P95_MS and statuses == {(200, 200): len(shots)} else "MISSED"
    print(
        f"\n{len(shots)} submissions at {RATE:g}/s for {SECONDS:g} s; statuses (page, answer): "
        f"{dict(statuses)}; responses recorded: {recorded}; a used link again: {used_again}"
    )
    print(f"goal: page and answer p95 < {GOAL_P95_MS:.0f} ms at {RATE:g} submissions/s: {verdict}")


def main() -> None:
    run = uuid.uuid4().hex[:8]
    tenant_id = f"bench-survey-{run}"
    count = int(RATE * SECONDS)
    client: MongoClient[dict[str, Any]] = MongoClient(MONGO_URI)
    database = SERVICE_DB if BASE_URL else f"bench_survey_{run}"
    scratch = tempfile.mkdtemp(prefix="bench-survey-")
    keys = [Keyring([(name, os.urandom(KEY_BYTES))]) for name in ("bench", "bench-mac")]
    configure_field_crypto(FieldCrypto.from_keyrings(*keys))
    where = BASE_URL or "the survey API in process"
    print(f"{where}, database {database}, tenant {tenant_id}: {count} submissions")
    try:
        server = None
        if BASE_URL:
            connect_database(
                PlatformSettings.from_env(
                    service="survey", mongo_db=database, mongo_postgres_url=Secret(POSTGRES_URL)
                )
            )
        else:
            server = LocalServer(database, scratch)
            ensure_gin_indexes(
                POSTGRES_URL,
                client[database],
                [*service_documents("survey"), *registry_documents.DOCUMENTS],
            )
        for document in tenant_documents():
            document._collection = None  # cached per class: point them at this database
        started = time.perf_counter()
        tokens, campaign_id = prepare(tenant_id, count)
        print(f"tenant prepared in {time.perf_counter() - started:.1f} s ({len(tokens)} links)")
        if server is not None:
            server.__enter__()
        base = BASE_URL or (server.base if server else "")
        try:
            health = _health(base, count)
            shots = _submissions(base, tokens)
            again = requests.post(f"{base}/s/{tokens[0]}", data=ANSWERS, timeout=30).status_code
        finally:
            if server is not None:
                server.__exit__()
        ctx = SurveyContext(tenant_id=tenant_id, actor="bench")
        recorded = ctx.responses.summary(campaign_id)
        total = sum(recorded[k] for k in ("received", "approved", "rejected"))
        _report(shots, health, total, again)
        # Settled after each answer was sent (`resident.settle`): the sample follows.
        print(f"members answered: {ctx.samples.counts(campaign_id).get('answered', 0)}")
    finally:
        if BASE_URL:
            for name in client[database].list_collection_names():
                client[database][name].delete_many({"tenant_id": tenant_id})
        else:
            client.drop_database(database)
        client.close()
        mongoengine.disconnect()
        configure_field_crypto(None)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
