"""Patrol days on the real FerretDB: folding stored batches once each, rebuilding on late or
repeated points, the cut-off's verdicts (a worker who sent nothing included), corrections."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from services.patrol_tracking.documents.patrol_days import PatrolDayDocument
from services.patrol_tracking.documents.patrol_periods import PatrolPeriodDocument
from services.patrol_tracking.domain import leave as leave_domain
from services.patrol_tracking.domain.day import DayState
from services.patrol_tracking.domain.intake import HeartbeatsReceived, PointsReceived
from services.patrol_tracking.domain.points import Heartbeat, Network, Point, Provider
from services.patrol_tracking.repository.points import PointRepository
from services.patrol_tracking.use_cases import patrol_days as cases
from services.patrol_tracking.use_cases.context import PatrolContext
from services.patrol_tracking.use_cases.points import StoredBatch
from shared.events.contracts import validate_payload
from shared.registry.testing import seed_registry, square

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_db")]

TENANT = "tenant-a"
WORKER, IDLE = "worker-1", "worker-2"
DAY = date(2026, 3, 2)  # a Monday, a working day
START = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
AFTER_CUT_OFF = datetime(2026, 3, 2, 18, 30, tzinfo=UTC)  # 02:30 on the 3rd in Shanghai
WEST, SOUTH = 120.0, 31.7


@pytest.fixture(autouse=True)
def registry(fresh_db: str) -> None:
    cases.GEOMETRIES.clear()
    seed_registry(
        TENANT,
        grids=[("g-1", "div-1", "G01", square(WEST, SOUTH, 0.2), date(2026, 1, 1))],
        teams={
            "g-1": [
                (WORKER, "full_time_worker", date(2026, 1, 1), None),
                (IDLE, "full_time_worker", date(2026, 1, 1), None),
            ]
        },
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )


def ctx(now: datetime = START) -> PatrolContext:
    return PatrolContext(tenant_id=TENANT, actor="test", clock=lambda: now)


def walk(
    first: int, count: int, *, start: datetime = START, step_s: int = 30, tag: str = "p"
) -> list[Point]:
    """A walk north at 1.4 m/s inside the grid: fix ``first`` .. ``first + count - 1``."""
    metres_per_degree = 111_195.0
    return [
        Point(
            point_id=f"{tag}{n}",
            at=start + timedelta(seconds=step_s * n),
            lat=SOUTH + 0.001 + 1.4 * step_s * n / metres_per_degree,
            lon=WEST + 0.01,
            accuracy_m=8.0,
            provider=Provider.GPS,
        )
        for n in range(first, first + count)
    ]


def store_and_fold(
    points: Sequence[Point],
    offset: int,
    *,
    heartbeats: Sequence[Heartbeat] = (),
    worker: str = WORKER,
    now: datetime = START,
) -> Any:
    """What the points consumer does for one message: store, then fold."""
    store = PointRepository(TENANT)
    store.insert_points([PointsReceived(worker, f"b{offset}", now, tuple(points))])
    if heartbeats:
        store.insert_heartbeats([HeartbeatsReceived(worker, f"h{offset}", now, tuple(heartbeats))])
    batch = StoredBatch(TENANT, worker, DAY, tuple(points), tuple(heartbeats), 0, offset)
    return cases.fold_stored(ctx(now), batch)


def outbox_types(worker: str = WORKER) -> list[str]:
    doc = PatrolDayDocument.objects.get(tenant_id=TENANT, key=f"{worker}|{DAY.isoformat()}")
    return [json.loads(entry.envelope)["type"] for entry in doc.outbox]


def test_each_message_is_folded_once_and_a_resent_batch_changes_nothing() -> None:
    first = store_and_fold(walk(0, 121), offset=5)  # one hour, 120 steps of 42 m
    figures = first.state.figures()
    assert figures.patrol_s == 3600
    assert figures.distance_m == pytest.approx(1.4 * 3600, rel=1e-3)
    assert figures.own_grid_s == 3600
    assert store_and_fold(walk(0, 121), offset=5) is None  # the same message redelivered
    again = store_and_fold(walk(0, 121), offset=9)  # the phone resent the batch
    assert again.state.figures() == figures
    stored = ctx().days.find_day(WORKER, DAY)
    assert stored is not None
    assert stored.folded == {0: 9}
    assert stored.state.figures() == figures


def test_a_late_batch_rebuilds_the_day_as_if_it_came_in_order() -> None:
    store_and_fold(walk(61, 60), offset=1)  # the second half arrives first
    late = store_and_fold(walk(0, 61), offset=2)  # then the phone's buffer
    geometry, _ = cases.measure(ctx(), WORKER, DAY)
    in_order = DayState.rebuild(DAY, walk(0, 121), (), geometry, ctx().settings.recent().track)
    assert late.state.figures() == in_order.figures()
    assert late.state.figures().patrol_s == 3600


def test_the_cut_off_judges_every_team_worker_once_also_the_one_who_sent_nothing() -> None:
    store_and_fold(walk(0, 121), offset=1)  # one hour in the morning: short of 3 h
    assert cases.finalise_day(ctx(AFTER_CUT_OFF), DAY) == 2
    walked = ctx().days.find_day(WORKER, DAY)
    idle = ctx().days.find_day(IDLE, DAY)
    assert walked is not None
    assert walked.judgement is not None
    assert walked.judgement.verdict.status.value == "failed"
    assert walked.judgement.verdict.short is True
    assert {r.code.value for r in walked.judgement.verdict.reasons} >= {"hours_short"}
    assert idle is not None
    assert idle.judgement is not None
    assert idle.judgement.verdict.status.value == "not_patrolled"
    assert outbox_types(WORKER) == ["patrol.day_finalised"]
    assert outbox_types(IDLE) == ["patrol.day_finalised"]
    assert cases.finalise_day(ctx(AFTER_CUT_OFF), DAY) == 0  # a re-run finalises nothing


def test_late_points_after_the_cut_off_publish_a_correction() -> None:
    store_and_fold(walk(0, 121), offset=1)
    cases.finalise_day(ctx(AFTER_CUT_OFF), DAY)
    # The afternoon's buffer arrives after the cut-off, inside the upload window.
    afternoon = walk(0, 241, start=datetime(2026, 3, 2, 6, 0, tzinfo=UTC), tag="pm")
    corrected = store_and_fold(afternoon, offset=2, now=AFTER_CUT_OFF)
    assert corrected.version == 2
    assert corrected.judgement.verdict.status.value == "passed"
    assert outbox_types() == ["patrol.day_finalised", "patrol.day_corrected"]


def test_a_leave_approved_in_time_after_the_cut_off_excuses_the_day() -> None:
    cases.finalise_day(ctx(AFTER_CUT_OFF), DAY)
    filed_at = AFTER_CUT_OFF + timedelta(days=1)  # within seed 001's 3 days
    filing, filed = leave_domain.file_leave(
        leave_id="lv-1",
        tenant_id=TENANT,
        worker_id=IDLE,
        first_day=DAY,
        last_day=None,
        kind="leave",
        reason="病假",
        filer=IDLE,
        filer_roles=("grid-worker",),
        limit_days=3,
        now=filed_at,
    )
    approved, event = leave_domain.approve(
        filing, actor="centre-1", roles=("center-staff",), now=filed_at
    )
    ctx(filed_at).leave.add_filing(approved, [filed, event])
    assert cases.rejudge(ctx(filed_at), IDLE, [DAY]) == 1
    idle = ctx().days.find_day(IDLE, DAY)
    assert idle is not None
    assert idle.judgement is not None
    assert idle.judgement.verdict.status.value == "excused"
    assert idle.judgement.leave_id == "lv-1"
    assert outbox_types(IDLE) == ["patrol.day_finalised", "patrol.day_corrected"]
    assert cases.rejudge(ctx(filed_at), IDLE, [DAY]) == 0  # nothing changed: no correction


def test_gaps_are_classified_from_heartbeats() -> None:
    morning = walk(0, 61)
    later = walk(0, 61, start=START + timedelta(hours=2), tag="later")
    beat = Heartbeat(
        heartbeat_id="hb-1",
        at=START + timedelta(minutes=90),
        app_alive=True,
        gps_permission=False,
        battery_saver=False,
        network=Network.CELLULAR,
    )
    store_and_fold(morning, offset=1)
    day = store_and_fold(later, offset=2, heartbeats=[beat])
    gaps = day.state.figures().gaps
    assert [gap.kind.value for gap in gaps] == ["gps_off"]


def test_due_days_recheck_the_upload_window_and_catch_up_after_an_outage() -> None:
    settings = ctx().settings.recent()
    now = datetime(2026, 3, 5, 19, 0, tzinfo=UTC)  # 03:00 on the 6th: the 5th is due
    window = settings.ingest.upload_window_days
    oldest = date(2026, 3, 5) - timedelta(days=window)
    every_run = cases.due_days(settings, now, None)
    assert every_run == [oldest + timedelta(days=n) for n in range(window + 1)]
    assert cases.due_days(settings, now, date(2026, 3, 4)) == every_run
    after_outage = cases.due_days(settings, now, oldest - timedelta(days=2))
    assert after_outage[:2] == [oldest - timedelta(days=1), oldest]
    assert after_outage[-1] == date(2026, 3, 5)
    before_cut_off = datetime(2026, 3, 5, 17, 0, tzinfo=UTC)  # 01:00 on the 6th
    assert cases.due_days(settings, before_cut_off, None)[-1] == date(2026, 3, 4)


def period_facts(worker: str, key: str) -> list[dict[str, Any]]:
    doc = PatrolPeriodDocument.objects.get(tenant_id=TENANT, key=f"{worker}|{key}")
    return [json.loads(entry.envelope)["payload"] for entry in doc.outbox]


def test_a_closed_week_is_totalled_and_totalled_again_after_a_correction() -> None:
    seed_registry(
        TENANT,
        subjects=[
            ("s-hazard", "g-1", "hazard_place", "daily", (WEST + 0.15, SOUTH + 0.15)),
            ("s-person", "g-1", "key_person", "weekly", (WEST + 0.16, SOUTH + 0.16)),
        ],
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    cases.GEOMETRIES.clear()
    store_and_fold(walk(0, 121), offset=1)  # Monday: one hour, short
    sunday = DAY + timedelta(days=6)
    for n in range(7):
        day = DAY + timedelta(days=n)
        cut_off = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        cases.finalise_day(ctx(cut_off + timedelta(hours=19)), day)
    [week] = period_facts(WORKER, "week|2026-W10")
    assert (week["first_day"], week["last_day"]) == (DAY.isoformat(), sunday.isoformat())
    assert week["days_failed"] == 1
    assert week["days_short"] == 1
    assert week["days_not_patrolled"] == 4
    assert week["rest_days"] == 2
    assert week["failing_days"] == 5
    assert week["longest_failing_streak"] == 5
    assert week["requirement_met"] is False
    assert week["reasons"] == ["week_hours_short", "week_km_short"]
    misses = sorted((m["subject_id"], m["first_day"]) for m in week["missed_visits"])
    assert [m for m in misses if m[0] == "s-person"] == [("s-person", DAY.isoformat())]
    assert len([m for m in misses if m[0] == "s-hazard"]) == 5  # each working day
    validate_payload("patrol.period_totals", 1, week)

    # Wednesday's leave, filed the next day and approved: Wednesday is excused.
    wednesday = DAY + timedelta(days=2)
    filed_at = datetime.combine(wednesday, datetime.min.time(), tzinfo=UTC) + timedelta(days=1)
    filing, filed = leave_domain.file_leave(
        leave_id="lv-w",
        tenant_id=TENANT,
        worker_id=WORKER,
        first_day=wednesday,
        last_day=None,
        kind="clash",
        reason="区里开会",
        filer="centre-1",
        filer_roles=("center-staff",),
        limit_days=3,
        now=filed_at,
    )
    approved, event = leave_domain.approve(
        filing, actor="centre-1", roles=("center-staff",), now=filed_at
    )
    ctx(filed_at).leave.add_filing(approved, [filed, event])
    assert cases.rejudge(ctx(datetime(2026, 3, 10, tzinfo=UTC)), WORKER, [wednesday]) == 1
    first, second = period_facts(WORKER, "week|2026-W10")
    assert first["version"] == 1
    assert second["version"] == 2
    assert second["days_excused"] == 1
    assert second["days_not_patrolled"] == 3
    assert second["longest_failing_streak"] == 4  # the excused day does not break the run
    assert len([m for m in second["missed_visits"] if m["subject_id"] == "s-hazard"]) == 4


def test_a_worker_of_a_village_and_a_community_grid_is_held_to_the_community_hours() -> None:
    seed_registry(
        TENANT,
        grids=[("g-0", "div-0", "A00", square(WEST - 1, SOUTH, 0.05), date(2026, 1, 1))],
        teams={"g-0": [(WORKER, "full_time_worker", date(2026, 1, 1), None)]},
        grid_type="village",
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    _, assignment = cases.measure(ctx(), WORKER, DAY)
    assert assignment.grid_ids == ("g-0", "g-1")  # code order: A00 before G01
    assert assignment.grid_type == "community"  # 3 h a day, not the village's 2 h
    _, alone = cases.measure(ctx(), IDLE, DAY)
    assert alone.grid_type == "community"


def test_points_that_arrive_before_their_grid_count_once_the_grid_is_known() -> None:
    # The phone uploads before the registry's grid and team events reach this service: the
    # fixes lie outside every grid the service knows and are filtered out.
    far = [replace(point, lon=point.lon + 1.0) for point in walk(0, 121, tag="late")]
    store_and_fold(far, offset=1, worker="w-late")
    cases.finalise_day(ctx(AFTER_CUT_OFF), DAY)
    before = ctx().days.find_day("w-late", DAY)
    assert before is not None
    assert before.judgement is not None
    assert before.judgement.verdict.status.value == "not_patrolled"
    assert before.state.points_rejected == 121
    # The grid and the team arrive; the next cut-off run measures and judges the day again.
    seed_registry(
        TENANT,
        grids=[("g-late", "div-1", "G02", square(WEST + 1.0, SOUTH, 0.2), date(2026, 1, 1))],
        teams={"g-late": [("w-late", "full_time_worker", date(2026, 1, 1), None)]},
        now=datetime(2026, 1, 2, tzinfo=UTC),
    )
    cases.GEOMETRIES.clear()
    cases.finalise_day(ctx(AFTER_CUT_OFF + timedelta(minutes=1)), DAY)
    after = ctx().days.find_day("w-late", DAY)
    assert after is not None
    assert after.judgement is not None
    assert after.state.points_accepted == 121
    assert after.judgement.assignment.grid_ids == ("g-late",)
    assert after.judgement.verdict.status.value == "failed"  # one hour of three
    assert outbox_types("w-late") == ["patrol.day_finalised", "patrol.day_corrected"]


def test_a_key_subject_known_only_after_the_fold_counts_its_visit_at_the_cut_off() -> None:
    # The worker stands 5 minutes at a door, then walks on; the registry's event for the key
    # person living there reaches this service only after the points were folded.
    door = walk(0, 1)[0]
    stay = [
        replace(door, point_id=f"stay{n}", at=START + timedelta(seconds=30 * n)) for n in range(11)
    ]
    on = walk(11, 60)
    store_and_fold(stay + on, offset=1)
    folded = ctx().days.find_day(WORKER, DAY)
    assert folded is not None
    assert folded.state.figures().visits == ()
    seed_registry(
        TENANT,
        subjects=[("s-door", "g-1", "key_person", "weekly", (door.lon, door.lat))],
        now=datetime(2026, 1, 2, tzinfo=UTC),
    )
    cases.finalise_day(ctx(AFTER_CUT_OFF), DAY)
    judged = ctx().days.find_day(WORKER, DAY)
    assert judged is not None
    assert [visit.subject_id for visit in judged.state.figures().visits] == ["s-door"]
    assert judged.subjects_seen != folded.subjects_seen
    assert outbox_types() == ["patrol.day_finalised"]  # measured again before the verdict


def test_a_key_subject_known_after_the_verdict_corrects_the_day_with_the_next_points() -> None:
    door = walk(0, 1)[0]
    stay = [
        replace(door, point_id=f"stay{n}", at=START + timedelta(seconds=30 * n)) for n in range(11)
    ]
    store_and_fold(stay, offset=1)
    cases.finalise_day(ctx(AFTER_CUT_OFF), DAY)
    seed_registry(
        TENANT,
        subjects=[("s-door", "g-1", "key_person", "weekly", (door.lon, door.lat))],
        now=datetime(2026, 1, 2, tzinfo=UTC),
    )
    # A late batch of the day (a phone's buffer): the day is measured against the subject the
    # fold did not know, whatever the process's geometry cache still holds.
    store_and_fold(walk(11, 20), offset=2, now=AFTER_CUT_OFF)
    corrected = ctx().days.find_day(WORKER, DAY)
    assert corrected is not None
    assert [visit.subject_id for visit in corrected.state.figures().visits] == ["s-door"]
    assert outbox_types() == ["patrol.day_finalised", "patrol.day_corrected"]


def test_a_key_subject_known_only_after_the_verdict_corrects_the_day_at_the_next_cut_off() -> None:
    # Points and verdict both came before the registry's event for the key person at the door
    # the worker stood at; no more points come that day.
    door = walk(0, 1)[0]
    stay = [
        replace(door, point_id=f"stay{n}", at=START + timedelta(seconds=30 * n)) for n in range(11)
    ]
    store_and_fold(stay, offset=1)
    cases.finalise_day(ctx(AFTER_CUT_OFF), DAY)
    judged = ctx().days.find_day(WORKER, DAY)
    assert judged is not None
    assert judged.state.figures().visits == ()
    seed_registry(
        TENANT,
        subjects=[("s-door", "g-1", "key_person", "weekly", (door.lon, door.lat))],
        now=datetime(2026, 1, 2, tzinfo=UTC),
    )
    # The next run of the cut-off job (it re-checks the upload window) measures it again.
    cases.finalise_due(AFTER_CUT_OFF + timedelta(minutes=1))
    corrected = ctx().days.find_day(WORKER, DAY)
    assert corrected is not None
    assert [visit.subject_id for visit in corrected.state.figures().visits] == ["s-door"]
    assert outbox_types() == ["patrol.day_finalised", "patrol.day_corrected"]
    # And once only: the run after changes nothing.
    cases.finalise_due(AFTER_CUT_OFF + timedelta(minutes=2))
    assert outbox_types() == ["patrol.day_finalised", "patrol.day_corrected"]


def unchanged_visits() -> float:
    return (
        REGISTRY.get_sample_value("gridgov_patrol_cut_off_tenants_total", {"outcome": "unchanged"})
        or 0.0
    )


def test_the_cut_off_skips_a_settled_tenant_until_its_registry_changes() -> None:
    door = walk(0, 1)[0]
    stay = [
        replace(door, point_id=f"stay{n}", at=START + timedelta(seconds=30 * n)) for n in range(11)
    ]
    store_and_fold(stay, offset=1)
    cut_off = ctx().settings.recent().finalises_at(DAY)
    cases.finalise_due(cut_off + timedelta(minutes=1))  # the first run: the day judged
    grace = cases.RECHECK_GRACE
    # Inside the grace every run re-checks the window (a fold racing the cut-off may have
    # left a day open); the first run after it re-checks once more, then the tenant settles.
    skipped = unchanged_visits()
    cases.finalise_due(cut_off + grace / 2)
    cases.finalise_due(cut_off + grace + timedelta(minutes=1))
    assert unchanged_visits() == skipped
    cases.finalise_due(cut_off + grace + timedelta(minutes=2))
    cases.finalise_due(cut_off + grace + timedelta(minutes=3))
    assert unchanged_visits() == skipped + 2
    assert outbox_types() == ["patrol.day_finalised"]
    # A key person registered at the door the worker stood at: the registry's fingerprint
    # moves, so the next run re-checks the window and corrects the day, once.
    seed_registry(
        TENANT,
        subjects=[("s-door", "g-1", "key_person", "weekly", (door.lon, door.lat))],
        now=datetime(2026, 1, 2, tzinfo=UTC),
    )
    cases.finalise_due(cut_off + grace + timedelta(minutes=4))
    assert outbox_types() == ["patrol.day_finalised", "patrol.day_corrected"]
    assert unchanged_visits() == skipped + 2
    cases.finalise_due(cut_off + grace + timedelta(minutes=5))
    assert unchanged_visits() == skipped + 3
    assert outbox_types() == ["patrol.day_finalised", "patrol.day_corrected"]


# -- many days at once (the consumer's chunks) ----------------------------------------------------


def stored_batch(points: Sequence[Point], offset: int, worker: str = WORKER) -> StoredBatch:
    store = PointRepository(TENANT)
    store.insert_points([PointsReceived(worker, f"b{offset}", START, tuple(points))])
    return StoredBatch(TENANT, worker, DAY, tuple(points), (), 0, offset)


def test_days_folded_together_equal_days_folded_one_by_one() -> None:
    store_and_fold(walk(0, 61), offset=1)
    store_and_fold(walk(0, 61, tag="i"), offset=2, worker=IDLE)
    later = [stored_batch(walk(61, 60), 3), stored_batch(walk(61, 60, tag="i"), 4, IDLE)]

    assert cases.fold_many(ctx(), later) == []
    for worker, offset in ((WORKER, 3), (IDLE, 4)):
        day = ctx().days.find_day(worker, DAY)
        assert day is not None
        assert day.folded == {0: offset}
        assert day.state.figures().patrol_s == 3600
        assert day.revision == 2
    # The same chunk redelivered: nothing to write, nothing left over.
    assert cases.fold_many(ctx(), later) == []
    assert ctx().days.find_day(WORKER, DAY).revision == 2  # type: ignore[union-attr]


def test_new_days_days_past_their_cut_off_and_days_changed_meanwhile_are_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store_and_fold(walk(0, 61), offset=1)
    fresh = stored_batch(walk(0, 10, tag="i"), 2, IDLE)  # IDLE has no stored day yet
    more = stored_batch(walk(61, 10), 3)
    assert cases.fold_many(ctx(), [more, fresh]) == [fresh]
    assert ctx().days.find_day(IDLE, DAY) is None

    late = stored_batch(walk(71, 10), 4)
    assert cases.fold_many(ctx(AFTER_CUT_OFF), [late]) == [late]  # judged one by one

    # Another writer moves the day between the read and the write: left for a fresh read.
    days = ctx().days
    real = type(days).find_days

    def read_then_overtaken(self: Any, keys: Any) -> Any:
        found = real(self, keys)
        store_and_fold(walk(90, 5, tag="x"), offset=9)
        return found

    monkeypatch.setattr(type(days), "find_days", read_then_overtaken)
    overtaken = stored_batch(walk(95, 5), 5)
    assert cases.fold_many(ctx(), [overtaken]) == [overtaken]
    assert ctx().days.find_day(WORKER, DAY).folded == {0: 9}  # type: ignore[union-attr]
