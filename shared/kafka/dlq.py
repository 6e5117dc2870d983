"""Dead-letter queues: see what is in them, move a stopped consumer past a burst, replay them.

The way back after a consumer stopped at its DLQ limit (docs/operations.md, ConsumerStopped)::

    python -m shared.kafka.dlq count  [filters]               # how many, grouped
    python -m shared.kafka.dlq list   [filters] [--limit N]   # one line per dead letter
    python -m shared.kafka.dlq divert --topic T --group G [--dry-run]
    python -m shared.kafka.dlq replay [filters] [--only-valid] [--dry-run] [--sample N]

Kafka comes from ``--bootstrap`` or ``$GRIDGOV_KAFKA_BOOTSTRAP``; ``--json`` prints one JSON
object instead of text. Filters: ``--topic`` (the origin topic; default every topic of
`Topic`), ``--group`` (the consumer group that dead-lettered it), ``--exception`` (its class
name), ``--reason`` (a substring of its text), ``--since``/``--until`` (when it was
dead-lettered: ISO 8601 with an offset, or ``90s``/``15m``/``2h``/``7d`` ago) and ``--tenant``
(the envelope's ``tenant_id`` when the value still has one, else the key's ``tenant:`` prefix).
Repeated filters of one kind widen the choice; different kinds narrow it.

* ``replay`` produces each selected dead letter to its origin topic with its original key,
  value and headers, without the ``dlq.*`` headers and with ``dlq.replayed_from_partition`` /
  ``dlq.replayed_from_offset`` (the dead letter) and ``dlq.replayed_origin_partition`` /
  ``dlq.replayed_origin_offset`` (the message it copies). ``--only-valid`` replays only what now
  parses as an envelope and passes its contract, the consumer's own check; the rest stays.
  ``--dry-run`` prints the count and a sample and produces nothing.
* ``divert`` is for a consumer group stopped at its DLQ limit with the rest of a burst still
  ahead of it: it copies every message the group has not consumed into the DLQ (the invalid ones
  with the consumer's verdict, the valid ones as ``Diverted``), and once all copies are
  acknowledged commits the group past them. The group must have no members: it refuses a
  running consumer. ``replay --only-valid`` then brings the valid ones back.

Nothing here commits DLQ offsets. Each run reads the DLQ partitions from the start (or from
``--since``), so a dead letter a filter skipped stays replayable by a later run. What was
replayed is recorded by the replayed message itself: before producing, a run reads the origin
topic from shortly before the oldest selected dead letter and skips every dead letter (and
every origin message) already replayed there. A replay the broker wrote is therefore not
produced again, even if the tool died before seeing the acknowledgement; the same message
dead-lettered by two consumer groups is replayed once (every group reads the origin topic).
Two replay runs at the same moment could both produce a message: the consumers' idempotency
by event id absorbs that.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TextIO

from kafka import KafkaConsumer
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError, KafkaTimeoutError
from kafka.structs import TopicPartition

from shared.events.contracts import validate_envelope
from shared.events.envelope import Envelope, InvalidMessage
from shared.events.topics import DLQ_SUFFIX, Topic, dlq_name
from shared.kafka.admin import add_bootstrap_argument, configure_cli_logging
from shared.kafka.clients import Headers, Producer, Record, offset_to_commit
from shared.kafka.consumer import dead_letter_headers
from shared.kafka.producer import make_producer

HEADER_PREFIX = "dlq."
REPLAYED_FROM_PARTITION = "dlq.replayed_from_partition"
REPLAYED_FROM_OFFSET = "dlq.replayed_from_offset"
REPLAYED_ORIGIN_PARTITION = "dlq.replayed_origin_partition"
REPLAYED_ORIGIN_OFFSET = "dlq.replayed_origin_offset"
# Replays are looked for on the origin topic from this long before the oldest selected dead
# letter: record timestamps come from the producing hosts' clocks, which may disagree a little.
CLOCK_SKEW_MARGIN_MS = 15 * 60 * 1000
# Group states in which nobody consumes, so a commit by this tool cannot race a consumer.
IDLE_GROUP_STATES = frozenset({"Empty", "Dead"})
COUNT_FIELDS = ("topic", "group", "exception", "tenant")


class Diverted(Exception):
    """A valid message an operator moved past a stopped consumer group (`divert`)."""


class GroupNotIdle(RuntimeError):
    """`divert` refuses a consumer group that has members, or that never committed."""


class TimedRecord(Record, Protocol):
    """A consumed record with its timestamp (kafka-python's `ConsumerRecord` satisfies it)."""

    @property
    def timestamp(self) -> int: ...


class TopicLog(Protocol):
    """What the commands read and commit (`KafkaLog`; unit tests adapt the in-memory broker).

    Offsets are per partition: ``{partition: offset}``."""

    def topics(self) -> set[str]: ...

    def end_offsets(self, topic: str) -> dict[int, int]: ...

    def offsets_for_time(self, topic: str, timestamp_ms: int) -> dict[int, int]:
        """The first offset at or after ``timestamp_ms`` (the end offset where none is)."""
        ...

    def read(
        self, topic: str, start: Mapping[int, int], end: Mapping[int, int]
    ) -> Iterator[TimedRecord]:
        """The records in ``[start, end)`` of each partition, in order within a partition."""
        ...

    def group_state(self, group: str) -> str: ...

    def committed(self, group: str, topic: str) -> dict[int, int]: ...

    def commit(self, group: str, topic: str, offsets: Mapping[int, int]) -> None: ...


# -- what a dead letter says -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One record of a `<topic>.dlq`, with the origin its `dlq.*` headers name."""

    dlq_topic: str
    partition: int
    offset: int
    timestamp_ms: int
    origin_topic: str
    origin_partition: int  # -1: the record carries no origin headers
    origin_offset: int
    group: str
    exception: str
    reason: str
    tenant: str | None
    key: bytes | None
    value: bytes | None
    headers: Headers = field(default_factory=list)  # the original ones: no `dlq.*`

    @classmethod
    def from_record(cls, record: TimedRecord) -> DeadLetter:
        named = _last_headers(record.headers)
        origin_topic = _text(named.get("dlq.original_topic")) or _origin_of(record.topic)
        return cls(
            dlq_topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            timestamp_ms=record.timestamp,
            origin_topic=origin_topic,
            origin_partition=_int(named.get("dlq.original_partition")),
            origin_offset=_int(named.get("dlq.original_offset")),
            group=_text(named.get("dlq.consumer_group")),
            exception=_text(named.get("dlq.exception")),
            reason=_text(named.get("dlq.reason")),
            tenant=tenant_of(record.key, record.value),
            key=record.key,
            value=record.value,
            headers=[(k, v) for k, v in record.headers or () if not k.startswith(HEADER_PREFIX)],
        )

    @property
    def origin(self) -> tuple[int, int] | None:
        """(partition, offset) of the message it copies, when the headers name it."""
        if self.origin_partition < 0 or self.origin_offset < 0:
            return None
        return (self.origin_partition, self.origin_offset)

    def describe(self) -> dict[str, Any]:
        """A JSON-ready summary (the value is only measured, never printed)."""
        return {
            "dlq_partition": self.partition,
            "dlq_offset": self.offset,
            "dead_lettered_at": _iso(self.timestamp_ms),
            "origin_topic": self.origin_topic,
            "origin_partition": self.origin_partition,
            "origin_offset": self.origin_offset,
            "group": self.group,
            "exception": self.exception,
            "reason": self.reason,
            "tenant": self.tenant,
            "key": None if self.key is None else self.key.decode("utf-8", "replace"),
            "value_bytes": None if self.value is None else len(self.value),
        }


def tenant_of(key: bytes | None, value: bytes | None) -> str | None:
    """The envelope's ``tenant_id`` if the value still carries one, else the key's prefix
    (keys are ``tenant_id:aggregate_id``), else None."""
    try:
        data = json.loads(value) if value is not None else None
    except (UnicodeDecodeError, ValueError):
        data = None
    if isinstance(data, dict):
        tenant = data.get("tenant_id")
        if isinstance(tenant, str) and tenant:
            return tenant
    if key:
        prefix, colon, _ = key.decode("utf-8", "replace").partition(":")
        if colon and prefix:
            return prefix
    return None


def verdict(value: bytes | None) -> InvalidMessage | None:
    """What the consumer runner would say of ``value``: the problem, or None when valid."""
    try:
        validate_envelope(Envelope.parse(value))
    except InvalidMessage as exc:
        return exc
    return None


def _last_headers(headers: Iterable[tuple[str, bytes]] | None) -> dict[str, bytes]:
    # The consumer appends its dlq.* headers after the message's own: the last one wins.
    return dict(headers or ())


def _text(value: bytes | None) -> str:
    return "" if value is None else value.decode("utf-8", "replace")


def _int(value: bytes | None) -> int:
    try:
        return int(_text(value))
    except ValueError:
        return -1


def _origin_of(dlq_topic: str) -> str:
    return dlq_topic.removesuffix(DLQ_SUFFIX)


def _iso(timestamp_ms: int) -> str:
    return datetime.fromtimestamp(timestamp_ms / 1000, UTC).isoformat(timespec="milliseconds")


# -- choosing dead letters -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Selection:
    """The filters of one run (empty means "any"); `topics` says which DLQs are read."""

    topics: tuple[str, ...] = tuple(Topic)
    groups: frozenset[str] = frozenset()
    exceptions: frozenset[str] = frozenset()
    reason: str | None = None
    tenants: frozenset[str] = frozenset()
    since_ms: int | None = None
    until_ms: int | None = None

    def matches(self, letter: DeadLetter) -> bool:
        return (
            (not self.groups or letter.group in self.groups)
            and (not self.exceptions or letter.exception in self.exceptions)
            and (self.reason is None or self.reason.lower() in letter.reason.lower())
            and (not self.tenants or letter.tenant in self.tenants)
            and (self.since_ms is None or letter.timestamp_ms >= self.since_ms)
            and (self.until_ms is None or letter.timestamp_ms < self.until_ms)
        )


def dead_letters(log: TopicLog, selection: Selection) -> Iterator[DeadLetter]:
    """The dead letters of every selected topic's DLQ that pass the filters, oldest first per
    partition. Reads from `since` (or the start) to the end offsets of the moment."""
    present = log.topics()
    for topic in selection.topics:
        dlq = dlq_name(topic)
        if dlq not in present:
            continue
        start = log.offsets_for_time(dlq, selection.since_ms or 0)
        for record in log.read(dlq, start, log.end_offsets(dlq)):
            letter = DeadLetter.from_record(record)
            if selection.matches(letter):
                yield letter


def count(letters: Iterable[DeadLetter], by: Sequence[str] = COUNT_FIELDS) -> list[dict[str, Any]]:
    """``[{<field>: value, ..., "count": n}]`` per distinct combination, largest first."""
    tally = Counter(
        tuple(getattr(letter, "origin_topic" if name == "topic" else name) for name in by)
        for letter in letters
    )
    return [
        {**dict(zip(by, values, strict=True)), "count": n}
        for values, n in sorted(tally.items(), key=lambda item: (-item[1], str(item[0])))
    ]


# -- replay ----------------------------------------------------------------------------------


@dataclass
class ReplayReport:
    """What one replay run found and did (`replayed` lists what a dry run would produce)."""

    dry_run: bool
    matched: int = 0
    already_replayed: int = 0
    same_origin: int = 0  # another group's dead letter of a message replayed in this run
    invalid_kept: int = 0
    replayed: list[DeadLetter] = field(default_factory=list)

    def summary(self, sample: int) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "matched": self.matched,
            "already_replayed": self.already_replayed,
            "same_origin": self.same_origin,
            "invalid_kept": self.invalid_kept,
            "replayed": len(self.replayed),
            "sample": [letter.describe() for letter in self.replayed[:sample]],
        }


