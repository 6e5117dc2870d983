"""The DLQ tool on the in-memory broker: what it reads from dead letters, which ones the filters
choose, that a replay happens once, and the way back from a consumer stopped at its limit."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError
from kafka.structs import TopicPartition

from shared.events.envelope import Envelope
from shared.events.topics import dlq_name
from shared.kafka import dlq
from shared.kafka.clients import Headers, offset_to_commit
from shared.kafka.consumer import ConsumerRunner, DlqLimit, DlqLimitExceeded, Route
from shared.kafka.dlq import DeadLetter, Selection, TimedRecord
from shared.kafka.inmemory import InMemoryBroker, InMemoryConsumer, InMemoryProducer
from shared.testing.poison import POISON, burst, division_created

TOPIC = "unit.dlq.divisions"
DLQ = dlq_name(TOPIC)
GROUP = "unit-dlq-group"
NO_LIMIT = DlqLimit(max_invalid_ratio=None, max_consecutive_invalid=None)


class StampedBroker(InMemoryBroker):
    """The in-memory broker with record timestamps: every append is stamped with `now_ms`."""

    def __init__(self) -> None:
        super().__init__()
        self.now_ms = 1_000_000
        self.stamps: dict[tuple[str, int, int], int] = {}

    def append(
        self, topic: str, value: bytes | None, key: bytes | None, headers: Headers
    ) -> tuple[int, int]:
        partition, offset = super().append(topic, value, key, headers)
        self.stamps[(topic, partition, offset)] = self.now_ms
        return partition, offset


class MemoryLog:
    """`dlq.TopicLog` over a `StampedBroker`; `members` are groups with a running consumer."""

    def __init__(self, broker: StampedBroker) -> None:
        self.broker = broker
        self.members: set[str] = set()
        self.reads: list[tuple[str, dict[int, int]]] = []

    def topics(self) -> set[str]:
        return self.broker.topics()

    def end_offsets(self, topic: str) -> dict[int, int]:
        count = self.broker.partitions_for(topic)
        return {p: len(self.broker.records(topic, p)) for p in range(count)}

    def offsets_for_time(self, topic: str, timestamp_ms: int) -> dict[int, int]:
        found = self.end_offsets(topic)
        for partition in found:
            for record in self._stamped(topic, partition):
                if record.timestamp >= timestamp_ms:
                    found[partition] = record.offset
                    break
        return found

    def read(
        self, topic: str, start: Mapping[int, int], end: Mapping[int, int]
    ) -> Iterator[TimedRecord]:
        self.reads.append((topic, dict(start)))
        for partition in sorted(start):
            for record in self._stamped(topic, partition):
                if start[partition] <= record.offset < end[partition]:
                    yield record

    def _stamped(self, topic: str, partition: int) -> list[Any]:
        return [
            r._replace(timestamp=self.broker.stamps[(topic, partition, r.offset)])
            for r in self.broker.records(topic, partition)
        ]

    def group_state(self, group: str) -> str:
        if group in self.members:
            return "Stable"
        return "Empty" if self.committed(group, TOPIC) else "Dead"

    def committed(self, group: str, topic: str) -> dict[int, int]:
        found = {}
        for partition in range(self.broker.partitions_for(topic)):
            offset = self.broker.committed(group, TopicPartition(topic, partition))
            if offset is not None:
                found[partition] = offset
        return found

    def commit(self, group: str, topic: str, offsets: Mapping[int, int]) -> None:
        InMemoryConsumer(self.broker, group).commit(
            {TopicPartition(topic, p): offset_to_commit(o) for p, o in offsets.items()}
        )


class World:
    """A topic, its DLQ, a consumer group whose handler records event ids, and the tool."""

    def __init__(self, partitions: int = 3) -> None:
        self.broker = StampedBroker()
        self.broker.create_topic(TOPIC, partitions)
        self.broker.create_topic(DLQ, partitions)
        self.log = MemoryLog(self.broker)
        self.producer = InMemoryProducer(self.broker)
        self.handled: list[str] = []

    def publish(self, key: bytes | None, value: bytes | None) -> None:
        self.broker.append(TOPIC, value, key, [("traceparent", b"00-abc")])

    def publish_event(self, envelope: Envelope) -> None:
        self.publish(envelope.key(str(envelope.payload["division_id"])), envelope.to_bytes())

    def consume(self, group: str = GROUP, limit: DlqLimit = NO_LIMIT) -> None:
        """Run the group's consumer until it has read everything (or its DLQ limit trips)."""
        runner = ConsumerRunner(
            consumer=InMemoryConsumer(self.broker, group),
            dlq_producer=InMemoryProducer(self.broker),
            group_id=group,
            routes=[Route(TOPIC, lambda e: self.handled.append(e.event_id))],
            dlq_limit=limit,
            commit_interval_s=0.0,
            poll_timeout_ms=0,
        )
        try:
            while runner.run_once():
                pass
        finally:
            runner.close()

    def replay(self, dry_run: bool = False, **filters: Any) -> dlq.ReplayReport:
        only_valid = filters.pop("only_valid", False)
        selection = Selection(topics=(TOPIC,), **filters)
        producer = None if dry_run else self.producer
        return dlq.replay(self.log, producer, selection, only_valid=only_valid)

    def letters(self, **filters: Any) -> list[DeadLetter]:
        return list(dlq.dead_letters(self.log, Selection(topics=(TOPIC,), **filters)))


