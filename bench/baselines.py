"""Raw baselines every later benchmark is reported against.

Measured on the local stack (``make up``), nothing of ours in the path:
  * bare kafka-python producer: idempotent, acks=all, 200-byte messages
  * bare kafka-python consumer: the same messages read back
  * bare pymongo ``insert_many`` into FerretDB
  * local RS256 token verification with PyJWT and a cached key (a real Keycloak token)

Run: ``python -m bench.baselines`` (or ``make bench``). Prints a table and writes the figures
as JSON to ``.infra/bench/baselines.json`` so other benchmarks can print ratios.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

import jwt
import requests
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from pymongo import MongoClient

BOOTSTRAP = os.environ.get("GRIDGOV_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
MONGO_URI = os.environ.get("GRIDGOV_MONGO_URI", "mongodb://127.0.0.1:27017")
KEYCLOAK = os.environ.get("GRIDGOV_KEYCLOAK_URL", "http://127.0.0.1:8080")
PASSWORD = os.environ.get("GRIDGOV_DEMO_PASSWORD", "gridgov-demo-pass")
RESULTS = Path(os.environ.get("GRIDGOV_INFRA_DIR", ".infra")) / "bench" / "baselines.json"

MESSAGES = int(os.environ.get("BENCH_KAFKA_MESSAGES", "50000"))
DOCUMENTS = int(os.environ.get("BENCH_MONGO_DOCUMENTS", "20000"))
VERIFICATIONS = int(os.environ.get("BENCH_VERIFICATIONS", "5000"))


@dataclass(frozen=True)
class Figure:
    key: str
    name: str
    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds


def kafka_producer_and_consumer() -> tuple[Figure, Figure]:
    topic = f"bench.baseline.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    try:
        producer = KafkaProducer(
            bootstrap_servers=BOOTSTRAP, acks="all", enable_idempotence=True, linger_ms=5
        )
        payload = os.urandom(100).hex().encode()  # 200 bytes
        started = time.perf_counter()
        for i in range(MESSAGES):
            producer.send(topic, key=str(i % 64).encode(), value=payload)
        producer.flush()
        produced = Figure(
            "kafka_produce",
            "kafka producer (bare, acks=all, idempotent)",
            MESSAGES,
            time.perf_counter() - started,
        )
        producer.close()

        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=BOOTSTRAP,
            group_id=f"bench-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            max_poll_records=2000,
        )
        seen = 0
        started = time.perf_counter()
        deadline = started + 120
        while seen < MESSAGES and time.perf_counter() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                seen += len(records)
        consumed = Figure(
            "kafka_consume", "kafka consumer (bare)", seen, time.perf_counter() - started
        )
        consumer.close()
        return produced, consumed
    finally:
        admin.delete_topics([topic])
        admin.close()


def mongo_insert_many() -> Figure:
    client: MongoClient[dict[str, object]] = MongoClient(MONGO_URI)
    db = client[f"bench_{uuid.uuid4().hex[:8]}"]
    docs = [
        {"tenant_id": "bench", "seq": i, "name": f"division-{i}", "kind": "village", "outbox": []}
        for i in range(DOCUMENTS)
    ]
    started = time.perf_counter()
    for start in range(0, DOCUMENTS, 1000):
        db.docs.insert_many(docs[start : start + 1000], ordered=False)
    figure = Figure(
        "mongo_insert_many",
        "pymongo insert_many on FerretDB (bare)",
        DOCUMENTS,
        time.perf_counter() - started,
    )
    client.drop_database(db.name)
    client.close()
    return figure


def demo_token() -> str:
    """A real access token of the demo admin of demo-town-a."""
    response = requests.post(
        f"{KEYCLOAK}/realms/gridgov/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "gridgov-app",
            "username": "admin.a",
            "password": PASSWORD,
        },
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def token_verification() -> Figure:
    realm = f"{KEYCLOAK}/realms/gridgov"
    token = demo_token()
    jwks = jwt.PyJWKClient(f"{realm}/protocol/openid-connect/certs")
    key = jwks.get_signing_key_from_jwt(token).key
    started = time.perf_counter()
    for _ in range(VERIFICATIONS):
        jwt.decode(token, key, algorithms=["RS256"], audience="gridgov-api", issuer=realm)
    return Figure(
        "token_verify",
        "token verification (bare PyJWT, cached key)",
        VERIFICATIONS,
        time.perf_counter() - started,
    )


def main() -> None:
    figures = [*kafka_producer_and_consumer(), mongo_insert_many(), token_verification()]
    print(f"{'baseline':<48} {'count':>8} {'seconds':>9} {'per second':>12}")
    for f in figures:
        print(f"{f.name:<48} {f.count:>8} {f.seconds:>9.3f} {f.per_second:>12,.0f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({f.key: asdict(f) | {"per_second": f.per_second} for f in figures}, indent=2)
    )
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
