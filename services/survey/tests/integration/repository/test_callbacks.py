"""The 12345 callback repository on the real FerretDB: kept callbacks in and out, the list by
period and grid, and the hotline answers a rate counts (by the tenant-local day of the call,
unreachable calls left out, the definition's basic credit), fast for 20,000 callbacks."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.survey.documents.callbacks import CallbackDocument
from services.survey.domain.callbacks import Callback, Origin, Outcome
from services.survey.domain.rates import RatedAnswer, Source
from services.survey.repository.callbacks import CallbackRepository, _to_document
from shared.errors import Conflict
from shared.mongo.pg_reads import configure_equality_reads
from shared.periods import Period, parse_period

pytestmark = pytest.mark.integration

NOW = datetime(2026, 7, 10, 2, 0, tzinfo=UTC)
POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)


@pytest.fixture(params=["ferretdb", "postgres"])
def read_path(request: pytest.FixtureRequest, fresh_db: str) -> Iterator[str]:
    """Both ways a period's rows are read: through FerretDB, or from the PostgreSQL behind it
    (as the services run locally)."""
    configure_equality_reads(POSTGRES_URL if request.param == "postgres" else None)
    yield str(request.param)
    configure_equality_reads(None)


def period(kind: str, label: object) -> Period:
    parsed = parse_period(kind, label)
    assert isinstance(parsed, Period)
    return parsed


def callback(no: str, outcome: Outcome, called_at: datetime, **changes: object) -> Callback:
    made = Callback(
        tenant_id="tenant-a",
        work_order_no=no,
        event_id=None,
        grid_id="g-1",
        division_id="div-1",
        attached_by=Origin.IMPORT,
        worker_id="u-w1",
        outcome=outcome,
        called_at=called_at,
        origin=Origin.IMPORT,
        recorded_at=NOW,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def test_a_callback_round_trips_and_is_written_back_at_its_revision(fresh_db):
    repo = CallbackRepository("tenant-a")
    stored = repo.save_callback(callback("GD1", Outcome.SATISFIED, NOW - timedelta(days=1)), [])
    assert stored.revision == 1
    found = repo.find("GD1")
    assert found == stored
    with pytest.raises(Conflict):
        repo.save_callback(callback("GD1", Outcome.SATISFIED, NOW), [])
    moved = repo.save_callback(replace(stored, outcome=Outcome.UNSATISFIED), [])
    assert moved.revision == 2
    with pytest.raises(Conflict):  # written from the stale revision 1
        repo.save_callback(replace(stored, outcome=Outcome.SATISFIED), [])
    assert CallbackRepository("tenant-b").find("GD1") is None


def test_the_answers_a_rate_counts(read_path):
    repo = CallbackRepository("tenant-a")
    june_end = datetime(2026, 6, 30, 15, 30, tzinfo=UTC)  # 23:30 on 30 June in Shanghai
    july_start = datetime(2026, 6, 30, 16, 30, tzinfo=UTC)  # 00:30 on 1 July in Shanghai
    for found in (
        callback("A", Outcome.SATISFIED, june_end),
        callback("B", Outcome.BASICALLY_SATISFIED, june_end, grid_id="g-2", worker_id=None),
        callback("C", Outcome.UNSATISFIED, june_end, division_id=None),
        callback("D", Outcome.UNREACHABLE, june_end),
        callback("E", Outcome.SATISFIED, july_start),
    ):
        repo.save_callback(found, [])
    repo_b = CallbackRepository("tenant-b")
    repo_b.save_callback(
        replace(callback("A", Outcome.SATISFIED, june_end), tenant_id="tenant-b"), []
    )

    june = repo.rated_answers(period("month", "2026-06"), Decimal("0.5"))
    assert sorted(june, key=lambda answer: answer.credit) == [
        RatedAnswer(Source.HOTLINE, "g-1", None, "u-w1", Decimal(0)),
        RatedAnswer(Source.HOTLINE, "g-2", "div-1", None, Decimal("0.5")),
        RatedAnswer(Source.HOTLINE, "g-1", "div-1", "u-w1", Decimal(1)),
    ]
    full = repo.rated_answers(period("quarter", "2026-Q2"), Decimal(1))
    assert sorted(answer.credit for answer in full) == [Decimal(0), Decimal(1), Decimal(1)]
    assert [a.credit for a in repo.rated_answers(period("month", "2026-07"), Decimal(0))] == [
        Decimal(1)
    ]
    assert len(repo.rated_answers(period("half", "2026-H1"), Decimal(0))) == 3
    assert len(repo.rated_answers(period("year", "2026"), Decimal(0))) == 4
    edge = period("custom", {"start": "2026-06-30", "end": "2026-07-01"})
    assert len(repo.rated_answers(edge, Decimal(0))) == 4
    assert len(repo_b.rated_answers(period("year", "2026"), Decimal(0))) == 1


def test_the_list_by_period_and_grid_latest_first(fresh_db):
    repo = CallbackRepository("tenant-a")
    base = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    for n in range(6):
        repo.save_callback(
            callback(
                f"GD{n}", Outcome.SATISFIED, base + timedelta(days=n * 10), grid_id=f"g-{n % 2}"
            ),
            [],
        )
    page = repo.list_callbacks(offset=0, limit=3, period=period("quarter", "2026-Q2"))
    assert page.total == 6
    assert [item.work_order_no for item in page.items] == ["GD5", "GD4", "GD3"]
    may = repo.list_callbacks(offset=0, limit=10, period=period("month", "2026-05"), grid_id="g-0")
    assert [item.work_order_no for item in may.items] == ["GD2", "GD0"]
    custom = period("custom", {"start": "2026-05-11", "end": "2026-05-21"})
    assert repo.list_callbacks(offset=0, limit=10, period=custom).total == 2


@pytest.fixture
def postgres_reads(fresh_db: str) -> Iterator[None]:
    configure_equality_reads(POSTGRES_URL)
    yield
    configure_equality_reads(None)


def test_a_quarter_of_20000_callbacks_is_read_fast(postgres_reads):
    outcomes = list(Outcome)
    start = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)
    docs = [
        _to_document(
            callback(
                f"GD{n:06d}",
                outcomes[n % 4],
                start + timedelta(minutes=6 * n),  # 20,000 calls over about 83 days
                grid_id=f"g-{n % 500}",
                worker_id=f"u-{n % 500}",
            ),
            f"tenant-a|GD{n:06d}",
        ).to_mongo()
        for n in range(20_000)
    ]
    collection = CallbackDocument._get_collection()
    for chunk in range(0, len(docs), 2_000):
        collection.insert_many(docs[chunk : chunk + 2_000], ordered=False)
    repo = CallbackRepository("tenant-a")
    started = time.perf_counter()
    answers = repo.rated_answers(period("quarter", "2026-Q2"), Decimal("0.5"))
    elapsed = time.perf_counter() - started
    print(f"\n20,000 callbacks, 15,000 answers of a quarter read in {elapsed:.2f} s")
    assert len(answers) == 15_000
    assert sum(answer.credit for answer in answers) == Decimal(5_000) * Decimal("1.5")
    assert elapsed < 2.0
