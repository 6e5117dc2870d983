"""The audit trail through the running services: a division created over grid_registry's API
is in that service's ``GET /audit`` within seconds, with the admin as the actor and the
request's id as the correlation id; the tenant's walls hold. Writes only into the session's
own tenants (tenant_a, tenant_b).

Needs the services running with the audit trail (restart them after pulling it in).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import wait_until

pytestmark = pytest.mark.e2e


def subject_of(api: Any, username: str) -> str:
    me = api("identity", username).get("/me")
    assert me.status_code == 200, me.text
    return str(me.json()["subject"])


def test_a_change_is_in_the_services_audit_trail_with_who_and_which_request(
    api: Any, tenant_a: Any, tenant_b: Any, unique_code: str
) -> None:
    registry = api("grid_registry", tenant_a.admin)
    request_id = f"e2e-audit-{uuid.uuid4().hex}"
    created = registry.post(
        "/divisions",
        json={"code": unique_code, "name": "审计村", "kind": "village"},
        headers={"X-Request-ID": request_id},
    )
    assert created.status_code == 201, created.text
    division_id = created.json()["division_id"]

    rows: list[dict[str, Any]] = []

    def audited() -> bool:
        response = registry.get("/audit", params={"aggregate_id": division_id})
        assert response.status_code == 200, response.text
        rows[:] = response.json()["items"]
        return bool(rows)

    assert wait_until(audited, timeout=15), "the relay did not audit the change in 15 s"
    [row] = rows
    assert (row["type"], row["tenant_id"], row["producer"]) == (
        "division.created",
        tenant_a.code,
        "grid_registry",
    )
    assert row["actor"] == subject_of(api, tenant_a.admin)
    assert row["correlation_id"] == request_id

    other = api("grid_registry", tenant_b.admin).get("/audit", params={"aggregate_id": division_id})
    assert (other.status_code, other.json()["total"]) == (200, 0)
    for caller in (tenant_a.worker, "platform.admin", "overseer"):
        assert api("grid_registry", caller).get("/audit").status_code == 403, caller
