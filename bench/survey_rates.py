"""Satisfaction rates (满意率) at issue 13's speed goal, against raw baselines.

* A 500-grid tenant's quarter: ``BENCH_SURVEY_GRIDS`` (500) grids in 20 divisions, one grid
  worker each, ``BENCH_SURVEY_ANSWERS`` (50,000) approved survey answers spread over them as
  the response repository stores them (credits 1 / 0.5 / 0), a few grids with fewer answers
  than the minimum so the suppression has work to do, and ``BENCH_SURVEY_CALLBACKS`` (10,000)
  kept 12345 callbacks as the callback repository stores them.
* `use_cases.rates.rate_table` as centre staff, end to end: the tenant's settings, the
  approved answers read through `ResponseRepository.rated_answers` (PostgreSQL behind FerretDB
  when it can answer, as in the service), the rates per grid, worker, division and tenant with
  Wilson intervals, and the complementary suppression. Survey only (goal: < 2 s) and survey
  0.7 + 12345 callbacks 0.3. Best and median of ``BENCH_SURVEY_ROUNDS`` (5) runs; the store
  read and the arithmetic are also timed alone.
* `use_cases.rates.publish_rates` once (the table stored with its four `rates.published`).
* Raw baselines: a bare pymongo ``find`` of the same answers (the four fields), and the same
  sums per grid, worker, division and tenant over plain tuples in memory; the ratios say what
  the service adds (the interval, the suppression, the domain objects) over fetching and
  adding up.

Everything lives in a throw-away database, dropped at the end; no demo tenant is touched.

Run: ``python -m bench.survey_rates`` (``make bench`` runs it with the others); a quick run:
``BENCH_SURVEY_ANSWERS=10000 BENCH_SURVEY_ROUNDS=2 python -m bench.survey_rates``.
"""

from __future__ import annotations

import os
import random
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import mongoengine
from pymongo import MongoClient
from pymongo.collection import Collection

from bench.baselines import MONGO_URI
from services.survey.documents.callbacks import CallbackDocument
from services.survey.documents.responses import ResponseDocument
from services.survey.domain import rates as domain
from services.survey.domain.rates import RateDefinition, Source
from services.survey.use_cases import rates
from services.survey.use_cases.context import SurveyContext
from shared.mongo.indexes import ensure_gin_indexes
from shared.runtime import connect_database, service_documents
from shared.settings import PlatformSettings, Secret

POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)
GRIDS = int(os.environ.get("BENCH_SURVEY_GRIDS", "500"))
ANSWERS = int(os.environ.get("BENCH_SURVEY_ANSWERS", "50000"))
CALLBACKS = int(os.environ.get("BENCH_SURVEY_CALLBACKS", "10000"))
ROUNDS = int(os.environ.get("BENCH_SURVEY_ROUNDS", "5"))
DIVISIONS = 20
SMALL_GRIDS = 5  # grids with 3 answers: below the minimum of 5
GOAL_SECONDS = 2.0
TENANT = "bench-survey"
PERIOD = "2026-Q4"
CREDITS = (("1", 0.72), ("0.5", 0.18), ("0", 0.10))


def grid_of(index: int) -> tuple[str, str, str]:
    """(grid, division, worker) of grid number ``index``."""
    return f"g{index:04d}", f"d{index % DIVISIONS:02d}", f"w{index:04d}"


def _credit(rng: random.Random) -> str:
    draw = rng.random()
    for credit, share in CREDITS:
        if draw < share:
            return credit
        draw -= share
    return CREDITS[-1][0]


