"""Rebuild a ledger by replaying the topics it was learned from (``rebuild.py``).

`LedgerReplay` takes every message from the beginning of the ledger's topics, in each
partition's order, and applies exactly the live rule (`domain.ledger.AggregateState`) with the
aggregates' state held in memory instead of read back per message, so the entries (ids
included) are the ones the live consumer stored. They go, in batches written a few at a time,
into the collection that is *not* live for the tenant, which is emptied first; `swap` then
turns the tenant's pointer (one write), and `catch_up` applies, through the live path, what
arrived while the replay ran (the consumer kept writing the old collection until the swap;
after it, both write the new one, and both are idempotent).

Only the ledger is rebuilt: the registry read model (grids, teams) is the registry's to
replay, and manual inputs are stored, not learned.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import tenacity
from pymongo.errors import ConnectionFailure

from services.scoring.domain.ledger import AggregateState, LedgerEntry
from services.scoring.domain.sources import epoch_ms, observe
from services.scoring.repository.ledger import LedgerEntries, LedgerRepository, stored
from services.scoring.use_cases import ledger as live
from services.scoring.use_cases.context import ScoringContext
from shared.context import utc_now
from shared.events.envelope import Envelope

BATCH = 2000
WRITERS = 3
_EMPTY = AggregateState()


@dataclass(frozen=True)
class Progress:
    """How far a replay is: messages read (and of those, not for the chosen tenants), entries
    written, seconds since it started."""

    messages: int
    skipped: int
    entries: int
    seconds: float

    @property
    def entries_per_second(self) -> float:
        return self.entries / self.seconds if self.seconds > 0 else 0.0


class LedgerReplay:
    """Messages in, fresh ledgers out: one per tenant seen (or only `tenants`)."""

    def __init__(
        self,
        *,
        tenants: Iterable[str] | None = None,
        clock: Callable[[], datetime] = utc_now,
        batch: int = BATCH,
        writers: int = WRITERS,
        claim: Callable[[str], str] | None = None,
    ) -> None:
        self.tenants = None if tenants is None else frozenset(tenants)
        self.clock = clock
        # Which collection a tenant's rebuilt entries go to, emptied on the first call for
        # the tenant; replays in several processes share one claim (see `rebuild.py`).
        self.claim = claim or claim_target
        self.batch = batch
        self._states: dict[tuple[str, str], AggregateState] = {}
        self._targets: dict[str, LedgerEntries] = {}
        self._pending: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._written: Counter[str] = Counter()
        self._pool = ThreadPoolExecutor(writers, thread_name_prefix="ledger-rebuild")
        self._in_flight: list[Future[tuple[str, int]]] = []
        self._writers = writers
        self._messages = 0
        self._skipped = 0
        self._started = time.monotonic()

    # -- feeding -------------------------------------------------------------------------------

    def feed(self, event: Envelope) -> None:
        """One message whose payload passed its contract (as the consumer's edge loads it)."""
        self._messages += 1
        tenant = event.tenant_id
        if self.tenants is not None and tenant not in self.tenants:
            self._skipped += 1
            return
        observations = observe(
            event.type, tenant_id=tenant, occurred_at=event.occurred_at, payload=event.payload
        )
        if not observations:
            return
        target = self._target(tenant)
        recorded_ms = epoch_ms(self.clock())
        pending = self._pending[tenant]
        for observation in observations:
            key = (tenant, observation.aggregate)
            state = self._states.get(key, _EMPTY)
            change = state.apply(
                observation, tenant_id=tenant, event_id=event.event_id, event_type=event.type
            )
            if change.stale or not change.added:
                continue
            self._states[key] = state.after(change)
            pending.extend(
                stored(entry, tenant_id=tenant, recorded_ms=recorded_ms) for entry in change.added
            )
        if len(pending) >= self.batch:
            self._send(tenant, target)

    def _target(self, tenant: str) -> LedgerEntries:
        target = self._targets.get(tenant)
        if target is None:
            target = LedgerRepository(tenant).entries(self.claim(tenant))
            self._targets[tenant] = target
        return target

    def _send(self, tenant: str, target: LedgerEntries) -> None:
        docs = self._pending.pop(tenant, [])
        if not docs:
            return
        # A few batches in flight keep FerretDB busy while this thread decodes and derives;
        # more would only queue in memory.
        while len(self._in_flight) >= 2 * self._writers:
            self._settle(self._in_flight.pop(0))
        self._in_flight.append(self._pool.submit(_write, target, tenant, docs))

    def _settle(self, future: Future[tuple[str, int]]) -> None:
        tenant, count = future.result()
        self._written[tenant] += count

    def flush(self) -> None:
        """Write everything still pending and wait for it."""
        for tenant in list(self._pending):
            self._send(tenant, self._targets[tenant])
        while self._in_flight:
            self._settle(self._in_flight.pop(0))

    def seen(self) -> list[str]:
        """The tenants being rebuilt (those with a message so far)."""
        return sorted(self._targets)

    def progress(self) -> Progress:
        written = sum(self._written.values())
        return Progress(self._messages, self._skipped, written, time.monotonic() - self._started)

    # -- finishing -----------------------------------------------------------------------------

    def finish(self) -> dict[str, tuple[str, int]]:
        """Flush and stop writing; per tenant, the collection filled and the entries written."""
        self.flush()
        self._pool.shutdown(wait=True)
        return {
            tenant: (target.document._get_collection_name(), self._written[tenant])
            for tenant, target in sorted(self._targets.items())
        }

    def swap(self) -> dict[str, int]:
        """Finish, then make each rebuilt ledger live; entries written per tenant."""
        return swap(self.finish(), now=self.clock())


def claim_target(tenant: str) -> str:
    """The collection a rebuild of `tenant` fills (the one not live), emptied first."""
    ledger = LedgerRepository(tenant)
    collection = ledger.rebuild_target()
    ledger.entries(collection).clear()
    return collection


def swap(rebuilt: Mapping[str, tuple[str, int]], *, now: datetime) -> dict[str, int]:
    """Make each tenant's rebuilt collection live; entries written per tenant."""
    for tenant, (collection, entries) in sorted(rebuilt.items()):
        LedgerRepository(tenant).swap(collection, entries=entries, now=now)
    return {tenant: entries for tenant, (_, entries) in sorted(rebuilt.items())}


# A store that restarts or drops a connection mid-replay: the batch is written again (entries
# already stored are skipped by their ids), a few times, before the rebuild gives up; a rebuild
# that gives up has swapped nothing, and the live ledger stays as it was.
_retried = tenacity.retry(
    retry=tenacity.retry_if_exception_type(ConnectionFailure),
    wait=tenacity.wait_exponential(multiplier=0.5, max=10),
    stop=tenacity.stop_after_attempt(6),
    reraise=True,
)


@_retried
def _write(target: LedgerEntries, tenant: str, docs: list[dict[str, Any]]) -> tuple[str, int]:
    # The collection was emptied for this rebuild and ids are unique: once the batch is in,
    # all of it is (a retry finds what its first attempt stored and skips it).
    target.insert_stored(docs)
    return tenant, len(docs)


def catch_up(events: Iterable[Envelope], *, tenants: Iterable[str] | None = None) -> int:
    """Apply messages that arrived during a replay through the live path; the number applied."""
    chosen = None if tenants is None else frozenset(tenants)
    applied = 0
    for event in events:
        if chosen is not None and event.tenant_id not in chosen:
            continue
        live.record(ScoringContext.for_message(event), event)
        applied += 1
    return applied


def facts_of(entries: Iterable[LedgerEntry]) -> set[tuple[object, ...]]:
    """A ledger's entries as comparable tuples: id, the message and aggregate they came from
    and every figure (not when they were recorded)."""
    return {
        (e.entry_id, e.event_id, e.event_type, e.aggregate, e.position, e.retracts, *e.identity())
        for e in entries
    }


def differences(tenant_id: str, first: str, second: str) -> int:
    """How many entries of the tenant differ between two ledger collections (0: identical)."""
    ledger = LedgerRepository(tenant_id)
    one = facts_of(ledger.entries(first).rows(feed=True))
    other = facts_of(ledger.entries(second).rows(feed=True))
    return len(one ^ other)


__all__ = [
    "LedgerReplay",
    "Progress",
    "catch_up",
    "claim_target",
    "differences",
    "facts_of",
    "swap",
]
