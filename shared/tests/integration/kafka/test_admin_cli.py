"""`python -m shared.kafka.admin`, run as `make up` runs it, against a throwaway empty Kafka.

The stack's own broker already has every topic, so this module starts a broker of its own with
the stack's own script: `deploy/local/stack.sh up kafka` with a state folder of its own under
`.infra/` (freshly formatted, so it has no topics) and free loopback ports, all set through the
environment, which the script lets override `.env.example`. It is stopped and its folder
deleted when the module is done.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka.admin import KafkaAdminClient

from shared.events.topics import Topic
from shared.kafka.admin import topic_plan
from shared.testing.ports import free_ports

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[4]
EXPECTED = len(topic_plan())
CLI_TIMEOUT_S = 180  # the CLI's own default timeout is 60 s; this only catches a hang


@pytest.fixture(scope="module")
def empty_broker() -> Iterator[str]:
    """The bootstrap address of a freshly formatted broker started by deploy/local/stack.sh."""
    state = f".infra/it-kafka-{uuid.uuid4().hex[:8]}"
    port, controller_port = free_ports(2)
    env = {
        **os.environ,
        "GRIDGOV_INFRA_DIR": state,
        "KAFKA_PORT": str(port),
        "KAFKA_CONTROLLER_PORT": str(controller_port),
        "KAFKA_HEAP": "256m",
    }

    def stack(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(REPO / "deploy/local/stack.sh"), *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    try:
        started = stack("up", "kafka")
        log = REPO / state / "logs" / "kafka.log"
        assert started.returncode == 0, (
            f"{started.stderr}\n{log.read_text(errors='replace')[-4000:] if log.exists() else ''}"
        )
        yield f"127.0.0.1:{port}"
    finally:
        stack("down", "kafka")
        shutil.rmtree(REPO / state, ignore_errors=True)


def run_topics_step(bootstrap: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """The stack's topics step: `<venv python> -m shared.kafka.admin --bootstrap <it>`."""
    return subprocess.run(
        [sys.executable, "-m", "shared.kafka.admin", "--bootstrap", bootstrap, *extra],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
        check=False,
    )


def test_creates_every_topic_and_dlq_on_an_empty_broker_then_nothing(empty_broker: str) -> None:
    first = run_topics_step(empty_broker)
    assert first.returncode == 0, f"stderr:\n{first.stderr}"
    assert first.stdout == f"topics: {EXPECTED} created, 0 present, {EXPECTED} expected\n"

    admin = KafkaAdminClient(bootstrap_servers=empty_broker, request_timeout_ms=10_000)
    try:
        described = {t["name"]: t for t in admin.describe_topics(list(topic_plan()))}
    finally:
        admin.close()
    for topic in Topic:
        for name in (topic.value, topic.dlq):
            assert described[name]["error_code"] == 0, name
            assert len(described[name]["partitions"]) == topic.spec.partitions, name

    again = run_topics_step(empty_broker)
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"topics: 0 created, {EXPECTED} present, {EXPECTED} expected\n"


def test_fails_quickly_and_loudly_when_nothing_listens() -> None:
    (closed,) = free_ports(1)
    started = time.monotonic()
    result = run_topics_step(f"127.0.0.1:{closed}", "--timeout", "3")
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"topics: gave up after 3 s: Kafka at 127.0.0.1:{closed} is not reachable" in (
        result.stderr
    )
    assert elapsed < 15, f"took {elapsed:.1f} s"