@dataclass
class _Replayed:
    dead_letters: set[tuple[int, int]] = field(default_factory=set)
    origins: set[tuple[int, int]] = field(default_factory=set)

    def holds(self, letter: DeadLetter) -> bool:
        return (letter.partition, letter.offset) in self.dead_letters or (
            letter.origin is not None and letter.origin in self.origins
        )

    def add(self, letter: DeadLetter) -> None:
        self.dead_letters.add((letter.partition, letter.offset))
        if letter.origin is not None:
            self.origins.add(letter.origin)


def replayed_on(log: TopicLog, topic: str, since_ms: int) -> _Replayed:
    """What replays of ``topic``'s dead letters ``topic`` already holds, from ``since_ms`` on."""
    found = _Replayed()
    start = log.offsets_for_time(topic, max(since_ms - CLOCK_SKEW_MARGIN_MS, 0))
    for record in log.read(topic, start, log.end_offsets(topic)):
        named = _last_headers(record.headers)
        if REPLAYED_FROM_OFFSET in named:
            found.dead_letters.add(
                (_int(named.get(REPLAYED_FROM_PARTITION)), _int(named[REPLAYED_FROM_OFFSET]))
            )
        if REPLAYED_ORIGIN_OFFSET in named:
            found.origins.add(
                (_int(named.get(REPLAYED_ORIGIN_PARTITION)), _int(named[REPLAYED_ORIGIN_OFFSET]))
            )
    return found


