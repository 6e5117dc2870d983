"""`ConsumerRunner`: the one poll loop every service worker uses (arroyo's ideas, kafka-python).

A service declares a table of `Route(topic, handler)` and `BatchRoute(topic, handler)` rows; the
runner does the rest, per message:

1. parse the envelope and validate its payload against its contract; `InvalidMessage` is
   poison -> dead-letter queue;
2. call the handler with that envelope, its payload as the contract loaded it (with
   `event_id` and `tenant_id` bound in the logging context);
   - success -> the offset becomes committable;
   - `NonRetryableError` (or a route's declared `non_retryable` exception) -> DLQ;
   - `MessageRejected` (backpressure) -> pause the partition, redeliver later;
   - anything else is transient: retried with exponential backoff up to `max_attempts`, then
     the partition is paused for `pause_s` and the message redelivered (never dropped);
3. commit offsets AFTER the effect (throttled to `commit_interval_s`; at-least-once: what was
   handled but not yet committed when the process dies is handled again, never lost).

Dead-lettering produces the original key and value to `<topic>.dlq` with origin headers
(`dlq.original_topic`, `dlq.original_partition`, `dlq.original_offset`, `dlq.original_key`,
`dlq.consumer_group`, `dlq.reason`, `dlq.exception`) and commits only once the DLQ write is
acknowledged. `DlqLimit` stops the runner (`DlqLimitExceeded`) before it rejects nearly
everything, e.g. after a bad deploy: the offending message is neither dead-lettered nor
committed, so a fixed build picks it up again.

Batch rule (`BatchRoute`): the records one poll returns for the topic are parsed and validated one
by one as above (poison dead-lettered individually), and the valid ones handed to the handler as
`Delivery` rows, in offset order per partition, at most `max_batch` per call and, when the route
weighs its deliveries, at most `max_weight` (several partitions may share a call). The handler
returns the deliveries it found poison (`Rejected`: dead-lettered individually, counted by the DLQ
limit); all others are done and committable once it returns. A raising handler is transient for the
whole chunk: retried as above, then each of its partitions paused and rewound to its first
unhandled record (`MessageRejected`: paused for backpressure). Poison of a chunk is dead-lettered
only after the chunk's call succeeded, so the DLQ limit sees every record's outcome in offset
order, as for single messages. A stop request is honoured between chunks.

Handler rule: handlers are plain callables `handle(envelope) -> None`, trust the payload (it
passed its contract here, once) and MUST be idempotent; batch handlers likewise per delivery
(a retried or redelivered chunk repeats deliveries whose effects are already stored).
The same message can be delivered twice (redelivery after a crash before commit, relay
republishing after a crash before `$pullAll`). Key every effect on `envelope.event_id`: record
the id in the same single-document write as the effect (e.g. `$addToSet` of the id with a
filter `{"applied_events": {"$ne": event_id}}`, or a unique index on `(tenant_id, event_id)` for
ledger rows) and treat "already applied" as success.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum, auto
from types import FrameType
from typing import Any

from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata, TopicPartition
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_not_exception_type,
    wait_exponential,
)

from shared.events.contracts import validate_envelope
from shared.events.envelope import Envelope, InvalidMessage
from shared.events.topics import dlq_name
from shared.kafka import metrics
from shared.kafka.clients import Consumer, Headers, Producer, Record, offset_to_commit
from shared.logs import log_context

log = logging.getLogger(__name__)

Handler = Callable[[Envelope], None]
MAX_REASON_BYTES = 1024


class NonRetryableError(Exception):
    """Raise from a handler when this message can never succeed: it goes to the DLQ."""


class MessageRejected(Exception):
    """Raise from a handler when it cannot take the message now: the partition is paused and
    the message redelivered after `backpressure_pause_s`. Not a failure, not retried in place."""


class DlqLimitExceeded(RuntimeError):
    """The consumer rejected too many messages; it stops instead of flooding the DLQ."""


@dataclass(frozen=True, slots=True)
class Route:
    """One row of a service's consumer table: `topic` is handled by `handler`."""

    topic: str
    handler: Handler
    non_retryable: tuple[type[Exception], ...] = ()


@dataclass(frozen=True, slots=True)
class Delivery:
    """One consumed message: its validated envelope and where it sits in Kafka."""

    envelope: Envelope
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class Rejected:
    """A delivery the batch handler found poison: dead-lettered with `reason`."""

    delivery: Delivery
    reason: Exception


