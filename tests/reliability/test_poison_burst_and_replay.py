"""A poison burst stops scoring's consumer at its DLQ limit, and the runbook brings it back.

300 malformed messages of ten kinds and 30 valid ``division.created`` events of a test tenant,
interleaved, go to the real ``gridgov.registry.divisions``. The running scoring worker stops
itself at its DLQ limit and stays up, saying so on its metrics and in ``make status``; a plain
restart only stops again. Then the test does what docs/operations.md (ConsumerStopped, "the
messages are wrong") tells an operator, with the commands it names, and nothing else: divert
the rest of the burst past the stopped group, restart the worker, replay the valid dead letters.
Nothing is fixed. In the end scoring's ledger holds each of the 30 events exactly once, all 300
malformed messages sit in the DLQ once each, and a second replay produces nothing.

The worker is restarted through the local stack's own functions, and only the worker (the API
is shared with other tests). Whatever happens, the test leaves a consuming worker behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from shared.events.topics import Topic
from shared.kafka.producer import make_producer
from shared.testing.poison import POISON, burst
from tests.conftest import ROOT, wait_until
from tests.kafka_tail import BOOTSTRAP

pytestmark = pytest.mark.e2e

SERVICE = "scoring"
GROUP = "gridgov.scoring"
TOPIC = str(Topic.REGISTRY_DIVISIONS)
METRICS_URL = f"http://127.0.0.1:{os.environ.get('SCORING_WORKER_METRICS_PORT', '8206')}/metrics"
PID_FILE = ROOT / os.environ.get("GRIDGOV_INFRA_DIR", ".infra") / "run" / f"{SERVICE}-worker.pid"
POISON_PER_KIND = 30
VALID = 30


def stopped_gauge() -> float | None:
    """``gridgov_consumer_stopped`` of scoring's group; None when the worker does not answer
    or does not report it."""
    try:
        text = requests.get(METRICS_URL, timeout=3).text
    except requests.RequestException:
        return None
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "gridgov_consumer_stopped" and sample.labels["group"] == GROUP:
                return sample.value
    return None


def worker_status() -> str:
    """The state column of ``deploy/local/stack.sh status`` for scoring's worker."""
    result = subprocess.run(
        [str(ROOT / "deploy/local/stack.sh"), "status"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    [line] = [line for line in result.stdout.splitlines() if line.startswith(f"{SERVICE}-worker ")]
    return line.split(maxsplit=2)[2]


def worker_pid() -> str:
    return PID_FILE.read_text().strip() if PID_FILE.exists() else ""


def restart_worker() -> str:
    """Stop and start scoring's worker only (deploy/local/components/services.sh); its pid."""
    script = (
        f'source "{ROOT}/deploy/local/lib.sh"; '
        f'for f in "{ROOT}"/deploy/local/components/*.sh; do source "$f"; done; '
        f"load_env; stop_bg {SERVICE}-worker 20; service_start {SERVICE}"
    )
    subprocess.run(["bash", "-c", script], check=True, capture_output=True, timeout=120)
    return worker_pid()


def dlq(*argv: str) -> dict[str, Any]:
    """``python -m shared.kafka.dlq <argv> --json``, as the runbook runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "shared.kafka.dlq", *argv, "--json"],
        cwd=ROOT,
        env={**os.environ, "GRIDGOV_KAFKA_BOOTSTRAP": BOOTSTRAP},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def ledger_events(api: Any, admin: str, prefix: str) -> list[str]:
    """Event ids of the tenant's ledger lines whose division id starts with ``prefix``."""
    client = api(SERVICE, admin)
    found, page = [], 1
    while True:
        response = client.get(
            "/ledger", params={"metric": "registry.divisions", "page": page, "page_size": 200}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        found += [i["event_id"] for i in body["items"] if i["subject_id"].startswith(prefix)]
        if page * 200 >= body["total"] or not body["items"]:
            return found
        page += 1


@pytest.fixture
def consuming_worker() -> Iterator[str]:
    """A scoring worker of this checkout that consumes (0 on the gauge); the burst's start
    time. Afterwards, whatever happened, the worker consumes again (the runbook, once more)."""
    if stopped_gauge() is None:  # a worker started before the gauge existed
        restart_worker()
    assert wait_until(lambda: stopped_gauge() == 0, timeout=60, interval=0.5)
    since = datetime.now(UTC).isoformat(timespec="seconds")
    yield since
    if stopped_gauge() == 0:
        return
    if stopped_gauge() == 1:
        dlq("divert", "--topic", TOPIC, "--group", GROUP)
    restart_worker()
    dlq("replay", "--topic", TOPIC, "--since", since, "--only-valid")
    assert wait_until(lambda: stopped_gauge() == 0, timeout=60, interval=0.5)


def test_poison_burst_stops_the_consumer_and_the_runbook_replays_every_valid_event_once(
    api: Any, tenant_a: Any, consuming_worker: str
) -> None:
    since = consuming_worker
    run = uuid.uuid4().hex[:8]
    messages, events = burst(tenant_a.code, poison_per_kind=POISON_PER_KIND, valid=VALID, run=run)
    ours = f"burst-{run}-"
    figures: dict[str, Any] = {"messages": len(messages), "kinds": len(POISON)}

    # The burst.
    started = time.monotonic()
    producer = make_producer(BOOTSTRAP, client_id="test-poison-burst")
    try:
        for key, value in messages:
            producer.send(TOPIC, value=value, key=key)
        producer.flush(timeout=60)
    finally:
        producer.close()

    # The consumer stops itself at its DLQ limit, and says so; the process stays up.
    first_pid = worker_pid()
    assert wait_until(lambda: stopped_gauge() == 1, timeout=60, interval=0.25)
    figures["seconds_to_stop"] = round(time.monotonic() - started, 1)
    assert worker_status() == "stopped: DLQ limit"
    assert worker_pid() == first_pid
    at_stop = dlq("count", "--topic", TOPIC, "--group", GROUP, "--since", since)["total"]
    figures["dead_lettered_at_stop"] = at_stop
    figures["handled_before_stop"] = len(ledger_events(api, tenant_a.admin, ours))
    # The limit judges the group's last 200 outcomes (more than half invalid): how much of the
    # burst got through depends on what the group handled just before, never more than 100.
    assert 0 < at_stop <= 100

    # A plain restart changes nothing: the burst is still ahead of the committed offset.
    assert restart_worker() != first_pid
    assert wait_until(lambda: stopped_gauge() == 1, timeout=60, interval=0.25)
    after_restart = dlq("count", "--topic", TOPIC, "--group", GROUP, "--since", since)["total"]
    figures["dead_lettered_after_plain_restart"] = after_restart
    assert at_stop < after_restart <= at_stop + 100

    # The runbook: look, divert the rest past the stopped group, restart, replay the valid ones.
    looked = dlq("count", "--topic", TOPIC, "--since", since, "--by", "exception")
    assert looked["total"] == after_restart
    started = time.monotonic()
    planned = dlq("divert", "--topic", TOPIC, "--group", GROUP, "--dry-run")
    diverted = dlq("divert", "--topic", TOPIC, "--group", GROUP)
    figures["divert"] = {k: diverted[k] for k in ("diverted", "valid", "invalid")}
    figures["divert_seconds"] = round(time.monotonic() - started, 1)
    assert diverted["diverted"] == planned["diverted"] > 0
    restart_worker()
    assert wait_until(lambda: stopped_gauge() == 0, timeout=60, interval=0.25)
    assert worker_status() == "up"
    dry = dlq("replay", "--topic", TOPIC, "--since", since, "--only-valid", "--dry-run")
    started = time.monotonic()
    replayed = dlq("replay", "--topic", TOPIC, "--since", since, "--only-valid")
    figures["replay"] = {k: replayed[k] for k in ("matched", "replayed", "invalid_kept")}
    figures["replay_seconds"] = round(time.monotonic() - started, 1)
    assert replayed["replayed"] == dry["replayed"] >= diverted["valid"]
    assert replayed["invalid_kept"] == POISON_PER_KIND * len(POISON)

    # Every valid event in the ledger exactly once; nothing handled twice, none lost.
    expected = sorted(event.event_id for event in events)
    started = time.monotonic()
    assert wait_until(
        lambda: len(ledger_events(api, tenant_a.admin, ours)) >= VALID, timeout=90, interval=1
    )
    figures["seconds_to_ledger"] = round(time.monotonic() - started, 1)
    time.sleep(5)  # a duplicate delivery would land meanwhile
    assert sorted(ledger_events(api, tenant_a.admin, ours)) == expected

    # Every malformed message sits in the DLQ once; a second replay produces nothing.
    dead = dlq("list", "--topic", TOPIC, "--group", GROUP, "--since", since, "--limit", "2000")
    poison = [
        (item["origin_partition"], item["origin_offset"])
        for item in dead["items"]
        if item["exception"] != "Diverted"
    ]
    assert len(poison) == len(set(poison)) == POISON_PER_KIND * len(POISON)
    again = dlq("replay", "--topic", TOPIC, "--since", since, "--only-valid")
    assert again["replayed"] == 0
    assert stopped_gauge() == 0
    print("poison burst figures:", json.dumps(figures))