def event(tenant: str = "t1", division: str = "d1") -> Envelope:
    return division_created(tenant, division)


# -- what a dead letter says -----------------------------------------------------------------


def test_a_dead_letter_names_its_origin_group_reason_and_tenant() -> None:
    world = World(partitions=1)
    world.publish(b"t7:d1", b"{not json")
    world.consume()

    [letter] = world.letters()

    assert (letter.dlq_topic, letter.partition, letter.offset) == (DLQ, 0, 0)
    assert (letter.origin_topic, letter.origin) == (TOPIC, (0, 0))
    assert letter.group == GROUP
    assert letter.exception == "InvalidMessage"
    assert "not JSON" in letter.reason
    assert letter.tenant == "t7"
    assert (letter.key, letter.value) == (b"t7:d1", b"{not json")
    assert letter.headers == [("traceparent", b"00-abc")]
    assert letter.timestamp_ms == world.broker.now_ms


def test_the_tenant_comes_from_the_envelope_then_from_the_key() -> None:
    envelope = event(tenant="from-envelope").to_bytes()
    assert dlq.tenant_of(b"from-key:d1", envelope) == "from-envelope"
    assert dlq.tenant_of(b"from-key:d1", b'{"tenant_id": 5}') == "from-key"
    assert dlq.tenant_of(b"from-key:d1", None) == "from-key"
    assert dlq.tenant_of(b"no-colon", b"\xff") is None
    assert dlq.tenant_of(None, None) is None


def test_a_record_without_dlq_headers_still_reads() -> None:
    world = World(partitions=1)
    world.broker.append(DLQ, b"x", None, [])

    [letter] = world.letters()

    assert letter.origin_topic == TOPIC
    assert letter.origin is None
    assert (letter.group, letter.exception, letter.tenant) == ("", "", None)


@pytest.mark.parametrize("kind", sorted(POISON))
def test_every_poison_kind_is_dead_lettered_by_the_consumer(kind: str) -> None:
    world = World(partitions=1)
    world.publish(*POISON[kind](event()))
    world.consume()

    [letter] = world.letters()
    assert letter.exception in {"InvalidMessage", "UnknownContract"}
    assert dlq.verdict(letter.value) is not None
    assert world.handled == []