BatchHandler = Callable[[Sequence[Delivery]], Sequence[Rejected]]


@dataclass(frozen=True, slots=True)
class BatchRoute:
    """A row of the consumer table whose handler takes many deliveries per call (bulk writes).

    `max_batch` bounds the deliveries of one call; the runner polls up to twice the largest
    `max_batch` of its table per pass so a call is usually full. Where deliveries differ much
    in size (an upload of 1 or 500 GPS fixes), `max_weight` bounds the sum of their `weight`
    too, which bounds what one call holds in memory: a chunk closes before the delivery that
    would take it over (a single delivery heavier than the bound is a chunk of its own)."""

    topic: str
    handler: BatchHandler
    max_batch: int = 500  # deliveries per handler call at most
    max_weight: int | None = None
    weight: Callable[[Envelope], int] | None = None

    def __post_init__(self) -> None:
        if self.max_batch < 1:
            raise ValueError(f"max_batch of {self.topic} must be >= 1, got {self.max_batch}")
        if (self.max_weight is None) != (self.weight is None):
            raise ValueError(f"max_weight and weight of {self.topic} come together")
        if self.max_weight is not None and self.max_weight < 1:
            raise ValueError(f"max_weight of {self.topic} must be >= 1, got {self.max_weight}")

    def fits(self, deliveries: int, weight: int, next_weight: int) -> bool:
        """Whether a chunk of ``deliveries`` weighing ``weight`` takes one more delivery."""
        if deliveries >= self.max_batch:
            return False
        return self.max_weight is None or deliveries == 0 or weight + next_weight <= self.max_weight


@dataclass(frozen=True, slots=True)
class DlqLimit:
    """When to stop: more than `max_invalid_ratio` of the last `window` outcomes dead-lettered
    (judged once at least `min_messages` outcomes are known), or more than
    `max_consecutive_invalid` dead-lettered in a row. `None` disables a rule."""

    max_invalid_ratio: float | None = 0.5
    max_consecutive_invalid: int | None = 50
    window: int = 200
    min_messages: int = 20


class _DlqLimitState:
    def __init__(self, limit: DlqLimit) -> None:
        self.limit = limit
        self._outcomes: deque[bool] = deque(maxlen=limit.window)  # True = dead-lettered
        self._consecutive = 0

    def record_valid(self) -> None:
        self._outcomes.append(False)
        self._consecutive = 0

    def check_then_record_invalid(self) -> None:
        """Raise `DlqLimitExceeded` if one more invalid message would break the limit."""
        consecutive = self._consecutive + 1
        window = [*self._outcomes, True][-self.limit.window :]
        invalid = sum(window)
        limit = self.limit
        if (
            limit.max_consecutive_invalid is not None
            and consecutive > limit.max_consecutive_invalid
        ):
            raise DlqLimitExceeded(
                f"{consecutive} consecutive invalid messages "
                f"(limit {limit.max_consecutive_invalid})"
            )
        if (
            limit.max_invalid_ratio is not None
            and len(window) >= limit.min_messages
            and invalid / len(window) > limit.max_invalid_ratio
        ):
            raise DlqLimitExceeded(
                f"{invalid}/{len(window)} recent messages invalid "
                f"(limit ratio {limit.max_invalid_ratio})"
            )
        self._outcomes.append(True)
        self._consecutive = consecutive


class _Outcome(Enum):
    DONE = auto()  # handled or dead-lettered: commit past it
    PAUSE = auto()  # leave it: pause the partition and redeliver it later


# One record of a batch chunk as the runner classified it: a delivery for the handler, or the
# reason it is poison. Chunks keep each partition's records in offset order.
_Item = tuple[Record, Delivery | InvalidMessage]
_Chunk = dict[TopicPartition, list[_Item]]


@dataclass(frozen=True, slots=True)
class _Redeliver:
    """A batch call that did not complete: pause the chunk's partitions for `seconds`."""

    seconds: float
    why: str


def _truncate(text: str) -> bytes:
    return text.encode("utf-8", "replace")[:MAX_REASON_BYTES]


