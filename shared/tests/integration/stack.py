"""Fixtures for the shared library's integration tests: the real local FerretDB and Kafka.

Isolation per run: a fresh database `gridgov_test_<run>` and topics `it.<run>.<name>` created
explicitly (auto-creation is off) and deleted afterwards. The tenant guard is installed before
any Mongo client exists and every test must leave no untenanted query behind.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import mongoengine
import pymongo
import pytest

from shared.events.topics import dlq_name
from shared.kafka.admin import create_topics, delete_topics
from shared.mongo.connection import connect

RUN_ID = uuid.uuid4().hex[:10]
MONGO_URI = os.environ.get("GRIDGOV_MONGO_URI", "mongodb://127.0.0.1:27017")
KAFKA_BOOTSTRAP = os.environ.get("GRIDGOV_KAFKA_BOOTSTRAP", "127.0.0.1:9092")


TopicFactory = Callable[..., str]


MONGO_DB = f"gridgov_test_{RUN_ID}"
_mongo_users = [0]  # the fixture is re-exported by several conftests: connect/drop once


@pytest.fixture(scope="session")
def mongo_db() -> Iterator[str]:
    """The per-run database on the default alias; dropped when the last user is done."""
    if _mongo_users[0] == 0:
        connect(MONGO_URI, MONGO_DB)
    _mongo_users[0] += 1
    yield MONGO_DB
    _mongo_users[0] -= 1
    if _mongo_users[0] == 0:
        # Other suites (services/) re-register the default alias for their own databases, so
        # drop through a client of our own rather than whatever the alias points at now.
        client: pymongo.MongoClient[dict[str, object]]
        with pymongo.MongoClient(MONGO_URI) as client:
            client.drop_database(MONGO_DB)
        mongoengine.disconnect()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    return KAFKA_BOOTSTRAP


@pytest.fixture(scope="session")
def make_topic(kafka_bootstrap: str) -> Iterator[TopicFactory]:
    """`make_topic("name", partitions=1, dlq=True)` -> a fresh per-run topic (and its DLQ)."""
    created: list[str] = []

    def factory(name: str, partitions: int = 1, *, dlq: bool = True) -> str:
        topic = f"it.{RUN_ID}.{name}.{uuid.uuid4().hex[:6]}"
        names = [topic, dlq_name(topic)] if dlq else [topic]
        options = {"num_partitions": partitions, "replication_factor": 1}
        create_topics(kafka_bootstrap, {n: dict(options) for n in names})
        created.extend(names)
        return topic

    yield factory
    if created:
        delete_topics(kafka_bootstrap, created)
