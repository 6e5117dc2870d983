"""Every identity event is a `DomainEvent` whose payload is exactly its contract's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.identity.domain import service_accounts, tenants, users
from shared.events.contracts import validate_payload
from shared.events.domain import DomainEvent

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

EVENTS = [
    (
        tenants.TenantOnboarded(
            code="demo-town-c",
            name="丙镇",
            kind=tenants.TenantKind.TOWNSHIP,
            district_id="demo-district",
            timezone="Asia/Shanghai",
            calendar="cn-public-holidays",
            scheme_template="seed-002-township-grid-worker",
            onboarded_by="platform-1",
            occurred_at=NOW,
        ),
        "demo-town-c",
        {
            "code": "demo-town-c",
            "name": "丙镇",
            "kind": "township",
            "district_id": "demo-district",
            "timezone": "Asia/Shanghai",
            "calendar": "cn-public-holidays",
            "scheme_template": "seed-002-township-grid-worker",
            "onboarded_by": "platform-1",
        },
    ),
    (
        tenants.TenantOffboarded(
            code="demo-town-c",
            district_id="demo-district",
            reason="撤并",
            offboarded_by="platform-1",
            occurred_at=NOW,
        ),
        "demo-town-c",
        {
            "code": "demo-town-c",
            "district_id": "demo-district",
            "reason": "撤并",
            "offboarded_by": "platform-1",
        },
    ),
    (
        tenants.TenantReactivated(
            code="demo-town-c",
            district_id="demo-district",
            reactivated_by="platform-1",
            occurred_at=NOW,
        ),
        "demo-town-c",
        {"code": "demo-town-c", "district_id": "demo-district", "reactivated_by": "platform-1"},
    ),
    (
        service_accounts.ServiceAccountCreated(
            service_account_id="sa-1",
            client_id="svc-demo-town-a-hotline",
            name="hotline",
            scope="intake.work_orders",
            roles=("center-staff",),
            created_by="admin-a",
            occurred_at=NOW,
        ),
        "sa-1",
        {
            "service_account_id": "sa-1",
            "client_id": "svc-demo-town-a-hotline",
            "name": "hotline",
            "scope": "intake.work_orders",
            "roles": ["center-staff"],
            "created_by": "admin-a",
        },
    ),
    (
        service_accounts.ServiceAccountDisabled(
            service_account_id="sa-1",
            client_id="svc-demo-town-a-hotline",
            disabled_by="admin-a",
            occurred_at=NOW,
        ),
        "sa-1",
        {
            "service_account_id": "sa-1",
            "client_id": "svc-demo-town-a-hotline",
            "disabled_by": "admin-a",
        },
    ),
    *(
        (
            kind(
                user_id="u-1",
                username="zhang.wei",
                roles=("grid-leader", "grid-worker"),
                enabled=True,
                actor="admin-1",
                occurred_at=NOW,
            ),
            "u-1",
            {
                "user_id": "u-1",
                "username": "zhang.wei",
                "roles": ["grid-leader", "grid-worker"],
                "enabled": True,
                "actor": "admin-1",
            },
        )
        for kind in (
            users.UserInvited,
            users.UserUpdated,
            users.UserRolesChanged,
            users.UserDisabled,
            users.UserEnabled,
        )
    ),
]


@pytest.mark.parametrize(
    ("event", "aggregate_id", "payload"), EVENTS, ids=[e.type for e, _, _ in EVENTS]
)
def test_each_event_carries_its_key_and_exactly_its_contracts_payload(
    event: DomainEvent, aggregate_id: str, payload: dict[str, object]
) -> None:
    assert isinstance(event, DomainEvent)
    assert event.aggregate_id == aggregate_id
    assert event.occurred_at == NOW
    assert event.payload() == payload
    assert validate_payload(event.type, event.version, event.payload()) == payload
