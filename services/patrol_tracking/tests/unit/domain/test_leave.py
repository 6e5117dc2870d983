"""Leave and clash filings: when they excuse a day (seed 001's 3 days), who decides, states."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from services.patrol_tracking.domain import leave
from services.patrol_tracking.domain.leave import Excuse, LeaveFiling, LeaveKind, LeaveStatus
from shared.errors import InvalidInput, PermissionDenied, StateConflict
from shared.events.contracts import validate_payload

DAY = date(2026, 3, 2)
CENTRE = frozenset({"center-staff"})
WORKER = frozenset({"grid-worker"})


def shanghai(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock Asia/Shanghai on ``day``, as aware UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def filed(
    first_day: date = DAY,
    last_day: date | None = None,
    *,
    at: datetime | None = None,
    limit_days: int = 3,
    worker_id: str = "u-w1",
    filer: str = "u-w1",
    roles: frozenset[str] = WORKER,
    reason: str = "孩子生病",
) -> LeaveFiling:
    filing, _ = leave.file_leave(
        leave_id="lv-1",
        tenant_id="tenant-a",
        worker_id=worker_id,
        first_day=first_day,
        last_day=last_day,
        kind="leave",
        reason=reason,
        filer=filer,
        filer_roles=roles,
        limit_days=limit_days,
        now=at or shanghai(first_day),
    )
    return filing


def approved(filing: LeaveFiling) -> LeaveFiling:
    result, _ = leave.approve(filing, actor="u-centre", roles=CENTRE, now=filing.filed_at)
    return result


def test_filed_on_day_plus_three_excuses_and_day_plus_four_does_not() -> None:
    in_time = approved(filed(at=shanghai(DAY + timedelta(days=3), hour=23)))
    assert in_time.excuses(DAY)
    assert in_time.excuse_for(DAY) == Excuse(leave_id="lv-1", kind=LeaveKind.LEAVE, day=DAY)
    assert not in_time.late
    too_late = approved(filed(at=shanghai(DAY + timedelta(days=4), hour=0)))
    assert too_late.status is LeaveStatus.APPROVED
    assert too_late.late
    assert too_late.late_days == (DAY,)
    assert not too_late.excuses(DAY)
    assert too_late.excuse_for(DAY) is None


def test_the_limit_counts_asia_shanghai_days() -> None:
    # 17:00 UTC on day+3 is 01:00 on day+4 in Shanghai: already late.
    at = datetime(2026, 3, 5, 17, 0, tzinfo=UTC)
    filing = approved(filed(at=at))
    assert filing.filed_on == date(2026, 3, 6)
    assert not filing.excuses(DAY)


def test_filed_before_the_day_excuses() -> None:
    filing = approved(filed(at=shanghai(DAY - timedelta(days=10))))
    assert filing.excuses(DAY)
    assert not filing.late


def test_a_span_is_late_only_for_its_early_days() -> None:
    filing = approved(filed(DAY, DAY + timedelta(days=4), at=shanghai(date(2026, 3, 9))))
    assert filing.days == tuple(DAY + timedelta(days=n) for n in range(5))
    assert filing.late_days == (
        date(2026, 3, 2),
        date(2026, 3, 3),
        date(2026, 3, 4),
        date(2026, 3, 5),
    )
    assert [day for day in filing.days if filing.excuses(day)] == [date(2026, 3, 6)]
    assert not filing.excuses(date(2026, 3, 7))  # not covered


def test_the_limit_kept_on_the_filing_decides() -> None:
    same_day_only = approved(filed(at=shanghai(DAY + timedelta(days=1)), limit_days=0))
    assert not same_day_only.excuses(DAY)
    assert approved(filed(at=shanghai(DAY, hour=23), limit_days=0)).excuses(DAY)


def test_requested_rejected_and_withdrawn_filings_never_excuse() -> None:
    requested = filed()
    assert not requested.excuses(DAY)
    rejected, _ = leave.reject(
        requested, actor="u-centre", roles=CENTRE, reason="no", now=requested.filed_at
    )
    withdrawn, _ = leave.withdraw(requested, actor="u-w1", now=requested.filed_at)
    for filing in (rejected, withdrawn):
        assert not filing.excuses(DAY)
        assert filing.excuse_for(DAY) is None
    assert (rejected.status, rejected.decision and rejected.decision.reason) == (
        LeaveStatus.REJECTED,
        "no",
    )
    assert withdrawn.status is LeaveStatus.WITHDRAWN


def test_a_worker_files_only_for_himself_the_centre_for_anyone() -> None:
    with pytest.raises(PermissionDenied):
        filed(worker_id="u-w2", filer="u-w1", roles=WORKER)
    for_him = filed(worker_id="u-w2", filer="u-centre", roles=CENTRE)
    assert (for_him.worker_id, for_him.filed_by) == ("u-w2", "u-centre")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"last_day": DAY - timedelta(days=1)}, "last_day"),
        ({"last_day": DAY + timedelta(days=31)}, "last_day"),
        ({"kind": "holiday"}, "kind"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 501}, "reason"),
        (
            {"first_day": DAY - timedelta(days=100), "last_day": DAY - timedelta(days=100)},
            "first_day",
        ),
    ],
)
def test_bad_filings_name_the_field(changes: dict[str, object], field: str) -> None:
    values: dict[str, object] = {
        "leave_id": "lv-1",
        "tenant_id": "tenant-a",
        "worker_id": "u-w1",
        "first_day": DAY,
        "last_day": None,
        "kind": "clash",
        "reason": "街道会议",
        "filer": "u-w1",
        "filer_roles": WORKER,
        "limit_days": 3,
        "now": shanghai(DAY),
        **changes,
    }
    with pytest.raises(InvalidInput) as raised:
        leave.file_leave(**values)  # type: ignore[arg-type]
    assert raised.value.field == field


def test_only_the_centre_decides_and_only_once() -> None:
    requested = filed()
    with pytest.raises(PermissionDenied):
        leave.approve(requested, actor="u-w1", roles=WORKER, now=requested.filed_at)
    done = approved(requested)
    assert done.decision is not None
    assert done.decision.by == "u-centre"
    with pytest.raises(StateConflict):
        approved(done)
    with pytest.raises(StateConflict):
        leave.reject(done, actor="u-centre", roles=CENTRE, reason="late", now=done.filed_at)
    with pytest.raises(InvalidInput) as raised:
        leave.reject(requested, actor="u-centre", roles=CENTRE, reason=" ", now=done.filed_at)
    assert raised.value.field == "reason"


def test_only_the_filer_withdraws_and_only_while_requested() -> None:
    by_centre = filed(worker_id="u-w2", filer="u-centre", roles=CENTRE)
    with pytest.raises(PermissionDenied):
        leave.withdraw(by_centre, actor="u-w2", now=by_centre.filed_at)
    with pytest.raises(StateConflict):
        leave.withdraw(approved(filed()), actor="u-w1", now=shanghai(DAY))


def test_a_standing_filing_for_the_same_day_collides() -> None:
    first = filed(DAY, DAY + timedelta(days=2))
    other = replace(first, leave_id="lv-2", first_day=DAY + timedelta(days=2))
    with pytest.raises(StateConflict):
        leave.check_no_overlap(other, [first])
    withdrawn, _ = leave.withdraw(first, actor="u-w1", now=first.filed_at)
    leave.check_no_overlap(other, [withdrawn])
    next_day = DAY + timedelta(days=3)
    leave.check_no_overlap(
        replace(first, leave_id="lv-3", first_day=next_day, last_day=next_day), [first]
    )


def test_events_carry_days_and_flags_but_never_the_reason() -> None:
    filing, event = leave.file_leave(
        leave_id="lv-1",
        tenant_id="tenant-a",
        worker_id="u-w1",
        first_day=DAY,
        last_day=DAY + timedelta(days=1),
        kind="clash",
        reason="区里开会",
        filer="u-w1",
        filer_roles=WORKER,
        limit_days=3,
        now=shanghai(DAY + timedelta(days=4)),
    )
    assert event.type == "leave.filed"
    assert event.aggregate_id == "lv-1"
    payload = event.payload()
    assert validate_payload(event.type, 1, payload)
    assert payload["days"] == ["2026-03-02", "2026-03-03"]
    assert (payload["late"], payload["late_days"], payload["excused_days"]) == (
        True,
        ["2026-03-02"],
        [],
    )
    assert "区里开会" not in str(payload)
    _done, approval = leave.approve(filing, actor="u-centre", roles=CENTRE, now=filing.filed_at)
    assert approval.type == "leave.approved"
    assert approval.payload()["excused_days"] == ["2026-03-03"]
    assert approval.payload()["actor"] == "u-centre"
    assert validate_payload(approval.type, 1, approval.payload())


def test_a_naive_clock_is_a_bug() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        filed(at=datetime(2026, 3, 2, 10))  # noqa: DTZ001 - the naive instant under test
