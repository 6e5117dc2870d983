"""Service accounts: confidential Keycloak clients a tenant gives an integration.

An integration (e.g. the provincial 12345 hotline's work-order feed) gets a client
``svc-<tenant>-<name>`` whose client-credentials tokens carry the tenant and ONE scope's realm
role. The scope table below is the whole catalogue: a tenant picks a scope, never raw roles, so
an integration can never be given tenant-admin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar, Final

from shared.clock import require_aware
from shared.errors import InvalidInput, StateConflict

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,29}$")


@dataclass(frozen=True)
class Scope:
    """What an integration may do, as the realm roles its token carries."""

    code: str
    roles: tuple[str, ...]
    label: str


# | scope                | realm role    | for                                                 |
# | intake.work_orders   | center-staff  | push 12345 / hotline work orders as events (事项)   |
# | registry.read        | inspector     | read grids, divisions and teams (e.g. a GIS map)    |
# | survey.callbacks     | center-staff  | import 12345 callback results (回访) into surveys   |
SCOPES: Final[dict[str, Scope]] = {
    scope.code: scope
    for scope in (
        Scope("intake.work_orders", ("center-staff",), "工单接入 / work-order feed"),
        Scope("registry.read", ("inspector",), "网格数据只读 / registry read-only"),
        Scope("survey.callbacks", ("center-staff",), "回访结果导入 / callback import"),
    )
}


@dataclass(frozen=True)
class ServiceAccount:
    service_account_id: str
    tenant_id: str
    name: str
    scope: str
    roles: tuple[str, ...]
    client_id: str
    client_uuid: str
    enabled: bool
    created_at: datetime
    created_by: str
    updated_at: datetime
    secret_rotated_at: datetime | None = None
    revision: int = 0


@dataclass(frozen=True)
class ServiceAccountCreated:
    service_account_id: str
    client_id: str
    name: str
    scope: str
    roles: tuple[str, ...]
    created_by: str
    occurred_at: datetime

    type: ClassVar[str] = "service_account.created"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.service_account_id

    def payload(self) -> dict[str, Any]:
        """The `service_account.created` v1 payload."""
        return {
            "service_account_id": self.service_account_id,
            "client_id": self.client_id,
            "name": self.name,
            "scope": self.scope,
            "roles": list(self.roles),
            "created_by": self.created_by,
        }


@dataclass(frozen=True)
class ServiceAccountDisabled:
    service_account_id: str
    client_id: str
    disabled_by: str
    occurred_at: datetime

    type: ClassVar[str] = "service_account.disabled"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.service_account_id

    def payload(self) -> dict[str, Any]:
        """The `service_account.disabled` v1 payload."""
        return {
            "service_account_id": self.service_account_id,
            "client_id": self.client_id,
            "disabled_by": self.disabled_by,
        }


def validate_request(*, name: str, scope: str) -> tuple[str, Scope]:
    """The normalized name and the scope; ``InvalidInput`` naming the bad field."""
    name = name.strip()
    if not NAME_PATTERN.match(name):
        raise InvalidInput.of("name", "2-30 lower-case letters, digits or '-'")
    if scope not in SCOPES:
        raise InvalidInput.of("scope", f"must be one of: {', '.join(sorted(SCOPES))}")
    return name, SCOPES[scope]


def create(
    *,
    service_account_id: str,
    tenant_id: str,
    name: str,
    scope: Scope,
    client_id: str,
    client_uuid: str,
    actor: str,
    now: datetime,
) -> tuple[ServiceAccount, ServiceAccountCreated]:
    """The directory entry of a client just created in Keycloak, and its event."""
    now = require_aware(now)
    account = ServiceAccount(
        service_account_id=service_account_id,
        tenant_id=tenant_id,
        name=name,
        scope=scope.code,
        roles=scope.roles,
        client_id=client_id,
        client_uuid=client_uuid,
        enabled=True,
        created_at=now,
        created_by=actor,
        updated_at=now,
        secret_rotated_at=now,
    )
    event = ServiceAccountCreated(
        service_account_id=service_account_id,
        client_id=client_id,
        name=name,
        scope=scope.code,
        roles=scope.roles,
        created_by=actor,
        occurred_at=now,
    )
    return account, event


def secret_rotated(account: ServiceAccount, *, now: datetime) -> ServiceAccount:
    """The secret was replaced (only an enabled account gets a new one)."""
    if not account.enabled:
        raise StateConflict("enable the service account before rotating its secret")
    now = require_aware(now)
    return replace(account, secret_rotated_at=now, updated_at=now)


def disable(
    account: ServiceAccount, *, actor: str, now: datetime
) -> tuple[ServiceAccount, ServiceAccountDisabled | None]:
    """Disabled (idempotent: disabling a disabled account records nothing)."""
    now = require_aware(now)
    if not account.enabled:
        return account, None
    event = ServiceAccountDisabled(
        service_account_id=account.service_account_id,
        client_id=account.client_id,
        disabled_by=actor,
        occurred_at=now,
    )
    return replace(account, enabled=False, updated_at=now), event


def enable(account: ServiceAccount, *, now: datetime) -> ServiceAccount:
    """Enabled again (idempotent)."""
    if account.enabled:
        return account
    return replace(account, enabled=True, updated_at=require_aware(now))
