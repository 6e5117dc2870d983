"""The read-model rules: grids in force on a Shanghai day, boundary versions, memberships on a
day, key subjects due visits, and which events an entry admits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.registry.model import (
    TENANT_TZ,
    AppliedMark,
    Membership,
    admits,
    due_subjects,
    grid_from_state,
    grid_ids_served,
    grids_in_force,
    local_day,
    membership_from_state,
    subject_from_state,
)

OLD = {"type": "Polygon", "coordinates": [[[120.0, 31.7], [120.01, 31.7], [120.0, 31.71]]]}
NEW = {"type": "Polygon", "coordinates": [[[121.0, 31.7], [121.01, 31.7], [121.0, 31.71]]]}


def state(**changes):
    base = {
        "grid_id": "g-1",
        "division_id": "div-1",
        "code": "G01",
        "name": "第一网格",
        "type": "community",
        "status": "active",
        "boundary": OLD,
        "valid_from": date(2026, 1, 5),
        "valid_to": None,
        "area_m2": 1.0,
        "split_from": None,
        "merged_from": [],
        "replaced_by": [],
        "actor": "u-1",
    }
    return {**base, **changes}


def shanghai(day: date, hour: int = 12) -> datetime:
    """`hour` o'clock Shanghai time on `day`, as an aware UTC instant."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def test_the_day_of_an_instant_is_the_shanghai_day():
    assert local_day(datetime(2026, 1, 4, 16, 0, tzinfo=UTC)) == date(2026, 1, 5)
    assert local_day(datetime(2026, 1, 4, 15, 59, tzinfo=UTC)) == date(2026, 1, 4)
    with pytest.raises(ValueError, match="timezone-aware"):
        local_day(datetime(2026, 1, 4, 16, 0))  # noqa: DTZ001 - the naive instant under test


def test_a_grid_is_in_force_from_its_first_to_its_last_valid_day_inclusive():
    grid = grid_from_state(
        state(valid_to=date(2026, 2, 1), status="retired"),
        occurred_at=shanghai(date(2026, 2, 2)),
        previous=None,
    )
    assert not grid.in_force_on(date(2026, 1, 4))
    assert grid.in_force_on(date(2026, 1, 5))
    assert grid.in_force_on(date(2026, 2, 1))
    assert not grid.in_force_on(date(2026, 2, 2))
    # 2026-01-04 16:30 UTC is already 00:30 on the 5th in Shanghai.
    assert grid.in_force_at(datetime(2026, 1, 4, 16, 30, tzinfo=UTC))
    assert not grid.in_force_at(datetime(2026, 1, 4, 15, 30, tzinfo=UTC))


def test_an_open_ended_grid_is_in_force_unless_announced_retired():
    active = grid_from_state(state(), occurred_at=shanghai(date(2026, 1, 5)), previous=None)
    retired = grid_from_state(
        state(status="retired"), occurred_at=shanghai(date(2026, 1, 5)), previous=None
    )
    assert active.in_force_on(date(2030, 1, 1))
    assert not retired.in_force_on(date(2026, 3, 1))


def test_a_new_boundary_applies_from_the_events_day_and_the_old_one_before_it():
    created = grid_from_state(state(), occurred_at=shanghai(date(2026, 1, 5)), previous=None)
    changed = grid_from_state(
        state(boundary=NEW), occurred_at=shanghai(date(2026, 3, 1), hour=1), previous=created
    )
    assert changed.boundary_valid_from == date(2026, 3, 1)
    assert changed.boundary_on(date(2026, 2, 28)) == OLD
    assert changed.boundary_on(date(2026, 3, 1)) == NEW
    assert changed.boundary_on(date(2026, 1, 5)) == OLD
    renamed = grid_from_state(
        state(boundary=NEW, name="改名"), occurred_at=shanghai(date(2026, 3, 9)), previous=changed
    )
    assert renamed.boundary_history == changed.boundary_history
    assert renamed.boundary_valid_from == date(2026, 3, 1)
    assert renamed.name == "改名"


def test_a_second_boundary_change_on_one_day_keeps_no_empty_version():
    created = grid_from_state(state(), occurred_at=shanghai(date(2026, 1, 5)), previous=None)
    first = grid_from_state(
        state(boundary=NEW), occurred_at=shanghai(date(2026, 3, 1), 9), previous=created
    )
    third = {"type": "Polygon", "coordinates": [[[122.0, 31.7], [122.01, 31.7], [122.0, 31.71]]]}
    second = grid_from_state(
        state(boundary=third), occurred_at=shanghai(date(2026, 3, 1), 15), previous=first
    )
    assert len(second.boundary_history) == 1
    assert second.boundary_on(date(2026, 3, 1)) == third
    assert second.boundary_on(date(2026, 2, 28)) == OLD


def test_grids_in_force_come_in_code_order_with_the_boundary_of_the_day():
    def grid(grid_id, code, **changes):
        return grid_from_state(
            state(grid_id=grid_id, code=code, **changes),
            occurred_at=shanghai(date(2026, 1, 5)),
            previous=None,
        )

    grids = [
        grid("g-b", "B"),
        grid("g-a", "A"),
        grid("g-old", "C", valid_to=date(2026, 1, 31), status="retired"),
        grid("g-new", "D", valid_from=date(2026, 3, 1)),
    ]
    found = grids_in_force(grids, date(2026, 2, 15))
    assert [(g.grid_id, boundary) for g, boundary in found] == [("g-a", OLD), ("g-b", OLD)]
    assert [g.grid_id for g, _ in grids_in_force(grids, date(2026, 1, 20))] == [
        "g-a",
        "g-b",
        "g-old",
    ]


