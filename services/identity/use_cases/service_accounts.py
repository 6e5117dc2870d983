"""Service-account use cases: create, list, rotate the secret, disable, enable.

Keycloak first, then the directory with the event in its outbox. A client left in Keycloak by
an interrupted create is adopted (with a fresh secret) when the create is repeated, so a retry
converges instead of failing on the name forever.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from services.identity.domain import service_accounts as domain
from services.identity.domain.ports import IdentityProvider, ProviderClient, ProviderConflict
from services.identity.repository.service_accounts import ServiceAccountRepository
from services.identity.use_cases import PRODUCER
from shared.errors import StateConflict
from shared.mongo import NotFound, Page, PendingEvent

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WithSecret:
    """A service account and its client secret, shown once."""

    account: domain.ServiceAccount
    client_secret: str


def _pending(
    event: domain.ServiceAccountCreated | domain.ServiceAccountDisabled,
    payload: dict[str, object],
    *,
    tenant_id: str,
    correlation_id: str | None,
) -> PendingEvent:
    return PendingEvent.record(
        type=event.type,
        version=event.version,
        tenant_id=tenant_id,
        aggregate_id=event.service_account_id,
        payload=payload,
        producer=PRODUCER,
        correlation_id=correlation_id,
        occurred_at=event.occurred_at,
    )


def create_service_account(
    *,
    repo: ServiceAccountRepository,
    provider: IdentityProvider,
    actor: str,
    name: str,
    scope: str,
    correlation_id: str | None = None,
    clock: Clock = _now,
) -> WithSecret:
    """A confidential client ``svc-<tenant>-<name>`` for an integration; its secret once."""
    name, chosen = domain.validate_request(name=name, scope=scope)
    if repo.find_by_name(name) is not None:
        raise StateConflict(f"a service account named {name} exists")
    client, secret = _provision(provider, repo.tenant_id, name, chosen)
    account, event = domain.create(
        service_account_id=str(uuid.uuid4()),
        tenant_id=repo.tenant_id,
        name=name,
        scope=chosen,
        client_id=client.client_id,
        client_uuid=client.id,
        actor=actor,
        now=clock(),
    )
    payload: dict[str, object] = {
        "service_account_id": event.service_account_id,
        "client_id": event.client_id,
        "name": event.name,
        "scope": event.scope,
        "roles": list(event.roles),
        "created_by": event.created_by,
    }
    stored = repo.add_account(
        account,
        [_pending(event, payload, tenant_id=repo.tenant_id, correlation_id=correlation_id)],
    )
    return WithSecret(stored, secret)


def _provision(
    provider: IdentityProvider, tenant_id: str, name: str, scope: domain.Scope
) -> tuple[ProviderClient, str]:
    try:
        return provider.create_service_client(
            tenant_id=tenant_id, name=name, scope=scope.code, roles=frozenset(scope.roles)
        )
    except ProviderConflict:
        leftover = next(
            (
                client
                for client in provider.service_clients_of_tenant(tenant_id)
                if client.client_id == f"svc-{tenant_id}-{name}" and client.scope == scope.code
            ),
            None,
        )
        if leftover is None:
            raise
        provider.set_client_enabled(leftover.id, True)
        return leftover, provider.rotate_client_secret(leftover.id)


def get_service_account(
    *, repo: ServiceAccountRepository, service_account_id: str
) -> domain.ServiceAccount:
    """The tenant's service account, or `NotFound` (also for another tenant's)."""
    account = repo.find_account(service_account_id)
    if account is None:
        raise NotFound(f"service account {service_account_id} not found")
    return account


def list_service_accounts(
    *, repo: ServiceAccountRepository, offset: int, limit: int
) -> Page[domain.ServiceAccount]:
    """One page of the tenant's service accounts ordered by name."""
    return repo.list_accounts(offset=offset, limit=limit)


def rotate_secret(
    *,
    repo: ServiceAccountRepository,
    provider: IdentityProvider,
    service_account_id: str,
    clock: Clock = _now,
) -> WithSecret:
    """A new secret (the old one stops working at once), shown once."""
    account = get_service_account(repo=repo, service_account_id=service_account_id)
    rotated = domain.secret_rotated(account, now=clock())
    secret = provider.rotate_client_secret(account.client_uuid)
    return WithSecret(repo.save_account(rotated), secret)


def disable_service_account(
    *,
    repo: ServiceAccountRepository,
    provider: IdentityProvider,
    actor: str,
    service_account_id: str,
    correlation_id: str | None = None,
    clock: Clock = _now,
) -> domain.ServiceAccount:
    """Stop the client from getting tokens; `service_account.disabled` (once)."""
    account = get_service_account(repo=repo, service_account_id=service_account_id)
    disabled, event = domain.disable(account, actor=actor, now=clock())
    provider.set_client_enabled(account.client_uuid, False)
    if event is None:
        return account
    payload: dict[str, object] = {
        "service_account_id": event.service_account_id,
        "client_id": event.client_id,
        "disabled_by": event.disabled_by,
    }
    return repo.save_account(
        disabled,
        [_pending(event, payload, tenant_id=repo.tenant_id, correlation_id=correlation_id)],
    )


def enable_service_account(
    *,
    repo: ServiceAccountRepository,
    provider: IdentityProvider,
    service_account_id: str,
    clock: Clock = _now,
) -> domain.ServiceAccount:
    """Let the client get tokens again (idempotent)."""
    account = get_service_account(repo=repo, service_account_id=service_account_id)
    enabled = domain.enable(account, now=clock())
    provider.set_client_enabled(account.client_uuid, True)
    return account if enabled is account else repo.save_account(enabled)
