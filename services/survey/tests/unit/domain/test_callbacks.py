"""The 12345 callback rules: the latest callback per work order, intake's attachment first,
intake's messages once, what a callback counts, the worker it rates and the file's rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.survey.domain.callbacks import (
    COLUMNS,
    Attachment,
    Callback,
    CallbackResult,
    IntakeMessage,
    Origin,
    Outcome,
    credit_of,
    half_of,
    moment,
    quarter_of,
    record_callback,
    result_row,
    serving_worker,
    tenant_day,
    year_of,
)
from shared.registry.model import Membership
from shared.workbooks import CellError

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
CALLED = datetime(2026, 3, 5, 6, 40, tzinfo=UTC)
INTAKE_PLACE = Attachment(event_id="e-1", grid_id="g-1", division_id="div-1", by=Origin.INTAKE)
IMPORT_PLACE = Attachment(event_id=None, grid_id="g-2", division_id="div-2", by=Origin.IMPORT)


def worker_of(grid_id: str, day: date) -> str | None:
    return f"w-{grid_id}-{day.isoformat()}"


def result(
    outcome: Outcome = Outcome.SATISFIED,
    *,
    called_at: datetime = CALLED,
    origin: Origin = Origin.IMPORT,
    attachment: Attachment = IMPORT_PLACE,
) -> CallbackResult:
    return CallbackResult(
        work_order_no="GD1",
        outcome=outcome,
        called_at=called_at,
        origin=origin,
        attachment=attachment,
    )


def from_intake(
    outcome: Outcome = Outcome.SATISFIED,
    *,
    called_at: datetime = CALLED,
    message_id: str = "m1",
    sent: datetime = NOW,
) -> tuple[CallbackResult, IntakeMessage]:
    return (
        result(outcome, called_at=called_at, origin=Origin.INTAKE, attachment=INTAKE_PLACE),
        IntakeMessage(message_id=message_id, occurred_at=sent),
    )


def record(current: Callback | None, found: CallbackResult, message: IntakeMessage | None = None):
    return record_callback(
        current, found, tenant_id="t1", worker_of=worker_of, now=NOW, message=message
    )


def test_the_first_callback_is_recorded_with_its_grid_worker_and_event():
    callback, event = record(None, *from_intake(Outcome.BASICALLY_SATISFIED))
    assert event is not None
    assert (callback.event_id, callback.grid_id, callback.division_id) == ("e-1", "g-1", "div-1")
    assert (callback.attached_by, callback.origin, callback.outcome) == (
        Origin.INTAKE,
        Origin.INTAKE,
        Outcome.BASICALLY_SATISFIED,
    )
    assert callback.worker_id == "w-g-1-2026-03-05"
    assert (callback.recordings, callback.recorded_at, callback.day) == (1, NOW, date(2026, 3, 5))
    assert event.type == "callback.recorded"
    assert event.aggregate_id == "GD1"
    assert event.payload() == {
        "work_order_no": "GD1",
        "event_id": "e-1",
        "grid_id": "g-1",
        "division_id": "div-1",
        "outcome": "basically_satisfied",
        "called_at": "2026-03-05T06:40:00+00:00",
        "origin": "intake",
    }


def test_the_same_result_again_changes_nothing():
    callback, _ = record(None, result())
    again, event = record(callback, result())
    assert (again, event) == (callback, None)


def test_a_later_call_replaces_and_an_older_one_changes_nothing():
    callback, _ = record(None, result(Outcome.UNREACHABLE))
    later, event = record(callback, result(Outcome.SATISFIED, called_at=CALLED + timedelta(days=1)))
    assert event is not None
    assert (later.outcome, later.called_at, later.recordings) == (
        Outcome.SATISFIED,
        CALLED + timedelta(days=1),
        2,
    )
    kept, nothing = record(later, result(Outcome.UNSATISFIED, called_at=CALLED))
    assert (kept, nothing) == (later, None)


def test_a_corrected_outcome_at_the_same_instant_replaces():
    callback, _ = record(None, result(Outcome.SATISFIED))
    corrected, event = record(callback, result(Outcome.UNSATISFIED))
    assert event is not None
    assert corrected.outcome is Outcome.UNSATISFIED


def test_intake_messages_apply_once_even_at_the_same_instant():
    first, message_1 = from_intake(Outcome.SATISFIED, message_id="m1", sent=NOW)
    callback, _ = record(None, first, message_1)
    second, message_2 = from_intake(
        Outcome.UNSATISFIED, message_id="m2", sent=NOW + timedelta(minutes=5)
    )
    corrected, event = record(callback, second, message_2)
    assert event is not None
    assert corrected.outcome is Outcome.UNSATISFIED
    # The first message delivered again after the correction: nothing changes back.
    replayed, nothing = record(corrected, first, message_1)
    assert (replayed, nothing) == (corrected, None)
    assert corrected.intake_mark is not None
    assert corrected.intake_mark.event_ids == ("m2",)


def test_intakes_attachment_wins_over_an_import_and_stays():
    imported, _ = record(None, result(Outcome.SATISFIED, called_at=CALLED + timedelta(days=1)))
    assert (imported.event_id, imported.grid_id, imported.attached_by) == (
        None,
        "g-2",
        Origin.IMPORT,
    )
    # An older intake callback: its outcome is not taken, but it places the work order.
    older, message = from_intake(Outcome.UNSATISFIED)
    placed, event = record(imported, older, message)
    assert event is not None
    assert (placed.event_id, placed.grid_id, placed.division_id, placed.attached_by) == (
        "e-1",
        "g-1",
        "div-1",
        Origin.INTAKE,
    )
    assert (placed.outcome, placed.origin, placed.called_at) == (
        Outcome.SATISFIED,
        Origin.IMPORT,
        CALLED + timedelta(days=1),
    )
    assert placed.worker_id == "w-g-1-2026-03-06"
    # A later import with another grid keeps intake's place but takes the outcome.
    later = result(
        Outcome.UNSATISFIED,
        called_at=CALLED + timedelta(days=2),
        attachment=Attachment(event_id=None, grid_id="g-9", division_id=None, by=Origin.IMPORT),
    )
    after, event = record(placed, later)
    assert event is not None
    assert (after.grid_id, after.event_id, after.outcome) == ("g-1", "e-1", Outcome.UNSATISFIED)


def test_a_later_import_row_corrects_an_imports_grid():
    callback, _ = record(None, result())
    moved_place = Attachment(event_id=None, grid_id="g-3", division_id="div-3", by=Origin.IMPORT)
    moved, event = record(
        callback, result(called_at=CALLED + timedelta(hours=1), attachment=moved_place)
    )
    assert event is not None
    assert moved.grid_id == "g-3"
    # An older row of the old grid neither changes the outcome nor the grid.
    kept, nothing = record(moved, result(Outcome.UNSATISFIED))
    assert (kept, nothing) == (moved, None)


def test_an_intake_result_needs_its_message_and_an_import_none():
    with pytest.raises(ValueError, match="message"):
        record(None, from_intake()[0])
    with pytest.raises(ValueError, match="message"):
        record(None, result(), IntakeMessage(message_id="m", occurred_at=NOW))


@pytest.mark.parametrize(
    ("outcome", "credit"),
    [
        (Outcome.SATISFIED, Decimal(1)),
        (Outcome.BASICALLY_SATISFIED, Decimal("0.5")),
        (Outcome.UNSATISFIED, Decimal(0)),
        (Outcome.UNREACHABLE, None),
    ],
)
def test_what_a_callback_counts(outcome: Outcome, credit: Decimal | None):
    assert credit_of(outcome, Decimal("0.5")) == credit


def test_basic_credit_follows_the_definition_and_stays_a_share():
    assert credit_of(Outcome.BASICALLY_SATISFIED, Decimal(1)) == Decimal(1)
    assert credit_of(Outcome.BASICALLY_SATISFIED, Decimal(0)) == Decimal(0)
    with pytest.raises(ValueError, match="basic_credit"):
        credit_of(Outcome.SATISFIED, Decimal("1.5"))


def member(user: str | None, role: str, starts: date, ends: date | None = None) -> Membership:
    return Membership(
        membership_id=f"m-{user}-{role}",
        grid_id="g-1",
        division_id="div-1",
        user_id=user,
        role=role,
        starts_on=starts,
        ends_on=ends,
    )


def test_the_serving_worker_is_the_full_time_one_of_the_day():
    day = date(2026, 3, 5)
    team = [
        member("leader", "grid_leader", date(2025, 1, 1)),
        member("part", "grid_worker", date(2025, 1, 1)),
        member("old", "full_time_worker", date(2025, 1, 1), date(2026, 3, 4)),
        member("new", "full_time_worker", date(2026, 3, 5)),
        member(None, "full_time_worker", date(2025, 1, 1)),
    ]
    assert serving_worker(team, day) == "new"
    assert serving_worker(team, date(2026, 3, 1)) == "old"
    assert serving_worker(team[:2], day) == "part"
    assert serving_worker(team[:1], day) is None


def test_buckets_follow_the_tenant_local_day():
    late = datetime(2026, 6, 30, 16, 30, tzinfo=UTC)  # 00:30 on 1 July in Shanghai
    day = tenant_day(late)
    assert (day, quarter_of(day), half_of(day), year_of(day)) == (
        date(2026, 7, 1),
        "2026-Q3",
        "2026-H2",
        "2026",
    )


@pytest.mark.parametrize(
    "cell",
    [
        "2026-03-05 14:40",
        "2026/03/05 14:40:00",
        "2026年3月5日 14:40",
        "2026-03-05T06:40:00+00:00",
        datetime(2026, 3, 5, 14, 40),  # noqa: DTZ001 - an Excel cell is Shanghai wall time
    ],
)
def test_callback_times_are_shanghai_wall_time_unless_they_say(cell: Any):
    assert moment()(cell) == CALLED


def test_an_unreadable_time_is_a_cell_problem():
    with pytest.raises(CellError):
        moment()("下午两点")


def test_a_row_in_the_future_is_refused_on_its_column():
    values = {"work_order_no": "GD1", "outcome": "satisfied", "called_at": NOW + timedelta(1)}
    row, problems = result_row(values, now=NOW)
    assert row is None
    assert [problem.column for problem in problems] == ["回访时间"]
    fine, none = result_row({**values, "called_at": CALLED, "grid_code": "HP-01"}, now=NOW)
    assert none == ()
    assert fine is not None
    assert (fine.outcome, fine.grid_code, fine.event_id) == (Outcome.SATISFIED, "HP-01", None)


def test_the_files_columns():
    assert [(column.header, column.required) for column in COLUMNS] == [
        ("工单编号", True),
        ("回访结果", True),
        ("回访时间", True),
        ("网格编码", False),
        ("事项编号", False),
    ]
    outcome = next(column for column in COLUMNS if column.key == "outcome")
    assert [
        outcome.parse(label) for label in ("满意", "基本满意", "不满意", "未接通", "联系不上")
    ] == [
        "satisfied",
        "basically_satisfied",
        "unsatisfied",
        "unreachable",
        "unreachable",
    ]
