"""A simulated month on the real FerretDB (use cases, clock driven): the National Day holiday,
the make-up workdays of 20 September and 10 October 2026, a suspension, the overdue scans.

Hand count (default deadlines: city_management accepted within 2 working days and closed
within 7; public_safety accepted within 4 working hours and closed within 3 working days;
working hours 08:30-17:30 Asia/Shanghai):

- E1 city_management, reported Tue 29 Sep 10:00. Acceptance due Thu 8 Oct 17:30 (30 Sep,
  then the holiday 1-7 Oct, then 8 Oct); accepted 8 Oct 09:00: on time. Closure due Fri
  16 Oct 17:30 (9, 10 [make-up Saturday], 12, 13, 14, 15, 16 Oct); closed Sat 17 Oct 10:00:
  late. The scan of 16 Oct 18:00 records its closure overdue.
- E2 city_management, reported Wed 30 Sep 16:00. Acceptance due Fri 9 Oct 17:30; the scan of
  9 Oct 18:00 records it overdue; accepted Mon 12 Oct 09:00: late. Closure due Wed 21 Oct
  17:30 (13-16, 19-21 Oct), never closed: the scan of 21 Oct records it.
- E3 public_safety, reported Sat 10 Oct (a make-up workday) 16:00. Acceptance due Mon 12 Oct
  11:00 (1.5 h on the 10th, 2.5 h on the 12th); accepted 10:30: on time. Closure due Thu
  15 Oct 17:30; suspended Tue 13 Oct 09:00 to Wed 14 Oct 09:00 (9 working hours), so due
  Fri 16 Oct 17:30; closed 16 Oct 15:00: on time (late without the pause).

Accepted on time 2 of 3, closed on time 1 of 2, three overdue marks, each published once.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.event_intake.documents.events import EventDocument, OverdueMarkDocument
from services.event_intake.tests.integration.support import seed_registry, square
from services.event_intake.use_cases import events as cases
from services.event_intake.use_cases.context import IntakeContext
from shared.errors import StateConflict
from shared.mongo.pg_reads import configure_equality_reads, equality_reads

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_db")]
POSTGRES_URL = os.environ.get(
    "GRIDGOV_MONGO_POSTGRES_URL", "postgresql://gridgov@127.0.0.1:5433/ferretdb"
)


@pytest.fixture(params=["ferretdb", "postgres"])
def scan_path(request):
    """The overdue scan asks PostgreSQL for due events when it can, FerretDB otherwise:
    both must find the same."""
    configure_equality_reads(POSTGRES_URL if request.param == "postgres" else None)
    yield request.param
    configure_equality_reads(None)


CST = ZoneInfo("Asia/Shanghai")
TENANT = "tenant-month"
IN_GRID = {"lon": 120.005, "lat": 31.705}


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=CST)


def worker(now: datetime) -> IntakeContext:
    return IntakeContext(
        tenant_id=TENANT, actor="w-1", roles=frozenset({"grid-worker"}), clock=lambda: now
    )


def centre(now: datetime) -> IntakeContext:
    return IntakeContext(
        tenant_id=TENANT, actor="c-1", roles=frozenset({"center-staff"}), clock=lambda: now
    )


def outboxes() -> list[dict]:
    """Every message the tenant's events and overdue marks carry to the relay."""
    return [
        json.loads(entry.envelope)
        for document in (EventDocument, OverdueMarkDocument)
        for doc in document.objects(tenant_id=TENANT)
        for entry in doc.outbox
    ]


def overdue_messages() -> list[tuple[str, str]]:
    return sorted(
        (message["payload"]["event_id"], message["payload"]["deadline"])
        for message in outboxes()
        if message["type"] == "event.overdue"
    )


def report(now: datetime, category: str) -> str:
    found = cases.report_event(
        worker(now), source="grid_app", category=category, title="巡查发现", position=IN_GRID
    )
    return found.event.event_id


def act(now: datetime, event_id: str, action: str, **details) -> None:
    cases.act(centre(now), event_id=event_id, action=action, **details)


def scan_daily(start: date, end: date) -> int:
    recorded = 0
    day = start
    while day <= end:
        recorded += cases.mark_overdue(at(day.isoformat(), "18:00")).recorded
        day += timedelta(days=1)
    return recorded


