"""The service-account repository of one tenant."""

from __future__ import annotations

from collections.abc import Sequence

from services.identity.documents.service_accounts import ServiceAccountDocument
from services.identity.domain.service_accounts import ServiceAccount
from shared.errors import NotFound
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository


class ServiceAccountRepository(TenantRepository[ServiceAccountDocument]):
    document = ServiceAccountDocument

    def add_account(self, account: ServiceAccount, events: Sequence[DomainEvent]) -> ServiceAccount:
        """Store a new service account with its events; `Conflict` on a duplicate name."""
        doc = ServiceAccountDocument(
            service_account_id=account.service_account_id, tenant_id=self.tenant_id
        )
        _fill(doc, account)
        self.add(doc, events)
        return _to_domain(doc)

    def save_account(
        self, account: ServiceAccount, events: Sequence[DomainEvent] = ()
    ) -> ServiceAccount:
        """Write back an account read at ``account.revision``; `ConcurrentUpdate` if it moved."""
        doc = self.get(account.service_account_id)
        if doc is None:
            raise NotFound(f"service account {account.service_account_id} not found")
        doc.revision = account.revision
        _fill(doc, account)
        self.save(doc, events)
        return _to_domain(doc)

    def find_account(self, service_account_id: str) -> ServiceAccount | None:
        doc = self.get(service_account_id)
        return None if doc is None else _to_domain(doc)

    def find_by_name(self, name: str) -> ServiceAccount | None:
        doc = self._query(name=name).first()
        return None if doc is None else _to_domain(doc)

    def list_accounts(self, *, offset: int, limit: int) -> Page[ServiceAccount]:
        return self.list(offset=offset, limit=limit, order_by=("name",)).map(_to_domain)


def _fill(doc: ServiceAccountDocument, account: ServiceAccount) -> None:
    doc.name = account.name
    doc.scope = account.scope
    doc.roles = list(account.roles)
    doc.client_id = account.client_id
    doc.client_uuid = account.client_uuid
    doc.enabled = account.enabled
    doc.created_at = account.created_at
    doc.created_by = account.created_by
    doc.updated_at = account.updated_at
    doc.secret_rotated_at = account.secret_rotated_at


def _to_domain(doc: ServiceAccountDocument) -> ServiceAccount:
    return ServiceAccount(
        service_account_id=doc.service_account_id,
        tenant_id=doc.tenant_id,
        name=doc.name,
        scope=doc.scope,
        roles=tuple(doc.roles),
        client_id=doc.client_id,
        client_uuid=doc.client_uuid,
        enabled=doc.enabled,
        created_at=doc.created_at,
        created_by=doc.created_by,
        updated_at=doc.updated_at,
        secret_rotated_at=doc.secret_rotated_at,
        revision=doc.revision,
    )