def test_a_burst_mixes_every_kind_with_the_valid_events() -> None:
    messages, events = burst("t1", poison_per_kind=3, valid=4, run="r")
    assert len(messages) == 3 * len(POISON) + 4
    valid = [value for _, value in messages if dlq.verdict(value) is None]
    assert valid == [e.to_bytes() for e in events]
    assert messages[0][1] != events[0].to_bytes()  # interleaved, not all in front


# -- filters and counts ----------------------------------------------------------------------


def fill(world: World) -> None:
    """t1: 2 invalid (not JSON, unknown version); t2: 1 invalid; two groups; two moments."""
    world.publish(b"t1:a", b"nope")
    world.publish(*POISON["unknown_version"](event("t1", "b")))
    world.consume("g-one")
    world.broker.now_ms += 60_000
    world.publish(b"t2:c", b"nope")
    world.consume("g-two")  # reads all three: dead-letters all three again


def test_filters_choose_by_group_exception_reason_tenant_and_time() -> None:
    world = World(partitions=1)
    fill(world)
    start = 1_000_000

    assert len(world.letters()) == 5
    assert len(world.letters(groups=frozenset({"g-one"}))) == 2
    assert len(world.letters(exceptions=frozenset({"UnknownContract"}))) == 2
    assert len(world.letters(reason="NOT json")) == 3
    assert len(world.letters(tenants=frozenset({"t2"}))) == 1
    assert len(world.letters(tenants=frozenset({"t1", "t2"}))) == 5
    assert len(world.letters(since_ms=start + 60_000)) == 3
    assert len(world.letters(until_ms=start + 60_000)) == 2
    assert world.letters(groups=frozenset({"g-one"}), tenants=frozenset({"t2"})) == []


def test_count_groups_by_topic_group_exception_and_tenant() -> None:
    world = World(partitions=1)
    fill(world)

    rows = dlq.count(world.letters())

    assert {(r["topic"], r["group"], r["exception"], r["tenant"], r["count"]) for r in rows} == {
        (TOPIC, "g-one", "InvalidMessage", "t1", 1),
        (TOPIC, "g-one", "UnknownContract", "t1", 1),
        (TOPIC, "g-two", "InvalidMessage", "t1", 1),
        (TOPIC, "g-two", "InvalidMessage", "t2", 1),
        (TOPIC, "g-two", "UnknownContract", "t1", 1),
    }
    assert dlq.count(world.letters(), by=("exception",)) == [
        {"exception": "InvalidMessage", "count": 3},
        {"exception": "UnknownContract", "count": 2},
    ]


# -- replay ----------------------------------------------------------------------------------


def test_replay_produces_the_original_to_its_topic_with_where_it_came_from() -> None:
    world = World(partitions=1)
    world.publish(b"t1:a", b"nope")
    world.consume()

    report = world.replay()

    assert len(report.replayed) == 1
    [original, copy] = world.broker.records(TOPIC)
    assert (copy.key, copy.value) == (original.key, original.value)
    assert copy.headers == [
        ("traceparent", b"00-abc"),
        (dlq.REPLAYED_FROM_PARTITION, b"0"),
        (dlq.REPLAYED_FROM_OFFSET, b"0"),
        (dlq.REPLAYED_ORIGIN_PARTITION, b"0"),
        (dlq.REPLAYED_ORIGIN_OFFSET, b"0"),
    ]


def test_a_second_replay_produces_nothing_again() -> None:
    world = World()
    for i in range(6):
        world.publish(f"t1:{i}".encode(), b"nope")
    world.consume()

    first = world.replay()
    second = world.replay()

    assert len(first.replayed) == 6
    assert (len(second.replayed), second.already_replayed) == (0, 6)
    assert len(world.broker.all_records(TOPIC)) == 12