def replay_headers(letter: DeadLetter) -> Headers:
    """The original headers plus where the replay comes from (see the module docstring)."""
    origin_partition, origin_offset = letter.origin or (-1, -1)
    return [
        *letter.headers,
        (REPLAYED_FROM_PARTITION, str(letter.partition).encode()),
        (REPLAYED_FROM_OFFSET, str(letter.offset).encode()),
        (REPLAYED_ORIGIN_PARTITION, str(origin_partition).encode()),
        (REPLAYED_ORIGIN_OFFSET, str(origin_offset).encode()),
    ]


def replay(
    log: TopicLog,
    producer: Producer | None,
    selection: Selection,
    *,
    only_valid: bool = False,
    ack_timeout_s: float = 30.0,
) -> ReplayReport:
    """Produce the selected dead letters to their origin topics (nothing when ``producer`` is
    None: a dry run). Returns once every produced record is acknowledged; raises `KafkaError`
    if one is not (those acknowledged are recorded and skipped by the next run)."""
    report = ReplayReport(dry_run=producer is None)
    by_origin: dict[str, list[DeadLetter]] = {}
    for letter in dead_letters(log, selection):
        report.matched += 1
        by_origin.setdefault(letter.origin_topic, []).append(letter)
    for topic, letters in by_origin.items():
        before = replayed_on(log, topic, min(letter.timestamp_ms for letter in letters))
        chosen = _Replayed()
        for letter in letters:
            if before.holds(letter):
                report.already_replayed += 1
            elif only_valid and verdict(letter.value) is not None:
                report.invalid_kept += 1
            elif chosen.holds(letter):
                report.same_origin += 1
            else:
                chosen.add(letter)
                report.replayed.append(letter)
    if producer is not None:
        futures = [
            producer.send(
                letter.origin_topic,
                value=letter.value,
                key=letter.key,
                headers=replay_headers(letter),
            )
            for letter in report.replayed
        ]
        producer.flush(timeout=ack_timeout_s)
        for future in futures:
            future.get(timeout=ack_timeout_s)
    return report