def fill_answers(collection: Collection[dict[str, Any]]) -> int:
    """ANSWERS approved survey answers of the quarter, as `ResponseRepository` stores them."""
    rng = random.Random(13)
    small = SMALL_GRIDS * 3
    per_grid = (ANSWERS - small) // (GRIDS - SMALL_GRIDS)
    docs: list[dict[str, Any]] = []
    written = 0
    for index in range(GRIDS):
        grid, division, worker = grid_of(index)
        count = 3 if index < SMALL_GRIDS else per_grid
        if index == GRIDS - 1:
            count = ANSWERS - written - len(docs)
        for _ in range(count):
            docs.append(
                ResponseDocument(
                    response_id=f"r{uuid.uuid4().hex}",
                    tenant_id=TENANT,
                    campaign_id="bench-campaign",
                    period_kind="quarter",
                    period=PERIOD,
                    source=Source.SURVEY.value,
                    grid_id=grid,
                    division_id=division,
                    worker_id=worker,
                    channel="phone",
                    questionnaire_id="bench-q",
                    questionnaire_version=1,
                    answers="{}",
                    satisfaction_option="x",
                    credit=_credit(rng),
                    duration_seconds=240,
                    flagged=False,
                    received_on="2026-11-02",
                    review="approved",
                ).to_mongo()
            )
        if len(docs) >= 5000:
            collection.insert_many(docs, ordered=False)
            written += len(docs)
            docs = []
    if docs:
        collection.insert_many(docs, ordered=False)
        written += len(docs)
    return written


def fill_callbacks(collection: Collection[dict[str, Any]]) -> int:
    """CALLBACKS kept 12345 callbacks of the quarter, as `CallbackRepository` keeps them."""
    rng = random.Random(12345)
    outcomes = ("satisfied", "satisfied", "basically_satisfied", "unsatisfied", "unreachable")
    docs = []
    for _ in range(CALLBACKS):
        grid, division, worker = grid_of(rng.randrange(SMALL_GRIDS, GRIDS))
        number = uuid.uuid4().hex[:16]
        outcome = rng.choice(outcomes)
        docs.append(
            CallbackDocument(
                key=f"{TENANT}|{number}",
                tenant_id=TENANT,
                work_order_no=number,
                grid_id=grid,
                division_id=division,
                attached_by="import",
                worker_id=worker,
                outcome=outcome,
                reached=outcome != "unreachable",
                called_at=datetime(2026, 11, 5, 2, tzinfo=UTC),
                day="2026-11-05",
                month="2026-11",
                quarter=PERIOD,
                half="2026-H2",
                year="2026",
                origin="import",
                recorded_at=datetime(2026, 11, 6, tzinfo=UTC),
            ).to_mongo()
        )
    if docs:
        collection.insert_many(docs, ordered=False)
    return len(docs)


def timed(action: Callable[[], Any]) -> tuple[list[float], Any]:
    """ROUNDS timings of ``action`` (seconds) and its last result."""
    seconds: list[float] = []
    result = None
    for _ in range(ROUNDS):
        started = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def shown(seconds: list[float]) -> str:
    return f"best {min(seconds):.3f} s, median {statistics.median(seconds):.3f} s"