def test_a_replayed_message_dead_lettered_again_can_be_replayed_again() -> None:
    world = World(partitions=1)
    world.publish(b"t1:a", b"nope")
    world.consume()
    world.replay()
    world.consume()  # the copy is still poison: a new dead letter, of a new origin

    again = world.replay()

    assert len(again.replayed) == 1
    assert again.replayed[0].origin == (0, 1)
    assert again.already_replayed == 1


def test_only_valid_replays_what_passes_the_contract_and_keeps_the_rest() -> None:
    world = World(partitions=1)
    world.publish(b"t1:a", b"nope")
    good = event("t1", "fixed")
    world.publish_event(good)
    world.consume("rejecting")  # pretend a bad build rejected the valid one as well
    world.broker.append(
        DLQ,
        good.to_bytes(),
        b"t1:fixed",
        [("dlq.original_topic", TOPIC.encode()), ("dlq.exception", b"NonRetryableError")],
    )

    report = world.replay(only_valid=True)

    assert [letter.value for letter in report.replayed] == [good.to_bytes()]
    assert report.invalid_kept == 1
    assert world.replay(only_valid=True).already_replayed == 1
    assert len(world.replay().replayed) == 1  # the invalid one is still there to replay


def test_dry_run_counts_and_samples_but_produces_nothing() -> None:
    world = World(partitions=1)
    for i in range(3):
        world.publish(f"t1:{i}".encode(), b"nope")
    world.consume()

    report = world.replay(dry_run=True)

    assert report.dry_run
    assert len(report.replayed) == 3
    assert report.summary(sample=2)["replayed"] == 3
    assert len(report.summary(sample=2)["sample"]) == 2
    assert len(world.broker.all_records(TOPIC)) == 3
    assert len(world.replay().replayed) == 3


def test_a_dead_letter_skipped_by_a_filter_stays_replayable() -> None:
    world = World(partitions=1)
    world.publish(b"t1:a", b"nope")
    world.publish(b"t2:b", b"nope")
    world.publish(b"t1:c", b"nope")
    world.consume()

    only_t2 = world.replay(tenants=frozenset({"t2"}))
    the_rest = world.replay()

    assert [letter.tenant for letter in only_t2.replayed] == ["t2"]
    assert [letter.tenant for letter in the_rest.replayed] == ["t1", "t1"]
    assert the_rest.already_replayed == 1


def test_one_message_dead_lettered_by_two_groups_is_replayed_once() -> None:
    world = World(partitions=1)
    world.publish(b"t1:a", b"nope")
    world.consume("g-one")
    world.consume("g-two")

    report = world.replay()

    assert (len(report.replayed), report.same_origin) == (1, 1)
    assert world.replay().already_replayed == 2


def test_a_replay_whose_acknowledgement_was_lost_is_not_produced_again() -> None:
    world = World(partitions=1)
    world.publish(b"t1:a", b"nope")
    world.consume()
    letter = world.letters()[0]
    # The broker wrote the copy, the tool died before it saw the acknowledgement.
    world.broker.append(TOPIC, letter.value, letter.key, dlq.replay_headers(letter))

    assert world.replay().already_replayed == 1


def test_a_replay_looks_for_earlier_replays_only_from_its_oldest_dead_letter() -> None:
    world = World(partitions=1)
    world.publish(b"t1:a", b"nope")
    world.consume()
    world.replay()
    world.broker.now_ms += 2 * dlq.CLOCK_SKEW_MARGIN_MS
    world.publish(b"t1:b", b"nope")
    world.consume()  # dead-letters the replayed copy again, and the new one
    world.log.reads.clear()

    recent = world.replay(since_ms=world.broker.now_ms)

    assert {letter.origin for letter in recent.replayed} == {(0, 1), (0, 2)}
    assert (TOPIC, {0: 2}) in world.log.reads  # not from offset 0


def test_a_failed_acknowledgement_raises() -> None:
    world = World(partitions=1)
    world.publish(b"t1:a", b"nope")
    world.consume()
    world.broker.available = False

    with pytest.raises(KafkaTimeoutError):
        world.replay()


