"""The patrol-day record: offsets folded once, the first judgement publishes the day, a later
one a correction only when what scoring reads changed; payloads keep to their contract."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from services.patrol_tracking.domain.compliance import DayVerdict, VerdictStatus
from services.patrol_tracking.domain.day import DayState
from services.patrol_tracking.domain.patrol_days import (
    Assignment,
    Judgement,
    PatrolDay,
    PatrolDayCorrected,
    PatrolDayFinalised,
    gap_class,
)
from services.patrol_tracking.domain.points import Heartbeat, Network
from services.patrol_tracking.domain.settings import TrackRules
from services.patrol_tracking.domain.track import DayGeometry
from shared.events.contracts import validate_payload

DAY = date(2026, 3, 2)
AT = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
ASSIGNMENT = Assignment(grid_ids=("g-1",), division_ids=("div-1",), grid_type="community")


def judgement(
    status: VerdictStatus, *, at: datetime = AT, leave_id: str | None = None
) -> Judgement:
    return Judgement(
        assignment=ASSIGNMENT,
        workday=True,
        verdict=DayVerdict(day=DAY, status=status),
        leave_id=leave_id,
        at=at,
    )


def test_offsets_are_taken_once_per_partition() -> None:
    day = PatrolDay.start("t", "w-1", DAY)
    assert not day.has_folded(0, 5)
    folded = day.with_state(
        DayState.start(DAY), assignment_seen=("g-1",), subjects_seen="", partition=0, offset=5
    )
    assert folded.has_folded(0, 5)
    assert folded.has_folded(0, 4)
    assert not folded.has_folded(0, 6)
    assert not folded.has_folded(1, 0)
    assert folded.assignment_seen == ("g-1",)


def test_the_first_judgement_finalises_and_a_same_one_publishes_nothing() -> None:
    day = PatrolDay.start("t", "w-1", DAY)
    finalised, events = day.judged(judgement(VerdictStatus.NOT_PATROLLED))
    assert finalised.version == 1
    assert finalised.finalised
    assert [type(event) for event in events] == [PatrolDayFinalised]
    payload = dict(events[0].payload())
    assert payload["status"] == "not_patrolled"
    assert payload["previous_status"] is None
    assert payload["version"] == 1
    validate_payload("patrol.day_finalised", 1, payload)
    # Judged again later with the same facts: no correction, even at another instant.
    again, none = finalised.judged(judgement(VerdictStatus.NOT_PATROLLED, at=AT + timedelta(1)))
    assert none == ()
    assert again.version == 1


def test_a_day_published_before_gap_class_existed_still_reads() -> None:
    # Messages of the first days of version 1 have no gap_class: a replay (scoring's ledger
    # rebuild) must take them, with the class unknown.
    _, events = PatrolDay.start("t", "w-1", DAY).judged(judgement(VerdictStatus.PASSED))
    older = {k: v for k, v in dict(events[0].payload()).items() if k != "gap_class"}
    for type_ in ("patrol.day_finalised", "patrol.day_corrected"):
        assert validate_payload(type_, 1, older)["gap_class"] is None


def test_a_changed_judgement_is_a_correction_with_the_previous_status() -> None:
    finalised, _ = PatrolDay.start("t", "w-1", DAY).judged(judgement(VerdictStatus.NOT_PATROLLED))
    later = AT + timedelta(days=1)
    corrected, events = finalised.judged(
        judgement(VerdictStatus.EXCUSED, at=later, leave_id="lv-1")
    )
    assert corrected.version == 2
    assert [type(event) for event in events] == [PatrolDayCorrected]
    payload = dict(events[0].payload())
    assert payload["previous_status"] == "not_patrolled"
    assert payload["status"] == "excused"
    assert payload["leave_id"] == "lv-1"
    assert payload["version"] == 2
    validate_payload("patrol.day_corrected", 1, payload)
    assert events[0].aggregate_id == "w-1"


def test_a_day_without_a_fix_says_whether_the_phone_was_silent_or_the_worker_idle() -> None:
    silent = PatrolDay.start("t", "w-1", DAY)
    assert gap_class(silent.state) == "phone_silent"
    beat = Heartbeat(
        heartbeat_id="hb-1",
        at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),  # 10:00 in Shanghai
        app_alive=True,
        gps_permission=True,
        battery_saver=False,
        network=Network.WIFI,
    )
    idle = silent.state.fold([], [beat], DayGeometry(), TrackRules())
    assert gap_class(idle) == "not_patrolling"
    revoked = silent.state.fold(
        [], [replace(beat, gps_permission=False)], DayGeometry(), TrackRules()
    )
    assert gap_class(revoked) == "gps_off"
    _, events = silent.with_state(idle, assignment_seen=(), subjects_seen="").judged(
        judgement(VerdictStatus.NOT_PATROLLED)
    )
    assert events[0].payload()["gap_class"] == "not_patrolling"