def membership(user_id, grid_id, starts_on, ends_on=None, role="grid_worker"):
    return Membership(
        membership_id=f"m-{user_id}-{grid_id}",
        grid_id=grid_id,
        division_id="div-1",
        user_id=user_id,
        role=role,
        starts_on=starts_on,
        ends_on=ends_on,
    )


def test_a_user_serves_the_grids_whose_team_has_them_on_that_day_any_role():
    memberships = [
        membership("u-1", "g-1", date(2026, 1, 1)),
        membership("u-1", "g-2", date(2026, 1, 1), date(2026, 1, 31), role="grid_leader"),
        membership("u-1", "g-3", date(2026, 2, 10)),
        membership("u-2", "g-4", date(2026, 1, 1)),
        membership(None, "g-5", date(2026, 1, 1), role="volunteer"),
    ]
    assert grid_ids_served(memberships, "u-1", date(2026, 1, 31)) == {"g-1", "g-2"}
    assert grid_ids_served(memberships, "u-1", date(2026, 2, 1)) == {"g-1"}
    assert grid_ids_served(memberships, "u-1", date(2026, 2, 10)) == {"g-1", "g-3"}
    assert grid_ids_served(memberships, "u-1", date(2025, 12, 31)) == frozenset()


def test_a_membership_is_read_from_its_event_payload():
    loaded = membership_from_state(
        {
            "membership_id": "m-1",
            "grid_id": "g-1",
            "division_id": "div-1",
            "role": "full_time_worker",
            "user_id": "u-1",
            "starts_on": date(2026, 1, 1),
            "ends_on": date(2026, 6, 30),
            "model": "1+1+1+N",
            "actor": "a-1",
        }
    )
    assert loaded.covers(date(2026, 6, 30))
    assert not loaded.covers(date(2026, 7, 1))


T0 = datetime(2026, 1, 5, 2, 30, tzinfo=UTC)


def test_an_entry_admits_newer_events_and_refuses_older_or_applied_ones():
    mark = AppliedMark.of(T0, "e-1")
    assert admits(None, T0, "e-1")
    assert not admits(mark, T0, "e-1")
    assert not admits(mark, T0 - timedelta(microseconds=1), "e-0")
    assert admits(mark, T0 + timedelta(microseconds=1), "e-2")
    # Same instant, another event (the partition's order decides): applied once only.
    assert admits(mark, T0, "e-2")
    both = mark.after(T0, "e-2")
    assert not admits(both, T0, "e-1")
    assert not admits(both, T0, "e-2")
    later = both.after(T0 + timedelta(seconds=1), "e-3")
    assert later.event_ids == ("e-3",)
    assert not admits(later, T0, "e-9")


def test_marks_compare_instants_whatever_their_offset():
    mark = AppliedMark.of(T0, "e-1")
    in_shanghai = T0.astimezone(TENANT_TZ)
    assert not admits(mark, in_shanghai, "e-1")
    assert mark.occurred_at.tzinfo is UTC


def subject_state(**changes):
    """A `subject.*` payload as the contract loads it (no name, ID number or address)."""
    base = {
        "subject_id": "s-1",
        "grid_id": "g-1",
        "division_id": "div-1",
        "category": "key_person",
        "sub_category": "社区矫正人员",
        "visit_cycle": "weekly",
        "status": "active",
        "location": {"lon": 120.1551, "lat": 30.2741},
        "actor": "u-1",
    }
    return {**base, **changes}


def test_a_subject_is_read_from_its_event_payload_with_its_position_and_cycle():
    subject = subject_from_state(subject_state())
    assert subject.location == (120.1551, 30.2741)
    assert (subject.grid_id, subject.category, subject.visit_cycle) == (
        "g-1",
        "key_person",
        "weekly",
    )
    assert subject.active
    assert subject_from_state(subject_state(location=None)).location is None
    assert not subject_from_state(subject_state(status="archived")).active


def test_the_subjects_due_visits_are_the_active_ones_of_the_grids_asked_in_order():
    subjects = [
        subject_from_state(subject_state(subject_id="s-2", grid_id="g-2")),
        subject_from_state(subject_state(subject_id="s-1", grid_id="g-2")),
        subject_from_state(subject_state(subject_id="s-0", grid_id="g-1")),
        subject_from_state(subject_state(subject_id="s-9", grid_id="g-1", status="archived")),
        subject_from_state(subject_state(subject_id="s-5", grid_id="g-3")),
    ]
    due = due_subjects(subjects, ["g-2", "g-1"])
    assert [(s.grid_id, s.subject_id) for s in due] == [
        ("g-1", "s-0"),
        ("g-2", "s-1"),
        ("g-2", "s-2"),
    ]
    assert due_subjects(subjects, []) == []


@given(
    steps=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=12),
    replays=st.data(),
)
def test_redeliveries_and_replays_apply_each_event_once_in_partition_order(steps, replays):
    """Events of one entry arrive in partition order (instants never decreasing, some equal);
    after any of them the consumer may restart from an earlier offset and redeliver from
    there. Whatever the restarts, every event is applied exactly once, in order."""
    instants = [T0]
    for step in steps[1:]:
        instants.append(instants[-1] + timedelta(seconds=step))  # 0: the same instant
    events = [(at, f"e-{n}") for n, at in enumerate(instants)]
    deliveries: list[int] = []
    for n in range(len(events)):
        deliveries.append(n)
        restart = replays.draw(st.integers(min_value=0, max_value=n + 1))
        deliveries.extend(range(restart, n + 1))  # n + 1: no restart

    mark, applied = None, []
    for n in deliveries:
        at, event_id = events[n]
        if admits(mark, at, event_id):
            mark = AppliedMark.of(at, event_id) if mark is None else mark.after(at, event_id)
            applied.append(n)

    assert applied == list(range(len(events)))