# -- divert and the way back -----------------------------------------------------------------


def test_divert_moves_what_a_stopped_group_has_not_read_and_commits_past_it() -> None:
    world = World(partitions=1)
    world.publish(b"t1:a", b"nope")
    world.publish_event(event("t1", "ok"))
    world.consume()
    world.publish(b"t1:b", b"nope")
    world.publish_event(event("t1", "later"))

    report = dlq.divert(world.log, world.producer, TOPIC, GROUP)

    assert report.summary()["diverted"] == 2
    assert (report.valid, dict(report.invalid)) == (1, {"InvalidMessage": 1})
    assert report.ranges == {0: (2, 4)}
    assert world.broker.committed(GROUP, TopicPartition(TOPIC, 0)) == 4
    diverted = world.letters()[1:]
    assert [(d.exception, d.group, d.origin) for d in diverted] == [
        ("InvalidMessage", GROUP, (0, 2)),
        ("Diverted", GROUP, (0, 3)),
    ]
    assert diverted[1].headers == [("traceparent", b"00-abc")]


def test_divert_dry_run_reads_only() -> None:
    world = World(partitions=1)
    world.publish(b"t1:a", b"nope")
    world.consume()
    world.publish(b"t1:b", b"nope")

    report = dlq.divert(world.log, None, TOPIC, GROUP)

    assert (report.dry_run, report.summary()["diverted"]) == (True, 1)
    assert len(world.letters()) == 1
    assert world.broker.committed(GROUP, TopicPartition(TOPIC, 0)) == 1


def test_divert_refuses_a_running_group_and_an_unknown_one() -> None:
    world = World(partitions=1)
    world.publish(b"t1:a", b"nope")
    world.consume()
    world.log.members.add(GROUP)

    with pytest.raises(dlq.GroupNotIdle, match="Stable"):
        dlq.divert(world.log, world.producer, TOPIC, GROUP)
    with pytest.raises(dlq.GroupNotIdle, match="committed nothing"):
        dlq.divert(world.log, world.producer, TOPIC, "never-ran")
    assert len(world.letters()) == 1


def test_divert_commits_nothing_when_a_copy_is_not_acknowledged() -> None:
    world = World(partitions=1)
    world.publish_event(event())
    world.consume()
    world.publish(b"t1:b", b"nope")
    world.broker.available = False

    with pytest.raises(KafkaTimeoutError):
        dlq.divert(world.log, world.producer, TOPIC, GROUP)
    assert world.broker.committed(GROUP, TopicPartition(TOPIC, 0)) == 1


def test_the_way_back_from_a_poison_burst_handles_every_valid_event_once() -> None:
    """The runbook (docs/operations.md, ConsumerStopped) on the in-memory broker."""
    world = World()
    messages, events = burst("t1", poison_per_kind=30, valid=30)
    for key, value in messages:
        world.publish(key, value)

    with pytest.raises(DlqLimitExceeded):
        world.consume(limit=DlqLimit())
    stopped_at = len(world.letters())
    assert 0 < stopped_at < 30
    with pytest.raises(DlqLimitExceeded):  # a plain restart stops again
        world.consume(limit=DlqLimit())

    handled_in_place = len(world.handled)

    dlq.divert(world.log, world.producer, TOPIC, GROUP)
    world.consume(limit=DlqLimit())  # the restarted worker: nothing left of the burst
    dry = world.replay(dry_run=True, only_valid=True)
    done = world.replay(only_valid=True)
    world.consume(limit=DlqLimit())

    assert len(done.replayed) == len(dry.replayed) == len(events) - handled_in_place
    assert sorted(world.handled) == sorted(e.event_id for e in events)
    assert len(world.handled) == len(events)  # none twice
    poison = [d for d in world.letters() if d.exception != "Diverted"]
    assert len({d.origin for d in poison}) == 300
    assert world.replay(only_valid=True).replayed == []


