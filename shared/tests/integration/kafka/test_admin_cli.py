"""`python -m shared.kafka.admin`, run as `make up` runs it, against a throwaway empty Kafka.

The stack's own broker already has every topic, so this module starts a broker of its own: a
single-node KRaft Kafka formatted into a temporary folder, on free loopback ports, from the jars
`deploy/local/stack.sh install` puts in the cache (the same server.properties and start command
as deploy/local/components/kafka.sh, with a smaller heap). It is killed with its whole process
group when the module is done. Without the jars or a JDK 17-25 the broker tests are skipped,
except in CI (`CI=true`), where `make test` has run `make up` first and they fail instead.
"""

from __future__ import annotations

import base64
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
from kafka.admin import KafkaAdminClient

from shared.events.topics import Topic
from shared.kafka.admin import topic_plan

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[4]
EXPECTED = len(topic_plan())
CLI_TIMEOUT_S = 180  # the CLI's own default timeout is 60 s; this only catches a hang


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> NoReturn:
    if _in_ci():
        pytest.fail(
            f"{reason}; not skipped under CI, where `make test` runs `make up` first", pytrace=False
        )
    pytest.skip(reason)


def _stack_setting(name: str) -> str | None:
    """`name` as deploy/local/lib.sh resolves it: the environment, then .env, then .env.example."""
    if os.environ.get(name):
        return os.environ[name]
    for file in (REPO / ".env", REPO / ".env.example"):
        if file.is_file():
            for line in file.read_text(encoding="utf-8").splitlines():
                match = re.match(rf"^{name}=(\S*)", line.strip())
                if match:
                    return match.group(1)
    return None


def _kafka_libs() -> Path:
    cache = os.environ.get("GRIDGOV_CACHE_DIR") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gridgov"
    )
    return Path(cache) / f"kafka-{_stack_setting('KAFKA_VERSION')}" / "libs"


def _newest_java(lowest: int = 17, highest: int = 25) -> Path | None:
    """bin/java of the newest JDK under /usr/lib/jvm within [lowest, highest] (lib.sh's rule)."""
    best: tuple[int, Path] | None = None
    for java in sorted(Path("/usr/lib/jvm").glob("*/bin/java")):
        try:
            shown = subprocess.run(
                [str(java), "-version"], capture_output=True, text=True, timeout=30, check=False
            ).stderr
        except (OSError, subprocess.TimeoutExpired):
            continue
        match = re.search(r'version "(\d+)', shown)
        major = int(match.group(1)) if match else 0
        if lowest <= major <= highest and (best is None or major > best[0]):
            best = (major, java)
    return best[1] if best else None


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _cluster_id() -> str:
    """What `kafka-storage random-uuid` prints: 16 random bytes, URL-safe base64, no padding."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):  # Kafka avoids these too (they read as CLI options)
            return text


def _server_properties(data: Path, port: int, controller_port: int) -> str:
    # The same settings as deploy/local/components/kafka.sh (auto-creation off included).
    return f"""\
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:{controller_port}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs={data}
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
"""


@dataclass(frozen=True)
class Broker:
    bootstrap: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(text[-lines:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the broker's process group, SIGKILL it after 20 s (stop_bg's rule)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def empty_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A freshly formatted broker, *being started*: the first test meets it still booting."""
    libs = _kafka_libs()
    if not (libs / ".complete").is_file():
        _unavailable(f"no Kafka jars at {libs} yet (`deploy/local/stack.sh install` puts them)")
    java = _newest_java()
    if java is None:
        _unavailable("no JDK 17-25 under /usr/lib/jvm")
    home = tmp_path_factory.mktemp("kafka")
    port, controller_port = _free_ports(2)
    properties = home / "server.properties"
    properties.write_text(_server_properties(home / "data", port, controller_port))
    classpath = f"{libs}/*"
    formatted = subprocess.run(
        [
            *(str(java), "-cp", classpath, "kafka.tools.StorageTool", "format", "--standalone"),
            *("-t", _cluster_id(), "-c", str(properties)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert formatted.returncode == 0, (
        f"storage format failed:\n{formatted.stdout}{formatted.stderr}"
    )
    log = home / "kafka.log"
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [
                *(str(java), "-Xms128m", "-Xmx256m", "-XX:+UseG1GC"),
                *("-Dlog4j2.formatMsgNoLookups=true", "-cp", classpath),
                *("kafka.Kafka", str(properties)),
            ],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole below
        )
    try:
        yield Broker(f"127.0.0.1:{port}", process, log)
    finally:
        _stop(process)


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


def test_creates_every_topic_and_dlq_on_an_empty_booting_broker_then_nothing(
    empty_broker: Broker,
) -> None:
    first = run_topics_step(empty_broker.bootstrap)
    assert first.returncode == 0, f"stderr:\n{first.stderr}\nbroker log:\n{empty_broker.log_tail()}"
    assert first.stdout == f"topics: {EXPECTED} created, 0 present, {EXPECTED} expected\n"

    admin = KafkaAdminClient(bootstrap_servers=empty_broker.bootstrap, request_timeout_ms=10_000)
    try:
        described = {t["name"]: t for t in admin.describe_topics(list(topic_plan()))}
    finally:
        admin.close()
    for topic in Topic:
        for name in (topic.value, topic.dlq):
            assert described[name]["error_code"] == 0, name
            assert len(described[name]["partitions"]) == topic.spec.partitions, name

    again = run_topics_step(empty_broker.bootstrap)
    assert again.returncode == 0, again.stderr
    assert again.stdout == f"topics: 0 created, {EXPECTED} present, {EXPECTED} expected\n"


def test_fails_quickly_and_loudly_when_nothing_listens() -> None:
    (closed,) = _free_ports(1)
    started = time.monotonic()
    result = run_topics_step(f"127.0.0.1:{closed}", "--timeout", "3")
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"topics: gave up after 3 s: Kafka at 127.0.0.1:{closed} is not reachable" in (
        result.stderr
    )
    assert elapsed < 15, f"took {elapsed:.1f} s"
