"""The ledger's correction rule: each aggregate keeps exactly the facts of its newest state."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from services.scoring.domain.ledger import AggregateState, Change, LedgerEntry, counted
from services.scoring.domain.sources import Fact, Observation, instant_position, version_position

DAY = date(2026, 3, 2)
AT = 1_772_409_600_000
BASE = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def fact(metric: str, value: str = "1", key: str | None = "city_management") -> Fact:
    return Fact("grid", "g-1", metric, Decimal(value), DAY, AT, key=key, grid_id="g-1")


def seen(
    facts: list[Fact], minutes: int = 0, *, aggregate: str = "event:e-1", partial: bool = False
) -> Observation:
    position = instant_position(BASE + timedelta(minutes=minutes))
    return Observation(aggregate, position, tuple(facts), partial=partial)


def apply(state: AggregateState, observation: Observation, event_id: str) -> Change:
    return state.apply(observation, tenant_id="t-1", event_id=event_id, event_type="event.x")


def run(*steps: tuple[Observation, str]) -> tuple[AggregateState, list[LedgerEntry]]:
    """Apply observations in order, as the live path does, keeping every stored entry."""
    stored: list[LedgerEntry] = []
    for observation, event_id in steps:
        change = apply(AggregateState.of(stored), observation, event_id)
        stored.extend(change.added)
    return AggregateState.of(stored), stored


def test_the_first_message_records_its_facts_under_its_event_id():
    change = apply(AggregateState(), seen([fact("intake.events_reported")]), "m-1")

    [entry] = change.added
    assert entry.entry_id == "m-1:grid:g-1:intake.events_reported:city_management"
    assert (entry.aggregate, entry.month, entry.value) == ("event:e-1", "2026-03", Decimal(1))


def test_the_same_message_again_changes_nothing():
    state, stored = run((seen([fact("intake.events_reported")]), "m-1"))

    assert apply(state, seen([fact("intake.events_reported")]), "m-1") == Change()
    assert len(stored) == 1


def test_a_later_message_keeps_unchanged_facts_and_adds_new_ones():
    _, stored = run(
        (seen([fact("intake.events_reported")]), "m-1"),
        (seen([fact("intake.events_reported"), fact("intake.events_closed")], 5), "m-2"),
    )

    assert [e.entry_id.split(":")[0] for e in stored] == ["m-1", "m-2"]
    assert [e.metric for e in counted(stored)] == [
        "intake.events_reported",
        "intake.events_closed",
    ]


def test_a_reopened_event_retracts_its_closure_and_a_second_closure_counts_once():
    reported, closed = fact("intake.events_reported"), fact("intake.events_closed")
    on_time = fact("intake.events_closed_on_time")
    state, stored = run(
        (seen([reported, closed, on_time]), "m-1"),
        (seen([reported], 5), "m-2"),  # reopened
        (seen([reported, closed], 9), "m-3"),  # closed again, late
    )

    live = sorted(e.metric for e in counted(stored))
    assert live == ["intake.events_closed", "intake.events_reported"]
    retractions = [e for e in stored if e.retracts]
    assert {e.retracts for e in retractions} == {
        "m-1:grid:g-1:intake.events_closed:city_management",
        "m-1:grid:g-1:intake.events_closed_on_time:city_management",
    }
    assert all(e.value == Decimal(-1) for e in retractions)  # a plain sum stays right too
    assert sum(e.value for e in stored if e.metric == "intake.events_closed") == 1
    assert len(state.live) == 2


def test_a_message_older_than_the_aggregate_is_stale():
    state, _ = run(
        (seen([fact("intake.events_reported")], 5), "m-2"),
    )

    change = apply(state, seen([fact("intake.events_rejected")], 1), "m-1")

    assert change.stale
    assert change.added == ()


def test_a_corrected_patrol_day_replaces_the_figures_of_its_earlier_version():
    def day(version: int, facts: list[Fact]) -> Observation:
        return Observation("patrol_day:w-1:2026-03-02", version_position(version), tuple(facts))

    failing = Fact("worker", "w-1", "patrol.failing_days", Decimal(1), DAY, AT, worker_id="w-1")
    seconds = Fact("worker", "w-1", "patrol.patrol_seconds", Decimal(7200), DAY, AT)
    more = Fact("worker", "w-1", "patrol.patrol_seconds", Decimal(14400), DAY, AT)
    _, stored = run((day(1, [failing, seconds]), "v-1"), (day(2, [more]), "v-2"))

    assert [(e.metric, e.value) for e in counted(stored)] == [("patrol.patrol_seconds", 14400)]
    # The version, not the instant, orders a patrol day: version 1 again is stale.
    state = AggregateState.of(stored)
    assert apply(state, day(1, [failing, seconds]), "v-1").stale


def test_a_part_of_a_publication_keeps_the_other_parts_of_its_edition():
    def part(edition: int, subject: str) -> Observation:
        rate = Fact("grid", subject, "survey.satisfaction_rate", Decimal(90), DAY, AT)
        return Observation("rates:2026-Q1:def:grid", version_position(edition), (rate,), True)

    _, stored = run((part(1, "g-1"), "p1"), (part(1, "g-2"), "p2"), (part(2, "g-1"), "q1"))

    # Edition 2's first part replaced edition 1's rows it does not hold (g-2 until its part
    # of edition 2 arrives), and kept g-1, which it holds unchanged.
    assert sorted(e.subject_id for e in counted(stored)) == ["g-1"]
    _, stored = run((part(1, "g-1"), "p1"), (part(2, "g-1"), "q1"), (part(2, "g-2"), "q2"))
    assert sorted(e.subject_id for e in counted(stored)) == ["g-1", "g-2"]


def test_the_state_kept_in_memory_equals_the_state_read_back():
    steps = [
        (seen([fact("intake.events_reported"), fact("intake.events_closed")]), "m-1"),
        (seen([fact("intake.events_reported")], 3), "m-2"),
        (seen([fact("intake.events_reported"), fact("intake.events_closed", key="x")], 4), "m-3"),
    ]
    memory = AggregateState()
    for observation, event_id in steps:
        memory = memory.after(apply(memory, observation, event_id))

    state, _ = run(*steps)
    assert memory == state


def test_two_facts_of_one_message_with_one_id_are_a_bug():
    one = fact("patrol.visits", "1", key="key_person")
    other = fact("patrol.visits", "2", key="key_person")

    with pytest.raises(ValueError, match="share an id"):
        apply(AggregateState(), seen([one, other]), "m-1")