# -- command line ----------------------------------------------------------------------------

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def cli(world: World, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = dlq.run(
        [*argv, "--bootstrap", "memory"],
        connect=lambda _: world.log,
        make=lambda _: InMemoryProducer(world.broker),
        out=out,
        err=err,
        now=NOW,
    )
    return code, out.getvalue(), err.getvalue()


def test_since_takes_an_iso_time_with_an_offset_or_a_duration_ago() -> None:
    assert dlq.parse_when("2026-11-27T10:00:00Z", NOW) == int(
        datetime(2026, 11, 27, 10, tzinfo=UTC).timestamp() * 1000
    )
    assert dlq.parse_when("2h", NOW) == dlq.parse_when("2026-11-27T18:00:00+08:00", NOW)
    assert dlq.parse_when("90s", NOW) == int(NOW.timestamp() * 1000) - 90_000


@pytest.mark.parametrize("bad", ["2026-11-27T10:00:00", "yesterday", "5w"])
def test_since_refuses_naive_times_and_unknown_words(bad: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli(World(), "count", "--since", bad)
    assert exit_.value.code == 2


def test_cli_count_list_replay_and_divert_print_json() -> None:
    world = World(partitions=1)
    world.publish(b"t1:a", b"nope")
    world.consume()
    world.publish_event(event("t1", "after"))

    code, out, _ = cli(world, "count", "--topic", TOPIC, "--json", "--by", "tenant")
    assert (code, json.loads(out)) == (0, {"total": 1, "groups": [{"tenant": "t1", "count": 1}]})
    code, out, _ = cli(world, "list", "--topic", DLQ, "--json")
    assert json.loads(out)["items"][0]["origin_offset"] == 0
    code, out, _ = cli(world, "divert", "--topic", TOPIC, "--group", GROUP, "--json")
    assert json.loads(out)["diverted"] == 1
    code, out, _ = cli(world, "replay", "--topic", TOPIC, "--only-valid", "--dry-run", "--json")
    assert json.loads(out) | {"sample": []} == {
        "dry_run": True,
        "matched": 2,
        "already_replayed": 0,
        "same_origin": 0,
        "invalid_kept": 1,
        "replayed": 1,
        "sample": [],
    }
    code, out, _ = cli(world, "replay", "--topic", TOPIC, "--only-valid")
    assert (code, out.splitlines()[1]) == (0, "replayed 1")


def test_cli_text_output_and_errors() -> None:
    world = World(partitions=1)
    world.publish(b"t1:a", b"nope")
    world.consume()

    code, out, _ = cli(world, "replay", "--topic", TOPIC, "--dry-run")
    assert code == 0
    assert "would replay 1 (dry run: nothing produced)" in out
    assert f"{DLQ}[0]@0" in out
    world.publish(b"t1:b", b"nope")
    code, out, _ = cli(world, "divert", "--topic", TOPIC, "--group", GROUP, "--dry-run")
    assert out.splitlines() == [
        f"would divert 1 message(s) of {TOPIC} past group {GROUP}: 0 valid, 1 InvalidMessage",
        "  partition 0: offsets 1..1",
    ]
    world.log.members.add(GROUP)
    code, _, err = cli(world, "divert", "--topic", TOPIC, "--group", GROUP)
    assert code == 1
    assert "GroupNotIdle" in err


def test_a_replayed_event_already_handled_reaches_the_handler_again() -> None:
    world = World(partitions=1)
    good = event()
    world.publish_event(good)
    world.consume()
    world.broker.append(DLQ, good.to_bytes(), b"t1:d1", [("dlq.original_topic", TOPIC.encode())])

    world.replay(only_valid=True)
    world.consume()

    # Delivered twice: handlers are idempotent by event id (scoring's ledger records it once).
    assert world.handled == [good.event_id, good.event_id]
