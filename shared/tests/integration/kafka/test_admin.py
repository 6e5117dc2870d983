"""Topic creation from the enum and the readiness probe against the real Kafka."""

import time
import uuid

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from shared.events.topics import Topic
from shared.kafka.admin import (
    KafkaHealth,
    align_retention,
    connect_admin,
    create_topics,
    delete_topics,
    ensure_topics,
)
from shared.kafka.producer import make_producer
from shared.tests.integration.stack import KAFKA_BOOTSTRAP

pytestmark = pytest.mark.integration


def test_ensure_topics_creates_every_topic_and_dlq_idempotently() -> None:
    ensure_topics(KAFKA_BOOTSTRAP)
    assert ensure_topics(KAFKA_BOOTSTRAP) == []  # second run: nothing to do
    admin = KafkaAdminClient(bootstrap_servers=KAFKA_BOOTSTRAP)
    try:
        described = {
            t["name"]: t
            for t in admin.describe_topics([n for t in Topic for n in (t.value, t.dlq)])
        }
    finally:
        admin.close()
    for topic in Topic:
        for name in (topic.value, topic.dlq):
            assert len(described[name]["partitions"]) == topic.spec.partitions, name


def test_health_is_true_and_cheap_when_kafka_is_up() -> None:
    health = KafkaHealth(KAFKA_BOOTSTRAP)
    try:
        assert health.check(5.0)
        started = time.monotonic()
        for _ in range(5):
            assert health.check(5.0)
        assert (time.monotonic() - started) / 5 < 0.5  # cached client: no bootstrap per call
    finally:
        health.close()


def test_health_fails_within_the_timeout_when_kafka_is_down() -> None:
    health = KafkaHealth("127.0.0.1:9")
    try:
        started = time.monotonic()
        assert not health.check(1.0)
        assert time.monotonic() - started < 2.0
    finally:
        health.close()


def test_producer_is_idempotent_with_acks_all() -> None:
    producer = make_producer(KAFKA_BOOTSTRAP, client_id="it-config")
    try:
        assert producer.config["enable_idempotence"] is True
        assert producer.config["acks"] in (-1, "all")
        assert producer.config["allow_auto_create_topics"] is False
        assert producer.config["delivery_timeout_ms"] <= 30_000
    finally:
        producer.close()


def test_a_topics_retention_is_aligned_with_its_spec_and_nothing_else_changes() -> None:
    name = f"it.retention.{uuid.uuid4().hex[:8]}"
    old = {
        name: {"num_partitions": 2, "replication_factor": 1, "configs": {"retention.ms": "3600000"}}
    }
    create_topics(KAFKA_BOOTSTRAP, old)
    admin = connect_admin(KAFKA_BOOTSTRAP, 10)
    try:
        new = {name: {**old[name], "configs": {"retention.ms": "7200000"}}}
        assert align_retention(admin, new) == [name]
        assert align_retention(admin, new) == []  # aligned: nothing to do
        found = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name, configs={"retention.ms": None})]
        )
        assert found["topic"][name]["retention.ms"]["value"] == "7200000"
        [described] = admin.describe_topics([name])
        assert len(described["partitions"]) == 2
    finally:
        admin.close()
        delete_topics(KAFKA_BOOTSTRAP, [name])