def test_a_month_with_the_national_day_holiday_matches_the_hand_count(scan_path) -> None:
    seed_registry(
        TENANT,
        grids=[("g-1", "div-1", "G01", square(120.00, 31.70), date(2026, 1, 1))],
        teams={"g-1": [("w-1", "full_time_worker", date(2026, 1, 1), None)]},
        now=at("2026-09-01", "09:00"),
    )
    e1 = report(at("2026-09-29", "10:00"), "city_management")
    e2 = report(at("2026-09-30", "16:00"), "city_management")
    assert scan_daily(date(2026, 9, 29), date(2026, 10, 7)) == 0

    act(at("2026-10-08", "09:00"), e1, "accept")
    assert scan_daily(date(2026, 10, 8), date(2026, 10, 9)) == 1  # E2's acceptance
    e3 = report(at("2026-10-10", "16:00"), "public_safety")
    act(at("2026-10-12", "09:00"), e2, "accept")
    act(at("2026-10-12", "10:30"), e3, "accept")
    act(at("2026-10-12", "10:40"), e3, "start")
    act(at("2026-10-13", "09:00"), e3, "suspend", reason="等待产权单位确认")
    act(at("2026-10-14", "09:00"), e3, "resume")
    assert scan_daily(date(2026, 10, 10), date(2026, 10, 15)) == 0
    act(at("2026-10-16", "14:00"), e3, "resolve")
    act(at("2026-10-16", "15:00"), e3, "close")
    assert scan_daily(date(2026, 10, 16), date(2026, 10, 16)) == 1  # E1's closure
    act(at("2026-10-17", "09:00"), e1, "start")
    act(at("2026-10-17", "09:30"), e1, "resolve")
    act(at("2026-10-17", "10:00"), e1, "close")
    assert scan_daily(date(2026, 10, 17), date(2026, 10, 20)) == 0
    assert scan_daily(date(2026, 10, 21), date(2026, 10, 31)) == 1  # E2's closure

    events = {
        key: cases.get_event(centre(at("2026-10-31", "12:00")), event_id=value)
        for key, value in (("e1", e1), ("e2", e2), ("e3", e3))
    }
    assert events["e1"].acceptance_deadline == at("2026-10-08", "17:30")
    assert events["e1"].closure_deadline == at("2026-10-16", "17:30")
    assert events["e2"].acceptance_deadline == at("2026-10-09", "17:30")
    assert events["e3"].acceptance_deadline == at("2026-10-12", "11:00")
    assert events["e3"].closure_deadline == at("2026-10-16", "17:30")
    assert [events[k].accepted_on_time for k in ("e1", "e2", "e3")] == [True, False, True]
    assert [events["e1"].closed_on_time, events["e3"].closed_on_time] == [False, True]
    assert events["e1"].overdue == {"closure"}
    assert events["e2"].closure_deadline == at("2026-10-21", "17:30")
    assert events["e2"].overdue == {"acceptance", "closure"}

    published = outboxes()
    overdue = sorted(
        (message["payload"]["event_id"], message["payload"]["deadline"])
        for message in published
        if message["type"] == "event.overdue"
    )
    assert overdue == sorted([(e1, "closure"), (e2, "acceptance"), (e2, "closure")])
    reads = equality_reads()
    if scan_path == "postgres":  # the PostgreSQL path answered, not the fallback
        assert reads is not None
        answered = reads.due_ids(
            EventDocument,
            EventDocument._get_db().name,
            flag="watch",
            number="due_ms",
            at_most=2**52,
            limit=10,
        )
        assert answered == []  # every deadline is recorded or met: nothing watched


def test_duplicates_are_suggested_alike_by_postgresql_and_by_ferretdb(scan_path) -> None:
    seed_registry(
        TENANT,
        grids=[
            ("g-1", "div-1", "G01", square(120.00, 31.70), date(2026, 1, 1)),
            ("g-2", "div-1", "G02", square(120.01, 31.70), date(2026, 1, 1)),
        ],
        teams={
            "g-1": [("w-1", "full_time_worker", date(2026, 1, 1), None)],
            "g-2": [("w-1", "full_time_worker", date(2026, 1, 1), None)],
        },
        now=at("2026-09-01", "09:00"),
    )

    def reported(clock: str, category: str = "city_management", **where) -> str:
        now = at("2026-10-12", clock)
        found = cases.report_event(
            worker(now), source="grid_app", category=category, title="占道经营", **where
        )
        return found.event.event_id

    near = reported("09:00", position={"lon": 120.0095, "lat": 31.705})  # g-1, by the border
    across = reported("09:10", position={"lon": 120.0105, "lat": 31.705})  # g-2, ~95 m east
    reported("09:20", position={"lon": 120.0050, "lat": 31.705})  # g-1, ~430 m west: too far
    reported("09:30", category="dispute", position={"lon": 120.0096, "lat": 31.705})
    without_position = reported("09:40", grid_id="g-1")
    too_old = cases.report_event(
        worker(at("2026-10-01", "09:00")),
        source="grid_app",
        category="city_management",
        title="占道经营",
        position={"lon": 120.0096, "lat": 31.7051},
    ).event.event_id

    latest = cases.report_event(
        worker(at("2026-10-12", "10:00")),
        source="grid_app",
        category="city_management",
        title="占道经营",
        position={"lon": 120.0101, "lat": 31.705},  # in g-2
    )
    suggested = [s.event_id for s in latest.possible_duplicates]
    # Nearest first: `across` (~38 m, g-2), `near` (~57 m, g-1: the radius crosses grids);
    # never the one 430 m away, another category's or one out of the window.
    assert suggested == [across, near]
    assert too_old not in suggested
    assert without_position not in suggested  # g-2's report: another grid, no position to measure
    in_grid = cases.report_event(
        worker(at("2026-10-12", "10:05")),
        source="grid_app",
        category="city_management",
        title="占道经营",
        grid_id="g-1",
    )
    assert [s.event_id for s in in_grid.possible_duplicates][-1] == without_position
    assert near in [s.event_id for s in in_grid.possible_duplicates]


