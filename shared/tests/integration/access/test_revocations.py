"""identity's events -> a service's revocations, against the real FerretDB."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from shared.access import ROUTES, StoredRevocations
from shared.auth import Principal
from shared.events.envelope import Envelope
from shared.events.topics import Topic

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("mongo_db")]

HANDLERS = {route.topic: route.handler for route in ROUTES}


def user_event(tenant: str, type_: str, user_id: str, *, enabled: bool) -> Envelope:
    payload: dict[str, Any] = {
        "user_id": user_id,
        "username": "w",
        "roles": ["grid-worker"],
        "enabled": enabled,
        "actor": "a",
    }
    return Envelope.new(
        type=type_, version=1, tenant_id=tenant, producer="identity", payload=payload
    )


def tenant_event(tenant: str, type_: str, payload: dict[str, Any]) -> Envelope:
    return Envelope.new(
        type=type_, version=1, tenant_id=tenant, producer="identity", payload=payload
    )


def principal(tenant: str, subject: str) -> Principal:
    return Principal(
        subject=subject,
        username="w",
        tenant_id=tenant,
        district_id=None,
        roles=frozenset(),
        client_id="gridgov-web",
    )


def uncached(tenant: str, subject: str) -> str | None:
    return StoredRevocations(ttl_s=0).revoked(principal(tenant, subject))


def test_a_disabled_user_is_revoked_until_enabled_again() -> None:
    tenant = f"t-{secrets.token_hex(4)}"
    users = HANDLERS[Topic.IDENTITY_USERS]
    users(user_event(tenant, "user.invited", "u1", enabled=True))
    assert uncached(tenant, "u1") is None

    disabled = user_event(tenant, "user.disabled", "u1", enabled=False)
    users(disabled)
    users(disabled)  # the same message twice gives the same state
    assert uncached(tenant, "u1") == "the account is disabled"
    assert uncached(tenant, "u2") is None
    assert uncached(f"{tenant}-other", "u1") is None  # walled by tenant

    users(user_event(tenant, "user.enabled", "u1", enabled=True))
    assert uncached(tenant, "u1") is None


def test_an_offboarded_tenant_revokes_every_account_of_it() -> None:
    tenant = f"t-{secrets.token_hex(4)}"
    tenants = HANDLERS[Topic.IDENTITY_TENANTS]
    common = {"code": tenant, "district_id": "d1"}
    tenants(
        tenant_event(tenant, "tenant.offboarded", {**common, "reason": "r", "offboarded_by": "p"})
    )
    assert uncached(tenant, "anyone") == "the tenant was offboarded"
    tenants(tenant_event(tenant, "tenant.reactivated", {**common, "reactivated_by": "p"}))
    assert uncached(tenant, "anyone") is None
