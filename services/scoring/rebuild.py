"""Rebuild the metric ledger from Kafka: ``python -m services.scoring.rebuild``.

    python -m services.scoring.rebuild --tenant TENANT [--tenant ...] [--verify] [--processes N]
    python -m services.scoring.rebuild --all [--verify] [--processes N]
    python -m services.scoring.rebuild --first-format [--processes N]

Reads the ledger's topics (`consumers.LEDGER_TOPICS`) from their beginning up to their ends as
they were when it started, checks each message against its contract as the consumer does
(what the consumer dead-lettered is skipped here too), and replays them into the ledger
collection that is not live for each tenant (`use_cases.rebuild.LedgerReplay`), printing its
progress; ``--processes`` replay a share of the partitions each (all messages of one aggregate
share a partition, so each holds whole aggregates; default: the CPUs, at most 4). Then it turns
each tenant's pointer to the rebuilt collection and applies what arrived meanwhile through the
live path. One rebuild at a time: two would fill the same collections. ``--verify`` then
counts, per tenant, the entries that differ between the rebuilt ledger and the one it replaced
(0: identical). A rebuild that fails (the store gone for longer than its retries) has swapped
nothing: the live ledgers stay as they were.

The topics keep an assessment year and more (shared/events/topics.py): a rebuild restores
every period still within their retention. The registry read model and the manual inputs are
not touched. Exit status: 0 done, 1 a tenant's rebuilt ledger differs (with ``--verify``).

``--first-format`` rebuilds only the tenants whose live ledger still holds entries of the first
ledger format (`repository.ledger.tenants_in_first_format`), and does nothing at all when none
does: ``bash deploy/local/stack.sh up ledger`` runs it on a local stack that recorded facts
before the packed form (once).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from concurrent.futures import ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Any, TextIO

from kafka import KafkaConsumer, TopicPartition
from marshmallow import Schema, ValidationError

from services.scoring.consumers import LEDGER_TOPICS
from services.scoring.repository.ledger import LedgerRepository, tenants_in_first_format
from services.scoring.settings import load
from services.scoring.use_cases.rebuild import (
    LedgerReplay,
    catch_up,
    claim_target,
    differences,
    swap,
)
from shared.context import utc_now
from shared.events.contracts import contract_for
from shared.events.envelope import Envelope, InvalidMessage
from shared.runtime import bootstrap_servers, connect_database
from shared.settings import PlatformSettings

PROGRESS_EVERY_S = 2.0
MAX_PROCESSES = 4
Offsets = Mapping[TopicPartition, int]


class TopicReader:
    """Reads topics partition by partition, in order, between two sets of offsets."""

    def __init__(
        self,
        servers: str,
        topics: Sequence[str],
        *,
        partitions: Sequence[TopicPartition] | None = None,
    ) -> None:
        self.consumer = KafkaConsumer(
            bootstrap_servers=servers,
            group_id=None,
            enable_auto_commit=False,
            max_poll_records=5000,
            fetch_max_bytes=64 * 1024 * 1024,
            max_partition_fetch_bytes=8 * 1024 * 1024,
            # The broker checked every batch's CRC when it was produced; kafka-python's
            # CRC-32C is pure Python here and cost more than decoding and checking the
            # messages themselves (2 s per 10,000 messages).
            check_crcs=False,
            client_id="scoring-rebuild",
        )
        self.partitions = list(partitions or ()) or [
            TopicPartition(topic, partition)
            for topic in topics
            for partition in sorted(self.consumer.partitions_for_topic(topic) or ())
        ]
        self.consumer.assign(self.partitions)
        self.invalid = 0
        # One schema per contract for the whole replay: a marshmallow schema costs more to
        # build (its fields are deep-copied) than to load a payload with.
        self._schemas: dict[tuple[str, int], Schema] = {}

    def ends(self) -> dict[TopicPartition, int]:
        """Where each partition ends now."""
        found: dict[TopicPartition, int] = self.consumer.end_offsets(self.partitions)
        return found

    def read(self, until: Offsets, since: Offsets | None = None) -> Iterator[Envelope]:
        """Every valid message from `since` (default: the beginning) up to `until`."""
        if since is None:
            self.consumer.seek_to_beginning(*self.partitions)
        else:
            for partition in self.partitions:
                self.consumer.seek(partition, since.get(partition, 0))
        left = {tp for tp in self.partitions if self.consumer.position(tp) < until.get(tp, 0)}
        while left:
            for tp, records in self.consumer.poll(timeout_ms=1000).items():
                end = until.get(tp, 0)
                for record in records:
                    if record.offset >= end:
                        break
                    envelope = self._valid(record.value)
                    if envelope is not None:
                        yield envelope
                if self.consumer.position(tp) >= end:
                    left.discard(tp)
                    self.consumer.pause(tp)
        self.consumer.resume(*self.partitions)

    def _valid(self, value: bytes | None) -> Envelope | None:
        # The same check the consumer's edge makes (`validate_envelope`: the contract's schema
        # loads the payload, unknown contracts and errors are poison), so what the consumer
        # dead-lettered is skipped here too.
        try:
            envelope = Envelope.parse(value or b"")
            key = (envelope.type, envelope.version)
            schema = self._schemas.get(key)
            if schema is None:
                schema = self._schemas[key] = contract_for(*key).schema()
            payload = schema.load(dict(envelope.payload))
        except InvalidMessage:
            self.invalid += 1
            return None
        except ValidationError:
            self.invalid += 1
            return None
        return replace(envelope, payload=payload)

    def close(self) -> None:
        self.consumer.close()


@dataclass(frozen=True)
class PartResult:
    """What one replaying process did: per tenant the collection filled and entries written."""

    rebuilt: dict[str, tuple[str, int]]
    messages: int
    invalid: int


class SharedClaims:
    """The claim of several replaying processes: the first to meet a tenant empties the
    tenant's rebuild collection, under one lock, and every process writes to that one."""

    def __init__(self, claims: MutableMapping[str, str], lock: Any) -> None:
        self.claims = claims
        self.lock = lock

    def __call__(self, tenant: str) -> str:
        with self.lock:
            found = self.claims.get(tenant)
            if found is None:
                found = self.claims[tenant] = claim_target(tenant)
            return found