def dead_letter_headers(record: Record, group_id: str, exc: Exception) -> Headers:
    """The record's own headers plus the origin headers every dead letter carries."""
    return [
        *[(name, value) for name, value in (record.headers or [])],
        ("dlq.original_topic", record.topic.encode()),
        ("dlq.original_partition", str(record.partition).encode()),
        ("dlq.original_offset", str(record.offset).encode()),
        ("dlq.original_key", record.key or b""),
        ("dlq.consumer_group", group_id.encode()),
        ("dlq.reason", _truncate(str(exc))),
        ("dlq.exception", type(exc).__name__.encode()),
    ]


class ConsumerRunner:
    """Runs a route table on one consumer group. Owns (and closes) the clients handed to it.

    `consumer` must have auto-commit disabled (`make_consumer` does that); `dlq_producer` is an
    idempotent producer (`make_producer`). `run()` blocks until `stop()` (or SIGTERM/SIGINT once
    `install_signal_handlers()` was called), then finishes the current message (or batch chunk),
    commits what was handled and closes both clients; it raises `DlqLimitExceeded` when the DLQ
    limit trips. `max_records` (records per poll) defaults to 100, or to twice the largest
    `max_batch` when the table has batch routes.
    """

    def __init__(
        self,
        *,
        consumer: Consumer,
        dlq_producer: Producer,
        group_id: str,
        routes: Sequence[Route | BatchRoute],
        dlq_limit: DlqLimit | None = None,
        validate_contracts: bool = True,
        max_attempts: int = 3,
        retry_backoff_s: float = 0.2,
        retry_backoff_max_s: float = 5.0,
        pause_s: float = 10.0,
        backpressure_pause_s: float = 1.0,
        commit_interval_s: float = 1.0,
        poll_timeout_ms: int = 500,
        max_records: int | None = None,
        dlq_ack_timeout_s: float = 10.0,
        lag_interval_s: float = 5.0,
        rejoin_after_s: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        topics = [route.topic for route in routes]
        if not routes or len(set(topics)) != len(topics):
            raise ValueError("routes must be non-empty with one route per topic")
        if max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")
        self._consumer = consumer
        self._dlq_producer = dlq_producer
        self._group = group_id
        self._topics = [str(topic) for topic in topics]
        self._routes = {str(r.topic): r for r in routes if isinstance(r, Route)}
        self._batch_routes = {str(r.topic): r for r in routes if isinstance(r, BatchRoute)}
        self._dlq_state = _DlqLimitState(dlq_limit or DlqLimit())
        self._validate = validate_contracts
        self._max_attempts = max_attempts
        self._retry_backoff_s = retry_backoff_s
        self._retry_backoff_max_s = retry_backoff_max_s
        self._pause_s = pause_s
        self._backpressure_pause_s = backpressure_pause_s
        self._commit_interval_s = commit_interval_s
        self._poll_timeout_ms = poll_timeout_ms
        if max_records is None:
            # A batch route wants a full chunk per call and the next one already fetched.
            max_records = max([100, *(2 * r.max_batch for r in self._batch_routes.values())])
        self._max_records = max_records
        self._dlq_ack_timeout_s = dlq_ack_timeout_s
        self._lag_interval_s = lag_interval_s
        self._clock = clock
        self._stopping = threading.Event()
        self._subscribed = False
        self._closed = False
        self._pending: dict[TopicPartition, int] = {}  # next offset to commit, per partition
        self._next_offset: dict[TopicPartition, int] = {}  # for the lag gauge
        self._resume_at: dict[TopicPartition, float] = {}
        self._last_commit = clock()
        self._last_lag = float("-inf")
        self._rejoin_after_s = rejoin_after_s
        self._unassigned_since: float | None = None
        metrics.CONSUMER_STOPPED.labels(group_id, metrics.STOPPED_DLQ_LIMIT).set(0)

    # -- lifecycle -------------------------------------------------------------------------

    def stop(self) -> None:
        """Finish the current message, commit, close; safe from a signal handler or thread."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT call `stop()` (main thread only, as Python requires)."""

        def handle(signum: int, _frame: FrameType | None) -> None:
            log.info("signal %s received: stopping after the current message", signum)
            self.stop()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

    def run(self) -> None:
        """Poll and process until stopped; always commits what was handled and closes.

        When the DLQ limit trips, `gridgov_consumer_stopped{reason="dlq_limit"}` becomes 1
        before `DlqLimitExceeded` propagates."""
        try:
            while not self._stopping.is_set():
                try:
                    self.run_once()
                except KafkaError as exc:
                    # A broker outage surfacing through poll/commit/metadata: nothing handled
                    # is lost (offsets are committed only after effects), so wait and go on.
                    log.warning("Kafka unavailable, consumer keeps trying: %r", exc)
                    self._stopping.wait(self._retry_backoff_max_s)
        except DlqLimitExceeded:
            metrics.CONSUMER_STOPPED.labels(self._group, metrics.STOPPED_DLQ_LIMIT).set(1)
            raise
        finally:
            self.close()

    def close(self) -> None:
        """Commit handled offsets, close the consumer and the DLQ producer (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._commit(force=True)
        finally:
            try:
                self._consumer.close(autocommit=False)
            finally:
                self._dlq_producer.close(timeout=self._dlq_ack_timeout_s)

    # -- the loop --------------------------------------------------------------------------

    def _check_assignment(self) -> None:
        """Re-join the group when it has left this consumer without partitions for too long.

        A group that (re)balances while the broker has no partition metadata for the topics
        yet (a broker that has just started, a topic just created) can hand this consumer an
        empty assignment that kafka-python does not revisit; the events then wait forever.
        Subscribing again forces a new rebalance. With more consumers than partitions an
        empty assignment is legitimate, and the re-join is then only a harmless rebalance.
        """
        if self._consumer.assignment():
            self._unassigned_since = None
            return
        now = self._clock()
        if self._unassigned_since is None:
            self._unassigned_since = now
        elif now - self._unassigned_since >= self._rejoin_after_s:
            log.warning(
                "no partitions assigned for %.0f s: re-joining group %s",
                now - self._unassigned_since,
                self._group,
            )
            self._consumer.unsubscribe()
            self._consumer.subscribe(self._topics)
            self._unassigned_since = now

    def run_once(self) -> int:
        """One poll, its messages, and a (throttled) commit. Returns messages completed
        (handled or dead-lettered)."""
        if not self._subscribed:
            self._consumer.subscribe(self._topics)
            self._subscribed = True
            self._unassigned_since = self._clock()
        self._check_assignment()
        self._resume_due()
        polled = self._consumer.poll(
            timeout_ms=self._poll_timeout_ms, max_records=self._max_records
        )
        single: list[tuple[TopicPartition, Sequence[Record]]] = []
        batched: dict[str, list[tuple[TopicPartition, Sequence[Record]]]] = {}
        for tp, records in polled.items():
            if tp.topic in self._batch_routes:
                batched.setdefault(tp.topic, []).append((tp, records))
            else:
                single.append((tp, records))
        completed = 0
        for tp, records in single:
            for record in records:
                if self._stopping.is_set():
                    break  # fetched but unhandled: not committed, redelivered after restart
                outcome = self._process(record)
                if outcome is _Outcome.PAUSE:
                    break  # _process paused the partition and rewound it to this record
                self._pending[tp] = record.offset + 1
                self._next_offset[tp] = record.offset + 1
                completed += 1
            if self._stopping.is_set():
                break
        for topic, parts in batched.items():
            completed += self._run_batches(self._batch_routes[topic], parts)
        self._commit(force=self._stopping.is_set())
        self._report_lag()
        return completed

    def _parse(self, record: Record) -> Envelope:
        """The record's envelope, its payload as its contract loaded it; `InvalidMessage` if
        it is poison."""
        envelope = Envelope.parse(record.value)
        if self._validate:
            # The consumer's one validation: handlers get the payload as the contract
            # loaded it and check nothing again.
            envelope = replace(envelope, payload=validate_envelope(envelope))
        return envelope

    def _process(self, record: Record) -> _Outcome:
        tp = TopicPartition(record.topic, record.partition)
        route = self._routes[record.topic]
        try:
            envelope = self._parse(record)
        except InvalidMessage as exc:
            with log_context(kafka_topic=record.topic):
                return self._dead_letter(record, exc)
        with log_context(event_id=envelope.event_id, tenant_id=envelope.tenant_id):
            return self._handle(tp, record, route, envelope)

    def _handle(
        self, tp: TopicPartition, record: Record, route: Route, envelope: Envelope
    ) -> _Outcome:
        topic, group = record.topic, self._group
        non_retryable: tuple[type[Exception], ...] = (NonRetryableError, *route.non_retryable)

        def call() -> None:
            with metrics.HANDLER_DURATION.labels(topic, group).time():
                try:
                    route.handler(envelope)
                except MessageRejected:
                    raise
                except Exception as exc:
                    metrics.MESSAGES_FAILED.labels(topic, group, type(exc).__name__).inc()
                    raise

        def stop_retrying(state: RetryCallState) -> bool:
            return self._stopping.is_set() or state.attempt_number >= self._max_attempts

        retrying = Retrying(
            retry=retry_if_not_exception_type((MessageRejected, *non_retryable)),
            stop=stop_retrying,
            wait=wait_exponential(multiplier=self._retry_backoff_s, max=self._retry_backoff_max_s),
            sleep=self._interruptible_sleep,
            reraise=True,
        )
        try:
            retrying(call)
        except MessageRejected:
            self._pause(tp, record.offset, self._backpressure_pause_s, "backpressure")
            return _Outcome.PAUSE
        except non_retryable as exc:
            return self._dead_letter(record, exc)
        except Exception as exc:
            log.warning(
                "handler failed %d time(s) on %s[%d]@%d, pausing the partition: %r",
                self._max_attempts,
                record.topic,
                record.partition,
                record.offset,
                exc,
            )
            self._pause(tp, record.offset, self._pause_s, "retries exhausted")
            return _Outcome.PAUSE
        metrics.MESSAGES_PROCESSED.labels(topic, group).inc()
        self._dlq_state.record_valid()
        return _Outcome.DONE

    def _interruptible_sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    # -- batch routes ----------------------------------------------------------------------

    def _run_batches(
        self, route: BatchRoute, parts: Sequence[tuple[TopicPartition, Sequence[Record]]]
    ) -> int:
        """The polled records of one batch topic, chunk by chunk; returns records completed."""
        queues: dict[TopicPartition, deque[Record]] = {
            tp: deque(records) for tp, records in parts if records
        }
        completed = 0
        while queues:
            if self._stopping.is_set():
                # Fetched but unhandled: rewind so nothing is skipped should the loop go on.
                for tp, queue in queues.items():
                    self._consumer.seek(tp, queue[0].offset)
                break
            completed += self._run_chunk(route, self._take_chunk(route, queues), queues)
            for tp in [tp for tp, queue in queues.items() if not queue]:
                del queues[tp]
        return completed

    def _take_chunk(self, route: BatchRoute, queues: dict[TopicPartition, deque[Record]]) -> _Chunk:
        """Up to `max_batch` deliveries (and `max_weight`; with the poison between them) off the
        queues' heads, partition after partition. A record parsed but left for the next chunk
        goes back to its queue's head, and is parsed again there (rare: once per chunk)."""
        chunk: _Chunk = {}
        deliveries = weight = 0
        full = False
        for tp, queue in queues.items():
            while queue and not full:
                record = queue[0]
                try:
                    envelope = self._parse(record)
                except InvalidMessage as exc:
                    queue.popleft()
                    chunk.setdefault(tp, []).append((record, exc))
                    continue
                heavy = route.weight(envelope) if route.weight is not None else 1
                if not route.fits(deliveries, weight, heavy):
                    full = True
                    break
                queue.popleft()
                delivery = Delivery(envelope, record.topic, record.partition, record.offset)
                chunk.setdefault(tp, []).append((record, delivery))
                deliveries += 1
                weight += heavy
            if full or deliveries >= route.max_batch:
                break
        return chunk

    def _run_chunk(
        self, route: BatchRoute, chunk: _Chunk, queues: dict[TopicPartition, deque[Record]]
    ) -> int:
        """Hand the chunk's deliveries to the handler, then settle each record in offset order:
        done, or dead-lettered (poison, rejected). Returns records completed."""
        deliveries = tuple(
            item for items in chunk.values() for _, item in items if isinstance(item, Delivery)
        )
        rejected: dict[tuple[str, int, int], Exception] = {}
        if deliveries:
            outcome = self._call_batch(route, deliveries)
            if isinstance(outcome, _Redeliver):
                for tp, items in chunk.items():
                    # Nothing of the chunk is settled, its poison included: all comes again.
                    self._pause(tp, items[0][0].offset, outcome.seconds, outcome.why)
                    queues.pop(tp, None)
                return 0
            for row in outcome:
                at = row.delivery
                rejected[(at.topic, at.partition, at.offset)] = row.reason
        processed = metrics.MESSAGES_PROCESSED.labels(route.topic, self._group)
        completed = 0
        for tp, items in chunk.items():
            for record, item in items:
                reason = (
                    item
                    if isinstance(item, InvalidMessage)
                    else rejected.pop((item.topic, item.partition, item.offset), None)
                )
                if reason is None:
                    processed.inc()
                    self._dlq_state.record_valid()
                else:
                    bound = (
                        {}
                        if isinstance(item, InvalidMessage)
                        else {
                            "event_id": item.envelope.event_id,
                            "tenant_id": item.envelope.tenant_id,
                        }
                    )
                    with log_context(kafka_topic=record.topic, **bound):
                        if self._dead_letter(record, reason) is _Outcome.PAUSE:
                            # _dead_letter paused and rewound the partition to this record;
                            # later ones of the chunk were handled but are not committed.
                            queues.pop(tp, None)
                            break
                self._pending[tp] = record.offset + 1
                self._next_offset[tp] = record.offset + 1
                completed += 1
        if rejected:
            log.error(
                "batch handler of %s rejected %d deliveries it was not given; ignored: %s",
                route.topic,
                len(rejected),
                sorted(rejected)[:5],
            )
        return completed

    def _call_batch(
        self, route: BatchRoute, deliveries: Sequence[Delivery]
    ) -> Sequence[Rejected] | _Redeliver:
        """The handler's rejections, or `_Redeliver` when it did not complete (retries
        exhausted, backpressure)."""
        topic, group = route.topic, self._group

        def call() -> list[Rejected]:
            with metrics.HANDLER_DURATION.labels(topic, group).time():
                try:
                    return list(route.handler(deliveries) or ())
                except MessageRejected:
                    raise
                except Exception as exc:
                    metrics.MESSAGES_FAILED.labels(topic, group, type(exc).__name__).inc()
                    raise

        def stop_retrying(state: RetryCallState) -> bool:
            return self._stopping.is_set() or state.attempt_number >= self._max_attempts

        retrying = Retrying(
            # Exceptions only: a KeyboardInterrupt or SystemExit must not be retried in place.
            retry=retry_if_exception_type(Exception) & retry_if_not_exception_type(MessageRejected),
            stop=stop_retrying,
            wait=wait_exponential(multiplier=self._retry_backoff_s, max=self._retry_backoff_max_s),
            sleep=self._interruptible_sleep,
            reraise=True,
        )
        metrics.BATCH_SIZE.labels(topic, group).observe(len(deliveries))
        try:
            with log_context(kafka_topic=topic):
                rejections: list[Rejected] = retrying(call)
        except MessageRejected:
            return _Redeliver(self._backpressure_pause_s, "backpressure")
        except Exception as exc:
            log.warning(
                "batch handler failed on %d deliveries of %s, pausing their partitions: %r",
                len(deliveries),
                topic,
                exc,
            )
            return _Redeliver(self._pause_s, "retries exhausted")
        return rejections

    # -- DLQ -------------------------------------------------------------------------------

    def _dead_letter(self, record: Record, exc: Exception) -> _Outcome:
        """Produce the message to `<topic>.dlq`, wait for the ack; then it may be committed."""
        self._dlq_state.check_then_record_invalid()
        reason = type(exc).__name__
        headers = dead_letter_headers(record, self._group, exc)
        try:
            future = self._dlq_producer.send(
                dlq_name(record.topic), value=record.value, key=record.key, headers=headers
            )
            future.get(timeout=self._dlq_ack_timeout_s)
        except KafkaError as produce_error:
            log.error("DLQ write failed for %s@%d: %r", record.topic, record.offset, produce_error)
            tp = TopicPartition(record.topic, record.partition)
            self._pause(tp, record.offset, self._pause_s, "dlq unavailable")
            return _Outcome.PAUSE
        log.warning(
            "dead-lettered %s[%d]@%d: %s: %s",
            record.topic,
            record.partition,
            record.offset,
            reason,
            exc,
        )
        metrics.MESSAGES_DLQ.labels(record.topic, self._group, reason).inc()
        return _Outcome.DONE

    # -- pause / commit / lag -----------------------------------------------------------------

    def _pause(self, tp: TopicPartition, offset: int, seconds: float, why: str) -> None:
        # Rewind first so the paused record is the first one fetched after resume.
        self._consumer.seek(tp, offset)
        self._consumer.pause(tp)
        self._resume_at[tp] = self._clock() + seconds
        log.info("paused %s[%d] at %d for %.1fs (%s)", tp.topic, tp.partition, offset, seconds, why)
        self._report_paused()

    def _resume_due(self) -> None:
        now = self._clock()
        due = [tp for tp, at in self._resume_at.items() if at <= now]
        for tp in due:
            del self._resume_at[tp]
            try:
                self._consumer.resume(tp)
            except (KeyError, KafkaError) as exc:  # revoked by a rebalance meanwhile
                log.info("resume of %s skipped: %r", tp, exc)
        if due:
            self._report_paused()

    def _report_paused(self) -> None:
        counts: dict[str, int] = dict.fromkeys(self._topics, 0)
        for tp in self._resume_at:
            counts[tp.topic] = counts.get(tp.topic, 0) + 1
        for topic, count in counts.items():
            metrics.PARTITIONS_PAUSED.labels(topic, self._group).set(count)

    def _commit(self, *, force: bool) -> None:
        if not self._pending:
            return
        now = self._clock()
        if not force and now - self._last_commit < self._commit_interval_s:
            return
        offsets: Mapping[TopicPartition, OffsetAndMetadata] = {
            tp: offset_to_commit(offset) for tp, offset in self._pending.items()
        }
        try:
            self._consumer.commit(offsets)
        except CommitFailedError as exc:
            # The group rebalanced: the new owner re-handles from the last commit (at-least-once).
            log.warning("commit failed after a rebalance; handled messages will repeat: %r", exc)
        except KafkaError as exc:
            # The broker is away (restart, network): keep the offsets and commit them on a later
            # pass. Crashing here would kill the worker over a transient outage; the effects are
            # already stored, and redelivery after a restart is absorbed by idempotent handlers.
            log.warning("commit failed, will retry: %r", exc)
            self._last_commit = now
            return
        self._pending.clear()
        self._last_commit = now

    def _report_lag(self) -> None:
        now = self._clock()
        if now - self._last_lag < self._lag_interval_s:
            return
        self._last_lag = now
        lag: dict[str, int] = {}
        for tp, next_offset in self._next_offset.items():
            try:
                high = self._consumer.highwater(tp)
            except (KeyError, KafkaError):
                continue
            if high is not None:
                lag[tp.topic] = lag.get(tp.topic, 0) + max(high - next_offset, 0)
        for topic, value in lag.items():
            metrics.CONSUMER_LAG.labels(topic, self._group).set(value)


def make_consumer(
    bootstrap_servers: str,
    *,
    group_id: str,
    client_id: str,
    session_timeout_ms: int = 10_000,
    max_poll_interval_ms: int = 300_000,
    bootstrap_timeout_ms: int = 10_000,
    **overrides: Any,
) -> Any:
    """A kafka-python `KafkaConsumer` for `ConsumerRunner`: manual commits, earliest start.

    `enable_auto_commit=False` is the point: offsets are committed by the runner after the
    effect. New groups start at the earliest offset so nothing published before a service's
    first start is skipped. Records per poll need no setting here: `ConsumerRunner` passes its
    `max_records` (twice the largest `max_batch` with batch routes) to every `poll`, which
    overrides `max_poll_records`. What one fetch brings per partition is bounded by bytes
    (`max_partition_fetch_bytes`, 1 MiB): pass a larger one in `overrides` when messages are
    big. Returns `KafkaConsumer` (typed `Any`: kafka-python has no stubs).
    """
    from kafka import KafkaConsumer  # noqa: PLC0415 - keep the import next to its only use

    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap_servers,
        "group_id": group_id,
        "client_id": client_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "session_timeout_ms": session_timeout_ms,
        "max_poll_interval_ms": max_poll_interval_ms,
        "bootstrap_timeout_ms": bootstrap_timeout_ms,
        "allow_auto_create_topics": False,
    }
    config.update(overrides)
    return KafkaConsumer(**config)