def test_concurrent_actions_on_one_event_leave_one_winner_and_one_fact() -> None:
    """Eight centre staff accept the same report at once: one acceptance, seven 409s, one
    `event.accepted` in the outbox (FerretDB's updates are not atomic: the revision check
    under the write lease is what decides)."""
    seed_registry(
        TENANT,
        grids=[("g-1", "div-1", "G01", square(120.00, 31.70), date(2026, 1, 1))],
        teams={"g-1": [("w-1", "full_time_worker", date(2026, 1, 1), None)]},
        now=at("2026-09-01", "09:00"),
    )
    event_id = report(at("2026-10-12", "09:00"), "city_management")
    outcomes: list[str] = []

    def accept() -> None:
        try:
            act(at("2026-10-12", "10:00"), event_id, "accept")
            outcomes.append("accepted")
        except StateConflict:
            outcomes.append("409")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: accept(), range(8)))

    assert sorted(outcomes) == ["409"] * 7 + ["accepted"]
    doc = EventDocument.objects(tenant_id=TENANT, event_id=event_id).first()
    types = [json.loads(entry.envelope)["type"] for entry in doc.outbox]
    assert types == ["event.reported", "event.accepted"]
    assert [entry.action for entry in doc.history] == ["report", "accept"]


def _one_late_event() -> str:
    seed_registry(
        TENANT,
        grids=[("g-1", "div-1", "G01", square(120.00, 31.70), date(2026, 1, 1))],
        teams={"g-1": [("w-1", "full_time_worker", date(2026, 1, 1), None)]},
        now=at("2026-09-01", "09:00"),
    )
    return report(at("2026-10-12", "09:00"), "city_management")  # acceptance due 14 Oct 17:30


def test_a_scan_that_dies_before_the_events_take_their_marks_is_made_good_by_the_next() -> None:
    event_id = _one_late_event()
    late = at("2026-10-14", "18:00")
    first = cases.record_overdue_marks(late)  # the worker dies here: no fold
    assert (first.examined, first.recorded) == (1, 1)
    assert cases.get_event(centre(late), event_id=event_id).overdue == frozenset()
    assert overdue_messages() == [(event_id, "acceptance")]

    again = cases.mark_overdue(late)
    assert (again.examined, again.recorded) == (1, 0)  # the mark is known: nothing new
    event = cases.get_event(centre(late), event_id=event_id)
    assert event.overdue == {"acceptance"}
    assert overdue_messages() == [(event_id, "acceptance")]  # published once
    assert cases.mark_overdue(late).examined == 0  # no longer watched


def test_a_transition_between_the_mark_and_the_fold_keeps_the_fact() -> None:
    event_id = _one_late_event()
    late = at("2026-10-14", "18:00")
    marks = cases.record_overdue_marks(late)
    act(at("2026-10-14", "18:05"), event_id, "accept")  # lands before the fold
    assert cases.fold_overdue(marks) == 1  # read back, and folded into the accepted event
    event = cases.get_event(centre(late), event_id=event_id)
    assert (event.state.value, event.accepted_on_time, event.overdue) == (
        "accepted",
        False,
        {"acceptance"},
    )
    assert overdue_messages() == [(event_id, "acceptance")]


def test_scans_racing_at_the_same_instant_record_each_fact_once() -> None:
    seed_registry(
        TENANT,
        grids=[("g-1", "div-1", "G01", square(120.00, 31.70), date(2026, 1, 1))],
        teams={"g-1": [("w-1", "full_time_worker", date(2026, 1, 1), None)]},
        now=at("2026-09-01", "09:00"),
    )
    ids = [report(at("2026-10-12", f"09:{n:02d}"), "city_management") for n in range(12)]
    late = at("2026-10-14", "18:00")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: cases.mark_overdue(late), range(4)))
    assert sum(r.recorded for r in results) == 12
    assert overdue_messages() == sorted((i, "acceptance") for i in ids)
    assert all(cases.get_event(centre(late), event_id=i).overdue == {"acceptance"} for i in ids)