def replay_part(
    partitions: Sequence[TopicPartition],
    ends: Offsets,
    *,
    tenants: Sequence[str] | None,
    claim: Callable[[str], str] | None,
    progress: MutableMapping[int, tuple[int, int]],
    index: int,
    settings: PlatformSettings,
    connect: bool,
) -> PartResult:
    """Replay some partitions from their beginning to `ends`; a process of its own connects
    first (`connect`), with the settings of the one that started it."""
    if connect:
        connect_database(settings)
    reader = TopicReader(bootstrap_servers(settings), [], partitions=partitions)
    try:
        replay = LedgerReplay(tenants=tenants, claim=claim)
        shown = time.monotonic()
        for envelope in reader.read(ends):
            replay.feed(envelope)
            if time.monotonic() - shown >= PROGRESS_EVERY_S:
                done = replay.progress()
                progress[index] = (done.messages, done.entries)
                shown = time.monotonic()
        rebuilt = replay.finish()
        done = replay.progress()
        progress[index] = (done.messages, done.entries)
        return PartResult(rebuilt, done.messages, reader.invalid)
    finally:
        reader.close()


def replay_all(
    partitions: Sequence[TopicPartition],
    ends: Offsets,
    tenants: Sequence[str] | None,
    *,
    processes: int,
    settings: PlatformSettings,
    out: TextIO,
) -> PartResult:
    """Replay every partition, in `processes` processes (each a share of the partitions: all
    messages of one aggregate share a partition, so each process holds whole aggregates)."""
    started = time.monotonic()
    if processes <= 1:
        progress: dict[int, tuple[int, int]] = {}
        result = replay_part(
            partitions,
            ends,
            tenants=tenants,
            claim=None,
            progress=progress,
            index=0,
            settings=settings,
            connect=False,
        )
        _report(progress, started, out)
        return result
    shares = [list(partitions[i::processes]) for i in range(processes)]
    spawn = multiprocessing.get_context("spawn")
    with spawn.Manager() as manager:
        claim = SharedClaims(manager.dict(), manager.Lock())
        shared_progress = manager.dict()
        with ProcessPoolExecutor(len(shares), mp_context=spawn) as pool:
            futures = [
                pool.submit(
                    replay_part,
                    share,
                    ends,
                    tenants=tenants,
                    claim=claim,
                    progress=shared_progress,
                    index=index,
                    settings=settings,
                    connect=True,
                )
                for index, share in enumerate(shares)
                if share
            ]
            while not all(future.done() for future in futures):
                wait(futures, timeout=PROGRESS_EVERY_S)
                _report(dict(shared_progress), started, out)
            results = [future.result() for future in futures]
    rebuilt: dict[str, tuple[str, int]] = {}
    for part in results:
        for tenant, (collection, entries) in part.rebuilt.items():
            rebuilt[tenant] = (collection, rebuilt.get(tenant, (collection, 0))[1] + entries)
    return PartResult(
        rebuilt,
        sum(part.messages for part in results),
        sum(part.invalid for part in results),
    )


