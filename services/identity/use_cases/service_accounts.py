"""Service-account use cases: create, list, rotate the secret, disable, enable.

Keycloak first, then the directory with the event in its outbox. A client left in Keycloak by
an interrupted create is adopted (with a fresh secret) when the create is repeated, so a retry
converges instead of failing on the name forever.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.identity.domain import service_accounts as domain
from services.identity.domain.ports import IdentityProvider, ProviderClient, ProviderConflict
from services.identity.use_cases.context import IdentityContext
from shared.errors import NotFound, StateConflict
from shared.mongo import Page


@dataclass(frozen=True)
class WithSecret:
    """A service account and its client secret, shown once."""

    account: domain.ServiceAccount
    client_secret: str


def create_service_account(
    ctx: IdentityContext, *, provider: IdentityProvider, name: str, scope: str
) -> WithSecret:
    """A confidential client ``svc-<tenant>-<name>`` for an integration; its secret once."""
    name, chosen = domain.validate_request(name=name, scope=scope)
    if ctx.service_accounts.find_by_name(name) is not None:
        raise StateConflict(f"a service account named {name} exists")
    client, secret = _provision(provider, ctx.tenant_id, name, chosen)
    account, event = domain.create(
        service_account_id=str(uuid.uuid4()),
        tenant_id=ctx.tenant_id,
        name=name,
        scope=chosen,
        client_id=client.client_id,
        client_uuid=client.id,
        actor=ctx.actor,
        now=ctx.now(),
    )
    return WithSecret(ctx.service_accounts.add_account(account, [event]), secret)


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


def get_service_account(ctx: IdentityContext, *, service_account_id: str) -> domain.ServiceAccount:
    """The tenant's service account, or `NotFound` (also for another tenant's)."""
    account = ctx.service_accounts.find_account(service_account_id)
    if account is None:
        raise NotFound(f"service account {service_account_id} not found")
    return account


def list_service_accounts(
    ctx: IdentityContext, *, offset: int, limit: int
) -> Page[domain.ServiceAccount]:
    """One page of the tenant's service accounts ordered by name."""
    return ctx.service_accounts.list_accounts(offset=offset, limit=limit)


def rotate_secret(
    ctx: IdentityContext, *, provider: IdentityProvider, service_account_id: str
) -> WithSecret:
    """A new secret (the old one stops working at once), shown once."""
    account = get_service_account(ctx, service_account_id=service_account_id)
    rotated = domain.secret_rotated(account, now=ctx.now())
    secret = provider.rotate_client_secret(account.client_uuid)
    return WithSecret(ctx.service_accounts.save_account(rotated), secret)


def disable_service_account(
    ctx: IdentityContext, *, provider: IdentityProvider, service_account_id: str
) -> domain.ServiceAccount:
    """Stop the client from getting tokens; `service_account.disabled` (once)."""
    account = get_service_account(ctx, service_account_id=service_account_id)
    disabled, event = domain.disable(account, actor=ctx.actor, now=ctx.now())
    provider.set_client_enabled(account.client_uuid, False)
    if event is None:
        return account
    return ctx.service_accounts.save_account(disabled, [event])


def enable_service_account(
    ctx: IdentityContext, *, provider: IdentityProvider, service_account_id: str
) -> domain.ServiceAccount:
    """Let the client get tokens again (idempotent)."""
    account = get_service_account(ctx, service_account_id=service_account_id)
    enabled = domain.enable(account, now=ctx.now())
    provider.set_client_enabled(account.client_uuid, True)
    return account if enabled is account else ctx.service_accounts.save_account(enabled)
