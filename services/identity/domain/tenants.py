"""Tenants: townships (镇), street offices (街道) and parks (园区), and their lifecycle.

A tenant's id is its code. Onboarding is a sequence of idempotent steps (record, Keycloak
organization, first tenant admin, activation); the tenant remembers which step failed last so a
retry completes it instead of starting over. Offboarding disables logins and keeps every record.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput, StateConflict

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,39}$")
CALENDAR_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
NAME_MAX = 64
REASON_MAX = 500
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_CALENDAR = "cn-public-holidays"


class TenantKind(StrEnum):
    """镇 / 街道 / 园区."""

    TOWNSHIP = "township"
    STREET = "street"
    PARK = "park"


class TenantStatus(StrEnum):
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    OFFBOARDED = "offboarded"


class OnboardingStep(StrEnum):
    """The onboarding steps in order; each can be repeated without duplicating anything."""

    ORGANIZATION = "organization"
    ADMIN = "admin"
    ACTIVATION = "activation"


@dataclass(frozen=True)
class TenantAdmin:
    """The first tenant admin asked for at onboarding (personal data: never in events)."""

    username: str
    display_name: str
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    name: str
    kind: TenantKind
    district_id: str
    timezone: str
    calendar: str
    scheme_template: str
    status: TenantStatus
    admin: TenantAdmin
    created_at: datetime
    created_by: str
    updated_at: datetime
    organization_id: str | None = None
    admin_user_id: str | None = None
    failed_step: OnboardingStep | None = None
    onboarded_at: datetime | None = None
    offboarded_at: datetime | None = None
    offboard_reason: str | None = None
    revision: int = 0

    @property
    def code(self) -> str:
        return self.tenant_id


@dataclass(frozen=True)
class TenantOnboarded:
    """A tenant finished onboarding (v2: kind, timezone, calendar and scheme template)."""

    code: str
    name: str
    kind: TenantKind
    district_id: str
    timezone: str
    calendar: str
    scheme_template: str
    onboarded_by: str
    occurred_at: datetime

    type: ClassVar[str] = "tenant.onboarded"
    version: ClassVar[int] = 2

    @property
    def aggregate_id(self) -> str:
        return self.code

    def payload(self) -> dict[str, Any]:
        """The `tenant.onboarded` v2 payload."""
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind.value,
            "district_id": self.district_id,
            "timezone": self.timezone,
            "calendar": self.calendar,
            "scheme_template": self.scheme_template,
            "onboarded_by": self.onboarded_by,
        }


@dataclass(frozen=True)
class TenantOffboarded:
    """A tenant was offboarded: logins disabled, records kept."""

    code: str
    district_id: str
    reason: str
    offboarded_by: str
    occurred_at: datetime

    type: ClassVar[str] = "tenant.offboarded"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.code

    def payload(self) -> dict[str, Any]:
        """The `tenant.offboarded` v1 payload."""
        return {
            "code": self.code,
            "district_id": self.district_id,
            "reason": self.reason,
            "offboarded_by": self.offboarded_by,
        }


@dataclass(frozen=True)
class TenantReactivated:
    """An offboarded tenant was reactivated: logins enabled again."""

    code: str
    district_id: str
    reactivated_by: str
    occurred_at: datetime

    type: ClassVar[str] = "tenant.reactivated"
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.code

    def payload(self) -> dict[str, Any]:
        """The `tenant.reactivated` v1 payload."""
        return {
            "code": self.code,
            "district_id": self.district_id,
            "reactivated_by": self.reactivated_by,
        }


def _valid_timezone(name: str) -> bool:
    if not name or name != name.strip() or ("/" not in name and name != "UTC"):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def start_onboarding(
    *,
    code: str,
    name: str,
    kind: str,
    district_id: str,
    timezone: str | None,
    calendar: str | None,
    scheme_template: str,
    admin: TenantAdmin,
    scheme_templates: Collection[str],
    actor: str,
    now: datetime,
) -> Tenant:
    """A new tenant in status ``onboarding``; ``InvalidInput`` naming every bad field.

    ``scheme_templates`` are the ids a tenant may start from (the caller knows the catalogue);
    whether ``district_id`` exists is the caller's check too.
    """
    now = require_aware(now)
    code, name = code.strip(), name.strip()
    timezone = (timezone or DEFAULT_TIMEZONE).strip()
    calendar = (calendar or DEFAULT_CALENDAR).strip()
    problems: list[FieldProblem] = []
    if not CODE_PATTERN.match(code):
        problems.append(FieldProblem("code", "3-40 lower-case letters, digits or '-'"))
    if not name or len(name) > NAME_MAX:
        problems.append(FieldProblem("name", f"must be 1-{NAME_MAX} characters"))
    if kind not in {k.value for k in TenantKind}:
        problems.append(FieldProblem("kind", "must be one of: township, street, park"))
    if not _valid_timezone(timezone):
        problems.append(FieldProblem("timezone", "must be an IANA time zone like Asia/Shanghai"))
    if not CALENDAR_PATTERN.match(calendar):
        problems.append(FieldProblem("calendar", "3-64 lower-case letters, digits or '-'"))
    if scheme_template not in scheme_templates:
        problems.append(
            FieldProblem(
                "scheme_template", f"must be one of: {', '.join(sorted(scheme_templates))}"
            )
        )
    if problems:
        raise InvalidInput(problems)
    return Tenant(
        tenant_id=code,
        name=name,
        kind=TenantKind(kind),
        district_id=district_id,
        timezone=timezone,
        calendar=calendar,
        scheme_template=scheme_template,
        status=TenantStatus.ONBOARDING,
        admin=admin,
        created_at=now,
        created_by=actor,
        updated_at=now,
    )


def _require_onboarding(tenant: Tenant) -> None:
    if tenant.status is not TenantStatus.ONBOARDING:
        raise StateConflict(f"tenant {tenant.tenant_id} is {tenant.status.value}, not onboarding")


def organization_ready(tenant: Tenant, organization_id: str, *, now: datetime) -> Tenant:
    """Step 1 done: the tenant's Keycloak organization exists."""
    _require_onboarding(tenant)
    return replace(
        tenant, organization_id=organization_id, failed_step=None, updated_at=require_aware(now)
    )