# -- divert ----------------------------------------------------------------------------------


@dataclass
class DivertReport:
    """The ranges a divert moved (or, in a dry run, would move) into the DLQ."""

    topic: str
    group: str
    dry_run: bool
    ranges: dict[int, tuple[int, int]]  # partition -> [from, to)
    invalid: Counter[str] = field(default_factory=Counter)  # by exception name
    valid: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "group": self.group,
            "dry_run": self.dry_run,
            "diverted": self.valid + sum(self.invalid.values()),
            "valid": self.valid,
            "invalid": dict(self.invalid),
            "ranges": {str(p): list(span) for p, span in sorted(self.ranges.items())},
        }


def divert(
    log: TopicLog,
    producer: Producer | None,
    topic: str,
    group: str,
    *,
    ack_timeout_s: float = 30.0,
) -> DivertReport:
    """Copy what ``group`` has not consumed of ``topic`` into its DLQ, then commit the group at
    the end offsets read at the start (later messages stay for the consumer). A dry run
    (``producer`` None) only reads. Raises `GroupNotIdle` for a group with members or without
    any commit on ``topic``; `KafkaError` if a copy is not acknowledged (nothing committed)."""
    state = log.group_state(group)
    if state not in IDLE_GROUP_STATES:
        raise GroupNotIdle(
            f"consumer group {group} is {state}: divert moves only a stopped group "
            "(one stopped at its DLQ limit, or whose workers are shut down)"
        )
    committed = log.committed(group, topic)
    if not committed:
        raise GroupNotIdle(f"consumer group {group} has committed nothing on {topic}")
    end = log.end_offsets(topic)
    first = log.offsets_for_time(topic, 0)
    start = {p: committed.get(p, first[p]) for p in end}
    report = DivertReport(
        topic=topic,
        group=group,
        dry_run=producer is None,
        ranges={p: (start[p], end[p]) for p in end if start[p] < end[p]},
    )
    futures = []
    for record in log.read(topic, start, end):
        problem = verdict(record.value)
        if problem is None:
            report.valid += 1
        else:
            report.invalid[type(problem).__name__] += 1
        if producer is not None:
            why = problem or Diverted(f"valid message moved past stopped group {group}")
            futures.append(
                producer.send(
                    dlq_name(topic),
                    value=record.value,
                    key=record.key,
                    headers=dead_letter_headers(record, group, why),
                )
            )
    if producer is not None:
        producer.flush(timeout=ack_timeout_s)
        for future in futures:
            future.get(timeout=ack_timeout_s)
        if report.ranges:
            log.commit(group, topic, {p: end[p] for p in report.ranges})
    return report


