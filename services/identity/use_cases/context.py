"""identity's two request contexts: one tenant's, and the platform's above the tenants.

Most of identity acts inside one tenant (its people, its service accounts): `IdentityContext`
is the platform's `RequestContext` with identity's repositories, all bound to that tenant and
recording events as identity with the request's correlation id.

Platform admins and district overseers carry no tenant in their token, and what they do is
about the tenants themselves: register districts, onboard, offboard and reactivate a tenant,
reconcile one, read the tenant catalogue. `PlatformContext` is their request: who acts, with
which roles and claims, the correlation id and the clock, plus the two stores that are not
tenant data (districts, the cross-tenant catalogue). It binds no tenant; a use case that
acts on one (the tenant being onboarded is the aggregate, and its events go to its own
outbox) asks `for_tenant(code)` for the same caller's `IdentityContext` of that tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import ClassVar

from services.identity.repository.districts import DistrictRepository
from services.identity.repository.service_accounts import ServiceAccountRepository
from services.identity.repository.tenants import TenantCatalog, TenantRecordRepository
from services.identity.repository.users import UserRepository
from services.identity.use_cases import PRODUCER
from shared.context import Clock, RequestContext, utc_now


@dataclass(frozen=True)
class IdentityContext(RequestContext):
    """One request (or one command-line run) inside one tenant, with its repositories."""

    producer: ClassVar[str] = PRODUCER

    @cached_property
    def users(self) -> UserRepository:
        return UserRepository(self.tenant_id, self.origin)

    @cached_property
    def service_accounts(self) -> ServiceAccountRepository:
        return ServiceAccountRepository(self.tenant_id, self.origin)

    @cached_property
    def tenant_record(self) -> TenantRecordRepository:
        return TenantRecordRepository(self.tenant_id, self.origin)


@dataclass(frozen=True)
class PlatformContext:
    """A request bound to no tenant (see the module docstring).

    ``own_tenant_id`` and ``district_id`` are the caller's token claims: the tenant of a tenant
    user reading the catalogue, the district of a district overseer; None otherwise.
    """

    actor: str
    correlation_id: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    own_tenant_id: str | None = None
    district_id: str | None = None
    clock: Clock = utc_now

    def __post_init__(self) -> None:
        if not self.actor:
            raise ValueError("a platform context needs an actor")

    def now(self) -> datetime:
        """The context's clock, read once per call."""
        return self.clock()

    def for_tenant(self, tenant_id: str) -> IdentityContext:
        """The same caller, correlation id and clock, acting on ``tenant_id``."""
        return IdentityContext(
            tenant_id=tenant_id,
            actor=self.actor,
            correlation_id=self.correlation_id,
            roles=self.roles,
            clock=self.clock,
        )

    @cached_property
    def districts(self) -> DistrictRepository:
        return DistrictRepository()

    @cached_property
    def catalog(self) -> TenantCatalog:
        return TenantCatalog()