def admin_ready(tenant: Tenant, admin_user_id: str, *, now: datetime) -> Tenant:
    """Step 2 done: the first tenant admin exists in Keycloak and the directory."""
    _require_onboarding(tenant)
    if tenant.organization_id is None:
        raise StateConflict("the organization must exist before the admin")
    return replace(
        tenant, admin_user_id=admin_user_id, failed_step=None, updated_at=require_aware(now)
    )


def step_failed(tenant: Tenant, step: OnboardingStep, *, now: datetime) -> Tenant:
    """Remember which step failed, for the operator and the retry."""
    _require_onboarding(tenant)
    return replace(tenant, failed_step=step, updated_at=require_aware(now))


def activate(tenant: Tenant, *, actor: str, now: datetime) -> tuple[Tenant, TenantOnboarded]:
    """Last step: the tenant is active; records `TenantOnboarded`."""
    _require_onboarding(tenant)
    if tenant.organization_id is None or tenant.admin_user_id is None:
        raise StateConflict("the organization and the admin must exist before activation")
    now = require_aware(now)
    active = replace(
        tenant, status=TenantStatus.ACTIVE, failed_step=None, onboarded_at=now, updated_at=now
    )
    event = TenantOnboarded(
        code=tenant.tenant_id,
        name=tenant.name,
        kind=tenant.kind,
        district_id=tenant.district_id,
        timezone=tenant.timezone,
        calendar=tenant.calendar,
        scheme_template=tenant.scheme_template,
        onboarded_by=actor,
        occurred_at=now,
    )
    return active, event


def offboard(
    tenant: Tenant, *, reason: str, actor: str, now: datetime
) -> tuple[Tenant, TenantOffboarded]:
    """An active tenant stops: logins are to be disabled, every record kept."""
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise InvalidInput.of("reason", f"must be 1-{REASON_MAX} characters")
    if tenant.status is not TenantStatus.ACTIVE:
        raise StateConflict(f"tenant {tenant.tenant_id} is {tenant.status.value}, not active")
    now = require_aware(now)
    stopped = replace(
        tenant,
        status=TenantStatus.OFFBOARDED,
        offboarded_at=now,
        offboard_reason=reason,
        updated_at=now,
    )
    event = TenantOffboarded(
        code=tenant.tenant_id,
        district_id=tenant.district_id,
        reason=reason,
        offboarded_by=actor,
        occurred_at=now,
    )
    return stopped, event


def reactivate(tenant: Tenant, *, actor: str, now: datetime) -> tuple[Tenant, TenantReactivated]:
    """An offboarded tenant is active again."""
    if tenant.status is not TenantStatus.OFFBOARDED:
        raise StateConflict(f"tenant {tenant.tenant_id} is {tenant.status.value}, not offboarded")
    now = require_aware(now)
    active = replace(
        tenant,
        status=TenantStatus.ACTIVE,
        offboarded_at=None,
        offboard_reason=None,
        updated_at=now,
    )
    event = TenantReactivated(
        code=tenant.tenant_id,
        district_id=tenant.district_id,
        reactivated_by=actor,
        occurred_at=now,
    )
    return active, event


def visible_to(
    tenant: Tenant, *, roles: Collection[str], tenant_id: str | None, district_id: str | None
) -> bool:
    """Whether a caller with these roles and token claims may see ``tenant``."""
    if "platform-admin" in roles:
        return True
    if "district-overseer" in roles and district_id and tenant.district_id == district_id:
        return True
    return tenant_id is not None and tenant.tenant_id == tenant_id