# -- Kafka -----------------------------------------------------------------------------------


class KafkaLog:
    """`TopicLog` on a real cluster: an unsubscribed consumer (no group, commits nothing) for
    reading, an admin client for group state, offsets and the divert's commit."""

    def __init__(self, bootstrap: str, *, timeout_s: float = 30.0) -> None:
        timeout_ms = int(timeout_s * 1000)
        self._timeout_s = timeout_s
        self._consumer: Any = KafkaConsumer(
            bootstrap_servers=bootstrap,
            client_id="gridgov-dlq",
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            bootstrap_timeout_ms=timeout_ms,
            request_timeout_ms=timeout_ms + 5000,
        )
        self._admin: Any = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="gridgov-dlq-admin",
            bootstrap_timeout_ms=timeout_ms,
            request_timeout_ms=timeout_ms,
        )

    def close(self) -> None:
        try:
            self._consumer.close(autocommit=False)
        finally:
            self._admin.close()

    def topics(self) -> set[str]:
        return set(self._consumer.topics())

    def _partitions(self, topic: str) -> list[TopicPartition]:
        found = self._consumer.partitions_for_topic(topic) or ()
        return [TopicPartition(topic, partition) for partition in sorted(found)]

    def end_offsets(self, topic: str) -> dict[int, int]:
        ends = self._consumer.end_offsets(self._partitions(topic))
        return {tp.partition: int(offset) for tp, offset in ends.items()}

    def offsets_for_time(self, topic: str, timestamp_ms: int) -> dict[int, int]:
        partitions = self._partitions(topic)
        if timestamp_ms <= 0:
            firsts = self._consumer.beginning_offsets(partitions)
            return {tp.partition: int(offset) for tp, offset in firsts.items()}
        found = self._consumer.offsets_for_times(dict.fromkeys(partitions, timestamp_ms))
        ends = self.end_offsets(topic)
        return {
            tp.partition: ends[tp.partition] if hit is None else int(hit.offset)
            for tp, hit in found.items()
        }

    def read(
        self, topic: str, start: Mapping[int, int], end: Mapping[int, int]
    ) -> Iterator[TimedRecord]:
        wanted = [TopicPartition(topic, p) for p in sorted(start) if start[p] < end.get(p, 0)]
        if not wanted:
            return
        consumer = self._consumer
        consumer.assign(wanted)
        for tp in wanted:
            consumer.seek(tp, start[tp.partition])
        remaining = set(wanted)
        deadline = time.monotonic() + self._timeout_s
        try:
            while remaining:
                batch = consumer.poll(timeout_ms=500, max_records=500)
                for tp, records in batch.items():
                    for record in records:
                        if record.offset < end[tp.partition]:
                            yield record
                for tp in list(remaining):
                    if consumer.position(tp) >= end[tp.partition]:
                        remaining.discard(tp)
                        consumer.pause(tp)
                if batch:
                    deadline = time.monotonic() + self._timeout_s
                elif remaining and time.monotonic() > deadline:
                    raise KafkaTimeoutError(
                        f"no records from {sorted(tp.partition for tp in remaining)} of {topic} "
                        f"for {self._timeout_s:g} s"
                    )
        finally:
            consumer.assign([])

    def group_state(self, group: str) -> str:
        described = self._admin.describe_groups([group])[group]
        return str(described.get("group_state") or "Dead")

    def committed(self, group: str, topic: str) -> dict[int, int]:
        offsets = self._admin.list_group_offsets({group: None}).get(group, {})
        return {
            tp.partition: int(meta.offset)
            for tp, meta in offsets.items()
            if tp.topic == topic and meta.offset >= 0
        }

    def commit(self, group: str, topic: str, offsets: Mapping[int, int]) -> None:
        result = self._admin.alter_group_offsets(
            group,
            {TopicPartition(topic, p): offset_to_commit(offset) for p, offset in offsets.items()},
        )
        failed = {tp.partition: error for tp, error in result.items() if error.errno != 0}
        if failed:
            raise KafkaError(f"committing {group} on {topic} failed for {failed}")


