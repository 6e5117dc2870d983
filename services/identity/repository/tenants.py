"""Tenant repositories: one tenant's own record, and the cross-tenant catalogue.

`TenantRecordRepository` is bound to one tenant like every repository. `TenantCatalog` lists
many tenants' records for platform admins and district overseers: it is the one read in
identity that crosses tenants, marked with `cross_tenant_comment` so the tenant guard (and a
grep) sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from services.identity.documents.tenants import TenantRecordDocument
from services.identity.domain.tenants import Tenant, TenantAdmin
from shared.errors import NotFound
from shared.events.domain import DomainEvent
from shared.mongo import Page, TenantRepository
from shared.mongo.guard import cross_tenant_comment

_CATALOGUE = cross_tenant_comment("tenant-catalogue")


class TenantRecordRepository(TenantRepository[TenantRecordDocument]):
    """The record of the tenant the repository is bound to (``tenant_id`` = its code)."""

    document = TenantRecordDocument

    def add_tenant(self, tenant: Tenant, events: Sequence[DomainEvent] = ()) -> Tenant:
        """Store the new tenant; `Conflict` when the code exists."""
        doc = TenantRecordDocument(code=tenant.tenant_id, tenant_id=self.tenant_id)
        _fill(doc, tenant)
        self.add(doc, events)
        return _to_domain(doc)

    def save_tenant(self, tenant: Tenant, events: Sequence[DomainEvent] = ()) -> Tenant:
        """Write back a tenant read at ``tenant.revision``; `ConcurrentUpdate` if it moved."""
        doc = self.get(tenant.tenant_id)
        if doc is None:
            raise NotFound(f"tenant {tenant.tenant_id} not found")
        doc.revision = tenant.revision
        _fill(doc, tenant)
        self.save(doc, events)
        return _to_domain(doc)

    def find_tenant(self) -> Tenant | None:
        doc = self.get(self.tenant_id)
        return None if doc is None else _to_domain(doc)


class TenantCatalog:
    """Read-only listing of tenants across tenants (platform and district views)."""

    def list_tenants(
        self, *, offset: int, limit: int, district_id: str | None = None
    ) -> Page[Tenant]:
        """One page of tenants ordered by code, optionally of one district."""
        query: dict[str, Any] = {} if district_id is None else {"district_id": district_id}
        collection = TenantRecordDocument._get_collection()
        total = collection.count_documents(query, comment=_CATALOGUE)
        cursor = collection.find(query, comment=_CATALOGUE).sort("_id", 1).skip(offset).limit(limit)
        items = [_to_domain(TenantRecordDocument._from_son(son)) for son in cursor]
        return Page(items=items, total=total, offset=offset, limit=limit)


def _fill(doc: TenantRecordDocument, tenant: Tenant) -> None:
    doc.name = tenant.name
    doc.kind = tenant.kind
    doc.district_id = tenant.district_id
    doc.timezone = tenant.timezone
    doc.calendar = tenant.calendar
    doc.scheme_template = tenant.scheme_template
    doc.status = tenant.status
    doc.admin_username = tenant.admin.username
    doc.admin_display_name = tenant.admin.display_name
    doc.admin_email = tenant.admin.email
    doc.admin_phone = tenant.admin.phone
    doc.organization_id = tenant.organization_id
    doc.admin_user_id = tenant.admin_user_id
    doc.failed_step = tenant.failed_step
    doc.created_at = tenant.created_at
    doc.created_by = tenant.created_by
    doc.updated_at = tenant.updated_at
    doc.onboarded_at = tenant.onboarded_at
    doc.offboarded_at = tenant.offboarded_at
    doc.offboard_reason = tenant.offboard_reason


def _to_domain(doc: TenantRecordDocument) -> Tenant:
    created_at = doc.created_at.replace(tzinfo=doc.created_at.tzinfo or UTC)
    updated_at = doc.updated_at.replace(tzinfo=doc.updated_at.tzinfo or UTC)
    return Tenant(
        tenant_id=doc.code,
        name=doc.name,
        kind=doc.kind,
        district_id=doc.district_id,
        timezone=doc.timezone,
        calendar=doc.calendar,
        scheme_template=doc.scheme_template,
        status=doc.status,
        admin=TenantAdmin(
            username=doc.admin_username,
            display_name=doc.admin_display_name,
            email=doc.admin_email,
            phone=doc.admin_phone,
        ),
        created_at=created_at,
        created_by=doc.created_by,
        updated_at=updated_at,
        organization_id=doc.organization_id,
        admin_user_id=doc.admin_user_id,
        failed_step=doc.failed_step,
        onboarded_at=doc.onboarded_at,
        offboarded_at=doc.offboarded_at,
        offboard_reason=doc.offboard_reason,
        revision=doc.revision,
    )
