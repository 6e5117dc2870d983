"""The closed-events repository on the real FerretDB: entries in and out, the closures of a
period by the tenant-local day, reopened events left out, tenants apart."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from services.survey.domain.closed_events import EVENT_CLOSED, EVENT_REOPENED, apply_message
from services.survey.repository.closed_events import ClosedEventRepository
from shared.errors import Conflict
from shared.mongo.pg_reads import configure_equality_reads
from shared.periods import Period, parse_period

pytestmark = pytest.mark.integration

POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)


@pytest.fixture(params=["ferretdb", "postgres"])
def read_path(request: pytest.FixtureRequest, fresh_db: str) -> Iterator[str]:
    """Both ways a period's closures are read: through FerretDB, or from the PostgreSQL
    behind it (as the services run locally)."""
    configure_equality_reads(POSTGRES_URL if request.param == "postgres" else None)
    yield str(request.param)
    configure_equality_reads(None)


def period(kind: str, label: object) -> Period:
    parsed = parse_period(kind, label)
    assert isinstance(parsed, Period)
    return parsed


def close(repo: ClosedEventRepository, event_id: str, closed_at: datetime, grid: str = "g-1"):
    state = {
        "event_id": event_id,
        "grid_id": grid,
        "division_id": "div-1",
        "source": "grid_app",
        "category": "city_management",
        "closed_at": closed_at,
    }
    entry = apply_message(
        repo.find(event_id),
        type_=EVENT_CLOSED,
        state=state,
        occurred_at=closed_at,
        message_id=f"m-{event_id}-{closed_at.isoformat()}",
    )
    assert entry is not None
    return repo.record(entry)


def test_closures_of_a_period_by_the_tenant_local_day(read_path):
    repo = ClosedEventRepository("tenant-a")
    # 23:30 on 31 March in Shanghai, then 00:30 on 1 April, then mid-April and June.
    close(repo, "e-march", datetime(2026, 3, 31, 15, 30, tzinfo=UTC))
    close(repo, "e-april", datetime(2026, 3, 31, 16, 30, tzinfo=UTC))
    close(repo, "e-mid", datetime(2026, 4, 15, 2, 0, tzinfo=UTC), grid="g-2")
    close(repo, "e-june", datetime(2026, 6, 30, 8, 0, tzinfo=UTC))
    close(ClosedEventRepository("tenant-b"), "e-b", datetime(2026, 4, 2, 2, 0, tzinfo=UTC))

    april = repo.closed_in(period("month", "2026-04"))
    assert [event.event_id for event in april] == ["e-april", "e-mid"]
    assert [event.day.isoformat() for event in april] == ["2026-04-01", "2026-04-15"]
    assert april[1].grid_id == "g-2"
    q2 = period("quarter", "2026-Q2")
    assert [event.event_id for event in repo.closed_in(q2)] == ["e-april", "e-mid", "e-june"]
    custom = repo.closed_in(period("custom", {"start": "2026-03-31", "end": "2026-04-01"}))
    assert [event.event_id for event in custom] == ["e-march", "e-april"]
    assert [e.event_id for e in ClosedEventRepository("tenant-b").closed_in(q2)] == ["e-b"]


def test_a_reopened_event_is_not_closed_until_closed_again(read_path):
    repo = ClosedEventRepository("tenant-a")
    closed_at = datetime(2026, 4, 15, 2, 0, tzinfo=UTC)
    stored = close(repo, "e-1", closed_at)
    reopened = apply_message(
        stored,
        type_=EVENT_REOPENED,
        state={
            "event_id": "e-1",
            "grid_id": "g-1",
            "division_id": "div-1",
            "source": "grid_app",
            "category": "city_management",
            "closed_at": None,
        },
        occurred_at=closed_at + timedelta(days=1),
        message_id="m-reopen",
    )
    assert reopened is not None
    repo.record(reopened)
    assert repo.closed_in(period("month", "2026-04")) == []
    assert repo.closed_event("e-1") is None
    found = repo.find("e-1")
    assert found is not None
    assert found.closed is False
    assert found.mark.event_ids == ("m-reopen",)
    close(repo, "e-1", closed_at + timedelta(days=20))
    [again] = repo.closed_in(period("month", "2026-05"))
    assert (again.event_id, again.day.isoformat()) == ("e-1", "2026-05-05")


def test_a_second_insert_of_one_event_is_a_conflict(fresh_db):
    repo = ClosedEventRepository("tenant-a")
    closed_at = datetime(2026, 4, 15, 2, 0, tzinfo=UTC)
    entry = apply_message(
        None,
        type_=EVENT_CLOSED,
        state={
            "event_id": "e-1",
            "grid_id": "g-1",
            "division_id": None,
            "source": "web",
            "category": "c",
            "closed_at": closed_at,
        },
        occurred_at=closed_at,
        message_id="m1",
    )
    assert entry is not None
    repo.record(entry)
    with pytest.raises(Conflict):
        repo.record(entry)