def run(tenants: Sequence[str] | None, *, verify: bool, processes: int, out: TextIO) -> int:
    settings = load()
    connect_database(settings)
    reader = TopicReader(bootstrap_servers(settings), [str(t) for t in LEDGER_TOPICS])
    try:
        ends = reader.ends()
        total = sum(ends.values())
        print(
            f"rebuild: replaying up to {total:,} messages of {len(ends)} partitions "
            f"in {processes} process(es)",
            file=out,
        )
        result = replay_all(
            reader.partitions, ends, tenants, processes=processes, settings=settings, out=out
        )
        previous = {tenant: LedgerRepository(tenant).collection for tenant in result.rebuilt}
        written = swap(result.rebuilt, now=utc_now())
        applied = catch_up(reader.read(reader.ends(), since=ends), tenants=tenants)
        print(
            f"rebuild: {len(written)} tenant(s) swapped, {applied:,} message(s) caught up, "
            f"{result.invalid + reader.invalid:,} invalid skipped",
            file=out,
        )
        status = 0
        for tenant, entries in sorted(written.items()):
            live = LedgerRepository(tenant).collection
            line = f"  {tenant}: {entries:,} entries in {live}"
            if verify:
                differ = differences(tenant, previous[tenant], live)
                line += f", {differ:,} differ from {previous[tenant]}"
                status = 1 if differ else status
            print(line, file=out)
        return status
    finally:
        reader.close()


def _report(progress: Mapping[int, tuple[int, int]], started: float, out: TextIO) -> None:
    messages = sum(m for m, _ in progress.values())
    entries = sum(e for _, e in progress.values())
    seconds = max(time.monotonic() - started, 1e-9)
    print(
        f"rebuild: {messages:,} messages, {entries:,} entries, {entries / seconds:,.0f} entries/s",
        file=out,
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.scoring.rebuild")
    chosen = parser.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--tenant", action="append", help="a tenant to rebuild (repeatable)")
    chosen.add_argument("--all", action="store_true", help="every tenant the topics name")
    chosen.add_argument(
        "--first-format",
        action="store_true",
        help="only the tenants whose ledger is still in the first format (none: nothing to do)",
    )
    parser.add_argument(
        "--verify", action="store_true", help="count entries differing from the replaced ledger"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=min(os.cpu_count() or 1, MAX_PROCESSES),
        help="replaying processes, each a share of the partitions (default: the CPUs, at most 4)",
    )
    args = parser.parse_args(argv)
    tenants = None if args.all else args.tenant
    if args.first_format:
        connect_database(load())
        tenants = tenants_in_first_format()
        if not tenants:
            print("rebuild: every ledger is in the current format; nothing to do")
            return 0
        print(f"rebuild: {len(tenants)} tenant(s) with a first-format ledger")
    return run(tenants, verify=args.verify, processes=max(1, args.processes), out=sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
