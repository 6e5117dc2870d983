"""Nothing is lost and nothing counts twice when Kafka or FerretDB goes away.

These tests stop and start real servers of the local stack, so they run last (tests/ is
collected after shared/ and services/; only the demo check comes after them) and always restart
what they stopped. They write into a tenant of the tests' own (tenant_a), never the demo's.
"""

from __future__ import annotations

import time

import pytest

from tests.conftest import wait_until

pytestmark = pytest.mark.e2e

SERVICES = ("grid_registry", "scoring")


def readiness_within(api, service: str, expected: int, seconds: float) -> tuple[int, float]:
    started = time.monotonic()
    response = api(service, None).get("/readyz", timeout=seconds + 1)
    return response.status_code, time.monotonic() - started


def test_division_created_while_kafka_is_down_reaches_scoring_exactly_once(
    api, tenant_a, stopped, unique_code
):
    stopped("kafka")
    registry = api("grid_registry", tenant_a.admin)

    created = registry.post(
        "/divisions", json={"code": unique_code, "name": "断网村", "kind": "village"}
    )

    assert created.status_code == 201, created.text
    division_id = created.json()["division_id"]
    for service in SERVICES:
        status, elapsed = readiness_within(api, service, 503, 5)
        assert status == 503
        assert elapsed < 5

    from tests.conftest import stack

    stack("up", "kafka")

    def ledger() -> list[dict]:
        response = api("scoring", tenant_a.admin).get("/ledger", params={"subject_id": division_id})
        return response.json()["items"] if response.status_code == 200 else []

    assert wait_until(lambda: len(ledger()) >= 1, timeout=90, interval=1)
    time.sleep(5)  # let any duplicate delivery land before counting
    entries = ledger()
    assert len(entries) == 1
    assert entries[0]["event_type"] == "division.created"


def test_readiness_fails_fast_when_ferretdb_is_down(api, stopped):
    stopped("ferretdb")
    for service in SERVICES:
        status, elapsed = readiness_within(api, service, 503, 5)
        assert status == 503
        assert elapsed < 5
    assert api("grid_registry", None).get("/healthz").status_code == 200