def raw_find(collection: Collection[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """The bare driver's read: the same answers, the same four fields, nothing else."""
    query = {"tenant_id": TENANT, "review": "approved", "period": PERIOD, "source": "survey"}
    projection = {"grid_id": 1, "division_id": 1, "worker_id": 1, "credit": 1, "_id": 0}
    return [
        (row["grid_id"], row["division_id"], row["worker_id"], row["credit"])
        for row in collection.find(query, projection)
    ]


def raw_sums(rows: list[tuple[str, str, str, str]]) -> dict[tuple[str, str], list[Any]]:
    """n and the sum of credits per grid, worker, division and tenant over plain tuples."""
    sums: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for grid, division, worker, credit in rows:
        value = Decimal(credit)
        for key in (("grid", grid), ("division", division), ("worker", worker), ("tenant", "")):
            entry = sums[key]
            entry[0] += 1
            entry[1] += value
    return sums


def measure(database_name: str) -> None:
    client: MongoClient[dict[str, Any]] = MongoClient(MONGO_URI)
    answers = client[database_name][ResponseDocument._get_collection_name()]
    started = time.perf_counter()
    stored = fill_answers(answers)
    calls = fill_callbacks(client[database_name][CallbackDocument._get_collection_name()])
    print(
        f"{stored:,} approved answers over {GRIDS} grids ({SMALL_GRIDS} with 3 answers) and "
        f"{calls:,} 12345 callbacks inserted in {time.perf_counter() - started:.1f} s"
    )
    ctx = SurveyContext(tenant_id=TENANT, actor="u-centre", roles=frozenset({"center-staff"}))

    read_s, found = timed(lambda: ctx.responses.rated_answers(PERIOD, Source.SURVEY))
    assert len(found) == stored, (len(found), stored)
    definition = RateDefinition(weights={Source.SURVEY: Decimal(1)})
    compute_s, table = timed(
        lambda: domain.compute_rates(found, definition, tenant_id=TENANT, minimum=5)
    )
    total_s, view = timed(
        lambda: rates.rate_table(ctx, period_kind="quarter", period=PERIOD, sources="survey")
    )
    hidden = sum(1 for row in view.rows if row.suppressed)
    tenant_row = table.row(domain.Scope.TENANT, TENANT)
    mixed_s, mixed = timed(
        lambda: rates.rate_table(
            ctx, period_kind="quarter", period=PERIOD, sources="survey:0.7,hotline:0.3"
        )
    )
    started = time.perf_counter()
    publication = rates.publish_rates(ctx, period_kind="quarter", period=PERIOD)
    publish_s = time.perf_counter() - started

    find_s, rows = timed(lambda: raw_find(answers))
    sums_s, sums = timed(lambda: raw_sums(rows))
    assert sums[("tenant", "")][0] == stored
    assert tenant_row is not None
    assert tenant_row.n == stored
    baseline = min(find_s) + min(sums_s)
    goal = "met" if min(total_s) < GOAL_SECONDS else "MISSED"
    print(
        f"\nrate_table, survey only ({len(view.rows):,} rows, {hidden} hidden, tenant rate "
        f"{tenant_row.rate}): {shown(total_s)}  [goal < {GOAL_SECONDS:.0f} s: {goal}]"
    )
    print(f"  of which the store read (rated_answers): {shown(read_s)}")
    print(f"  of which the arithmetic and suppression (compute_rates): {shown(compute_s)}")
    print(f"rate_table, survey 0.7 + 12345 0.3 ({len(mixed.rows):,} rows): {shown(mixed_s)}")
    print(
        f"publish_rates (edition {publication.edition}, {len(publication.table.rows):,} rows, "
        f"4 messages in the outbox): {publish_s:.3f} s"
    )
    print(f"\nraw: bare pymongo find of the same answers (4 fields): {shown(find_s)}")
    print(f"raw: the same sums over plain tuples: {shown(sums_s)}")
    print(
        f"ratios (best against best): rate_table / (find + sums) = "
        f"{min(total_s) / baseline:.2f}x; rated_answers / find = "
        f"{min(read_s) / min(find_s):.2f}x; compute_rates / sums = "
        f"{min(compute_s) / min(sums_s):.2f}x"
    )
    client.close()


def main() -> None:
    run = uuid.uuid4().hex[:8]
    database_name = f"bench_survey_{run}"
    client: MongoClient[dict[str, Any]] = MongoClient(MONGO_URI)
    ferret = "ferretdbVersion" in client.admin.command("buildInfo")
    postgres = POSTGRES_URL if ferret else None
    print(f"throw-away database {database_name}")
    settings = PlatformSettings.from_env(
        service="survey",
        mongo_db=database_name,
        mongo_postgres_url=None if postgres is None else Secret(postgres),
    )
    connect_database(settings)  # also the PostgreSQL bulk reads and the write leases
    documents = service_documents("survey")
    for document in documents:
        document._collection = None  # cached per class: point them at this run's database
    try:
        if postgres is not None:
            ensure_gin_indexes(postgres, client[database_name], documents)
        measure(database_name)
    finally:
        client.drop_database(database_name)
        client.close()
        mongoengine.disconnect()


if __name__ == "__main__":
    main()
