"""Our platform paths against the raw baselines (``bench.baselines``), printed as ratios.

* token verification: ``shared.auth.TokenVerifier`` (JWKS cache, claim checks, principal)
  vs. bare PyJWT with a cached key, on the same real Keycloak token;
* the write path's publishing half: documents with events in their outbox, published by
  ``OutboxRelay`` (publish, wait for acks, ``$pullAll``) vs. the bare idempotent producer.

Run: ``python -m bench.platform_paths`` after ``python -m bench.baselines`` (``make bench``).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

import mongoengine

from bench.baselines import MONGO_URI, RESULTS, Figure, demo_token
from shared.auth import TokenVerifier
from shared.events.envelope import Envelope
from shared.kafka import OutboxRelay, make_producer
from shared.kafka.admin import create_topics, delete_topics
from shared.mongo import PendingEvent, connect
from shared.settings import PlatformSettings

BOOTSTRAP = os.environ.get("GRIDGOV_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
VERIFICATIONS = int(os.environ.get("BENCH_VERIFICATIONS", "5000"))
OUTBOX_DOCUMENTS = int(os.environ.get("BENCH_OUTBOX_DOCUMENTS", "5000"))


def our_token_verification() -> Figure:
    settings = PlatformSettings.from_env(service="bench")
    token = demo_token()
    verifier = TokenVerifier.from_settings(settings)
    verifier.verify(token)  # fetch the JWKS once, as the first request of a process does
    started = time.perf_counter()
    for _ in range(VERIFICATIONS):
        verifier.verify(token)
    return Figure(
        "token_verify",
        "token verification (shared.auth)",
        VERIFICATIONS,
        time.perf_counter() - started,
    )


def drain(
    documents: list[type[Any]], expected: int, client_id: str, *, audit: bool = True
) -> tuple[int, float]:
    """Run relay passes until `expected` events are published (or none are left);
    returns how many were and the seconds it took. ``audit=False``: without the audit trail."""
    relay = OutboxRelay(
        documents=documents,
        producer_factory=lambda: make_producer(BOOTSTRAP, client_id=client_id),
        batch_size=500,
        audit=audit,
    )
    started = time.perf_counter()
    published = 0
    while published < expected:
        done = relay.run_once()
        if done == 0:
            break
        published += done
    seconds = time.perf_counter() - started
    relay.close()
    return published, seconds


def our_outbox_relay() -> Figure:
    # A throw-away document class on its own collection and topic, so the bench touches no
    # service data; it goes through the same TenantRepository.add and OutboxRelay as services.
    from services.grid_registry.documents.divisions import DivisionDocument  # noqa: PLC0415
    from services.grid_registry.repository.divisions import DivisionRepository  # noqa: PLC0415

    run = uuid.uuid4().hex[:8]
    topic = f"bench.outbox.{run}"
    create_topics(BOOTSTRAP, {topic: {"num_partitions": 3, "replication_factor": 1}})
    db = f"bench_outbox_{run}"
    connect(MONGO_URI, db)
    DivisionDocument._collection = None
    try:
        repo = DivisionRepository("bench-tenant")
        for i in range(OUTBOX_DOCUMENTS):
            envelope = Envelope.new(
                type="division.created",
                version=1,
                tenant_id="bench-tenant",
                producer="bench",
                payload={"n": i, "pad": "x" * 120},
            )
            doc = DivisionDocument(
                division_id=f"d{i}",
                code=f"C{i}",
                name="村",
                kind="village",
                created_at=envelope.occurred_at,
                created_by="bench",
            )
            repo.add(doc, [PendingEvent(topic, f"d{i}", envelope)])
        published, seconds = drain([DivisionDocument], OUTBOX_DOCUMENTS, "bench-relay")
        return Figure("kafka_produce", "outbox relay (publish, ack, $pullAll)", published, seconds)
    finally:
        mongoengine.get_connection().drop_database(db)
        delete_topics(BOOTSTRAP, [topic])


def main() -> None:
    if not RESULTS.exists():
        raise SystemExit(f"no baselines at {RESULTS}: run `python -m bench.baselines` first")
    baselines = json.loads(RESULTS.read_text())
    print(f"{'path':<44} {'per second':>12} {'baseline/s':>12} {'ratio':>7}")
    for figure in (our_token_verification(), our_outbox_relay()):
        base = baselines[figure.key]["per_second"]
        print(
            f"{figure.name:<44} {figure.per_second:>12,.0f} {base:>12,.0f} "
            f"{figure.per_second / base:>7.2f}"
        )


if __name__ == "__main__":
    main()