# -- command line ----------------------------------------------------------------------------

_AGO = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_when(text: str, now: datetime) -> int:
    """``2026-11-27T10:00:00+08:00`` (an offset or ``Z`` is required) or ``15m``/``2h``/``7d``
    ago -> epoch milliseconds."""
    ago = _AGO.match(text.strip())
    if ago:
        when = now - timedelta(**{_UNITS[ago.group(2)]: int(ago.group(1))})
    else:
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r}: not ISO 8601 nor a duration like 15m, 2h, 7d"
            ) from None
        if when.tzinfo is None:
            raise argparse.ArgumentTypeError(f"{text!r}: add a UTC offset (Z, +08:00)")
    return int(when.timestamp() * 1000)


def _parser(now: datetime) -> argparse.ArgumentParser:
    def when(text: str) -> int:
        return parse_when(text, now)

    common = argparse.ArgumentParser(add_help=False)
    add_bootstrap_argument(common)
    common.add_argument("--json", action="store_true", help="print one JSON object")
    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--topic", action="append", metavar="TOPIC", help="origin topic")
    filters.add_argument("--group", action="append", metavar="GROUP", help="consumer group")
    filters.add_argument("--exception", action="append", metavar="NAME", help="exception class")
    filters.add_argument("--reason", metavar="TEXT", help="substring of the reason")
    filters.add_argument("--tenant", action="append", metavar="TENANT")
    filters.add_argument("--since", type=when, metavar="WHEN", help="dead-lettered at or after")
    filters.add_argument("--until", type=when, metavar="WHEN", help="dead-lettered before")

    parser = argparse.ArgumentParser(
        prog="python -m shared.kafka.dlq",
        description="Count, list, divert into and replay from the dead-letter queues.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    counting = commands.add_parser("count", parents=[common, filters], help="counts, grouped")
    counting.add_argument(
        "--by",
        default=",".join(COUNT_FIELDS),
        type=_fields,
        help=f"comma-separated fields among {','.join(COUNT_FIELDS)} (default: all)",
    )
    listing = commands.add_parser("list", parents=[common, filters], help="one line each")
    listing.add_argument("--limit", type=int, default=50, metavar="N")
    replaying = commands.add_parser("replay", parents=[common, filters], help="back to origin")
    replaying.add_argument("--only-valid", action="store_true", help="valid envelopes only")
    replaying.add_argument("--dry-run", action="store_true", help="count and sample only")
    replaying.add_argument("--sample", type=int, default=5, metavar="N")
    diverting = commands.add_parser("divert", parents=[common], help="skip a stopped group")
    diverting.add_argument("--topic", required=True, help="the topic the group is stuck on")
    diverting.add_argument("--group", required=True, help="the stopped consumer group")
    diverting.add_argument("--dry-run", action="store_true", help="show the ranges only")
    return parser


def _fields(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = sorted(set(names) - set(COUNT_FIELDS))
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"fields must be among {', '.join(COUNT_FIELDS)}")
    return names


def _selection(args: argparse.Namespace) -> Selection:
    topics = tuple(_origin_of(t) for t in args.topic) if args.topic else tuple(Topic)
    return Selection(
        topics=topics,
        groups=frozenset(args.group or ()),
        exceptions=frozenset(args.exception or ()),
        reason=args.reason,
        tenants=frozenset(args.tenant or ()),
        since_ms=args.since,
        until_ms=args.until,
    )


def _line(letter: DeadLetter) -> str:
    reason = letter.reason if len(letter.reason) <= 80 else letter.reason[:77] + "..."
    return (
        f"{letter.dlq_topic}[{letter.partition}]@{letter.offset} "
        f"{_iso(letter.timestamp_ms)} from [{letter.origin_partition}]@{letter.origin_offset} "
        f"group={letter.group or '-'} tenant={letter.tenant or '-'} "
        f"{letter.exception or '-'}: {reason}"
    )


def _execute(
    args: argparse.Namespace, log: TopicLog, producer: Callable[[], Producer], out: TextIO
) -> int:
    def emit(data: dict[str, Any], text: list[str]) -> None:
        out.write((json.dumps(data, ensure_ascii=False) if args.json else "\n".join(text)) + "\n")

    if args.command == "divert":
        report = divert(log, None if args.dry_run else producer(), args.topic, args.group)
        data = report.summary()
        verb = "would divert" if args.dry_run else "diverted"
        emit(
            data,
            [
                f"{verb} {data['diverted']} message(s) of {args.topic} past group {args.group}: "
                f"{data['valid']} valid"
                + "".join(f", {n} {name}" for name, n in sorted(report.invalid.items())),
                *(f"  partition {p}: offsets {a}..{b - 1}" for p, (a, b) in report.ranges.items()),
            ],
        )
        return 0
    selection = _selection(args)
    if args.command == "count":
        rows = count(dead_letters(log, selection), args.by)
        total = sum(row["count"] for row in rows)
        emit(
            {"total": total, "groups": rows},
            [
                f"{total} dead letter(s)",
                *(
                    f"{row['count']:>7}  " + "  ".join(f"{k}={row[k] or '-'}" for k in args.by)
                    for row in rows
                ),
            ],
        )
    elif args.command == "list":
        letters = list(dead_letters(log, selection))
        shown = letters[: args.limit]
        emit(
            {"total": len(letters), "items": [letter.describe() for letter in shown]},
            [
                *(_line(letter) for letter in shown),
                f"{len(letters)} dead letter(s)"
                + (f", first {len(shown)} shown" if len(shown) < len(letters) else ""),
            ],
        )
    else:
        result = replay(
            log, None if args.dry_run else producer(), selection, only_valid=args.only_valid
        )
        data = result.summary(args.sample)
        verb = "would replay" if args.dry_run else "replayed"
        emit(
            data,
            [
                f"{data['matched']} dead letter(s) match: {data['already_replayed']} replayed "
                f"before, {data['same_origin']} of a message already chosen, "
                f"{data['invalid_kept']} still invalid (kept)",
                f"{verb} {data['replayed']}" + (" (dry run: nothing produced)" * args.dry_run),
                *(_line(letter) for letter in result.replayed[: args.sample]),
            ],
        )
    return 0


def run(
    argv: Sequence[str] | None = None,
    *,
    connect: Callable[[str], TopicLog] | None = None,
    make: Callable[[str], Producer] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    now: datetime | None = None,
) -> int:
    """The command line over ``connect(bootstrap)`` and ``make(bootstrap)`` (the producer);
    returns the exit code: 0 done, 1 Kafka failed or the group is not idle, 2 bad arguments."""
    out, err = out or sys.stdout, err or sys.stderr
    args = _parser(now or datetime.now(UTC)).parse_args(argv)
    producers: list[Producer] = []

    def producer() -> Producer:
        built = (make or _make_producer)(args.bootstrap)
        producers.append(built)
        return built

    log: TopicLog | None = None
    try:
        log = (connect or KafkaLog)(args.bootstrap)
        return _execute(args, log, producer, out)
    except (KafkaError, GroupNotIdle, OSError) as exc:
        err.write(f"dlq {args.command}: {type(exc).__name__}: {exc}\n")
        return 1
    finally:
        for built in producers:
            built.close(timeout=10)
        close = getattr(log, "close", None)
        if close is not None:
            close()


def _make_producer(bootstrap: str) -> Producer:
    built: Producer = make_producer(bootstrap, client_id="gridgov-dlq-replay")
    return built


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m shared.kafka.dlq``: JSON logs on stderr, then `run`."""
    configure_cli_logging("kafka-dlq")
    return run(argv)


if __name__ == "__main__":
    raise SystemExit(main())
