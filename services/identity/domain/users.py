"""People of a tenant: the user directory entry, the tenant roles and what each role may do.

Credentials live only in Keycloak; the directory keeps who a person is to the tenant (Chinese
name, phone, roles, enabled) with `user_id` equal to the Keycloak user id. Roles a tenant admin
may grant are the tenant roles; platform and district roles are granted by the platform only.

A username is unique within its tenant only. The Keycloak account's username, the person's
*login name*, is ``<username>@<tenant code>`` (`login_name`), so two tenants may both have
``x`` and nothing a tenant admin does can tell whether another tenant has it. Accounts made
before login names were per tenant (the demo's ``admin.a``) keep their bare name as login.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar, TypeVar

from shared.auth.principal import Role
from shared.clock import require_aware
from shared.errors import FieldProblem, InvalidInput, StateConflict

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
DISPLAY_NAME_MAX = 64
EMAIL_MAX = 254

TENANT_ROLES: tuple[Role, ...] = (
    Role.TENANT_ADMIN,
    Role.CENTER_STAFF,
    Role.INSPECTOR,
    Role.GRID_LEADER,
    Role.GRID_WORKER,
    Role.GRID_INSTRUCTOR,
)
_TENANT_ROLE_VALUES = frozenset(role.value for role in TENANT_ROLES)
_ALL_ROLE_VALUES = frozenset(role.value for role in Role)


@dataclass(frozen=True, slots=True)
class Capability:
    """Something a role lets a person do, with the label shown to users."""

    code: str
    label: str


@dataclass(frozen=True, slots=True)
class RoleInfo:
    """One row of the "who can do what" matrix."""

    role: Role
    label: str
    description: str
    capabilities: tuple[Capability, ...]
    tenant_grantable: bool


_CAP = {
    "users.manage": "管理人员与角色 / manage people and roles",
    "roster.import": "导入网格员花名册 / import the grid roster",
    "scheme.configure": "配置考核方案与奖惩规则 / configure assessment schemes and rewards",
    "registry.edit": "维护村社区、网格与重点对象 / maintain divisions, grids and key subjects",
    "registry.read": "查看网格与基础信息 / read grids and base information",
    "events.dispatch": "派单与督办 / dispatch and supervise tasks",
    "events.review": "审核事项与质量评查 / review events and their quality",
    "events.report": "上报事项 / report events",
    "events.handle": "办理本网格事项 / handle the grid's own events",
    "inspections.run": "日常巡查与暗访抽查 / daily inspections and spot checks",
    "patrol.record": "巡查走访（GPS 轨迹） / patrol with GPS tracking",
    "visits.record": "走访重点人员与场所 / visit key persons and places",
    "baseinfo.collect": "采集基础信息 / collect base information",
    "logs.write": "填写民情日志与服务记录 / write work logs and service records",
    "team.supervise": "督导本网格团队 / supervise the grid team",
    "results.publish": "发布考核结果与通报 / publish results and bulletins",
    "results.read_own": "查看本人考核结果 / read one's own results",
    "results.read_tenant": "查看本镇（街道）考核结果 / read the tenant's results",
    "results.read_district": "查看全区各镇对比 / compare the district's tenants",
    "tenants.onboard": "开通与停用租户 / onboard and suspend tenants",
}


def _caps(*codes: str) -> tuple[Capability, ...]:
    return tuple(Capability(code, _CAP[code]) for code in codes)


ROLE_MATRIX: tuple[RoleInfo, ...] = (
    RoleInfo(
        Role.PLATFORM_ADMIN,
        "平台管理员 / platform admin",
        "运维平台，开通租户 / runs the platform and onboards tenants",
        _caps("tenants.onboard", "results.read_district"),
        tenant_grantable=False,
    ),
    RoleInfo(
        Role.DISTRICT_OVERSEER,
        "区级督查 / district overseer",
        "跨镇（街道）对比考核结果，只读 / compares the district's tenants, read only",
        _caps("results.read_district"),
        tenant_grantable=False,
    ),
    RoleInfo(
        Role.TENANT_ADMIN,
        "管理员 / tenant admin",
        "网格化服务管理中心管理员 / administrator of the tenant's grid centre",
        _caps(
            "users.manage",
            "roster.import",
            "scheme.configure",
            "registry.edit",
            "registry.read",
            "results.publish",
            "results.read_tenant",
        ),
        tenant_grantable=True,
    ),
    RoleInfo(
        Role.CENTER_STAFF,
        "中心工作人员 / centre staff",
        "派单、审核与发布 / dispatches, reviews and publishes",
        _caps(
            "registry.edit",
            "registry.read",
            "events.dispatch",
            "events.review",
            "results.publish",
            "results.read_tenant",
        ),
        tenant_grantable=True,
    ),
    RoleInfo(
        Role.INSPECTOR,
        "巡查员 / inspector",
        "日常巡查与暗访抽查网格 / inspects grids daily and by spot check",
        _caps("registry.read", "inspections.run", "results.read_tenant"),
        tenant_grantable=True,
    ),
    RoleInfo(
        Role.GRID_LEADER,
        "网格长 / grid leader",
        "村（社区）干部，负责本网格 / village cadre responsible for the grid",
        _caps("registry.read", "events.handle", "team.supervise", "results.read_own"),
        tenant_grantable=True,
    ),
    RoleInfo(
        Role.GRID_WORKER,
        "专职网格员 / grid worker",
        "巡查走访、上报事项、采集信息 / patrols, reports events, collects information",
        _caps(
            "registry.read",
            "patrol.record",
            "visits.record",
            "events.report",
            "events.handle",
            "baseinfo.collect",
            "logs.write",
            "results.read_own",
        ),
        tenant_grantable=True,
    ),
    RoleInfo(
        Role.GRID_INSTRUCTOR,
        "网格指导员 / grid instructor",
        "镇（街道）干部，指导网格工作 / township staff guiding the grid",
        _caps("registry.read", "team.supervise", "events.review", "results.read_tenant"),
        tenant_grantable=True,
    ),
)

ROLE_LABELS: dict[str, str] = {
    "管理员": Role.TENANT_ADMIN.value,
    "中心工作人员": Role.CENTER_STAFF.value,
    "巡查员": Role.INSPECTOR.value,
    "网格长": Role.GRID_LEADER.value,
    "专职网格员": Role.GRID_WORKER.value,
    "网格员": Role.GRID_WORKER.value,
    "网格指导员": Role.GRID_INSTRUCTOR.value,
}
"""Chinese role labels as they appear in rosters -> the role (several labels may share one)."""


def role_info(role: str) -> RoleInfo | None:
    """The matrix row of ``role``, or None when it is not a GridGov role."""
    return next((info for info in ROLE_MATRIX if info.role.value == role), None)


# -- events -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserEvent:
    """Something happened to a person; ids, roles and flags only, never personal data."""

    user_id: str
    username: str
    roles: tuple[str, ...]
    enabled: bool
    actor: str
    occurred_at: datetime

    type: ClassVar[str] = ""
    version: ClassVar[int] = 1

    @property
    def aggregate_id(self) -> str:
        return self.user_id

    def payload(self) -> dict[str, object]:
        """The contract payload (shared.events.contracts.identity_users)."""
        return {
            "user_id": self.user_id,
            "username": self.username,
            "roles": list(self.roles),
            "enabled": self.enabled,
            "actor": self.actor,
        }


@dataclass(frozen=True)
class UserInvited(UserEvent):
    type: ClassVar[str] = "user.invited"


@dataclass(frozen=True)
class UserUpdated(UserEvent):
    type: ClassVar[str] = "user.updated"


@dataclass(frozen=True)
class UserRolesChanged(UserEvent):
    type: ClassVar[str] = "user.roles_changed"


@dataclass(frozen=True)
class UserDisabled(UserEvent):
    type: ClassVar[str] = "user.disabled"


@dataclass(frozen=True)
class UserEnabled(UserEvent):
    type: ClassVar[str] = "user.enabled"


E = TypeVar("E", bound=UserEvent)


# -- the entity -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class User:
    """A person in the tenant's directory; ``user_id`` is the Keycloak user id.

    ``username`` is unique in the tenant; ``login`` is what the person types at Keycloak's
    login page (the account's Keycloak username, see `login_name`). ``phone`` is None only for
    people adopted from Keycloak by the reconciler (Keycloak does not know phones);
    ``revision`` is the stored revision this snapshot was read at.
    """

    user_id: str
    tenant_id: str
    username: str
    login: str
    display_name: str
    email: str | None
    phone: str | None
    roles: tuple[str, ...]
    enabled: bool
    invited_at: datetime
    invited_by: str
    updated_at: datetime
    updated_by: str
    last_synced_at: datetime | None = None
    revision: int = 0


@dataclass(frozen=True, slots=True)
class Profile:
    """The validated personal fields of a person (what a tenant admin types or imports)."""

    display_name: str
    email: str | None
    phone: str | None


# -- validation -------------------------------------------------------------------------------


def normalize_username(username: str) -> str:
    """Keycloak stores usernames in lower case; compare and store them that way."""
    return username.strip().lower()


def login_name(username: str, tenant_id: str) -> str:
    """The login name (Keycloak username) of the tenant's person ``username``: ``x@town``.

    Usernames never contain '@' (`USERNAME_PATTERN`), so distinct (tenant, username) pairs
    have distinct login names and none equals a bare name from before login names.
    """
    return f"{normalize_username(username)}@{tenant_id.lower()}"


def username_of(login: str, tenant_id: str) -> str:
    """The directory username of the tenant's account ``login`` (`login_name` reversed; an
    account from before login names, e.g. ``admin.a``, keeps its whole name)."""
    return normalize_username(login).removesuffix(f"@{tenant_id.lower()}")


def username_problem(username: str) -> str | None:
    if not USERNAME_PATTERN.match(username):
        return "3-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"
    return None


def display_name_problem(display_name: str) -> str | None:
    if not display_name or len(display_name) > DISPLAY_NAME_MAX:
        return f"must be 1-{DISPLAY_NAME_MAX} characters"
    return None


def phone_problem(phone: str) -> str | None:
    if not PHONE_PATTERN.match(phone):
        return "must be a mainland mobile number: 11 digits starting with 13-19"
    return None


def email_problem(email: str) -> str | None:
    if len(email) > EMAIL_MAX or not EMAIL_PATTERN.match(email):
        return "must be an email address like name@example.cn"
    return None


def roles_problem(roles: Iterable[str]) -> str | None:
    wanted = set(roles)
    if not wanted:
        return "at least one role is required"
    unknown = wanted - _ALL_ROLE_VALUES
    if unknown:
        return f"unknown role(s): {', '.join(sorted(unknown))}"
    reserved = wanted - _TENANT_ROLE_VALUES
    if reserved:
        return f"a tenant admin cannot grant: {', '.join(sorted(reserved))}"
    return None


def canonical_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """Roles as stored and compared: distinct, in matrix order."""
    wanted = set(roles)
    return tuple(role.value for role in Role if role.value in wanted)


def tenant_roles_of(roles: Iterable[str]) -> tuple[str, ...]:
    """Only the tenant roles of ``roles`` (what a directory entry may hold), canonical."""
    return canonical_roles(role for role in roles if role in _TENANT_ROLE_VALUES)


def _clean_optional(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def validate_profile(
    *, display_name: str, email: str | None, phone: str | None, phone_required: bool = True
) -> Profile:
    """Trimmed and checked personal fields; every problem at once as ``InvalidInput``."""
    display_name = display_name.strip()
    email = _clean_optional(email)
    email = email.lower() if email else None
    phone = _clean_optional(phone)
    problems: list[FieldProblem] = []
    if (reason := display_name_problem(display_name)) is not None:
        problems.append(FieldProblem("display_name", reason))
    if email is not None and (reason := email_problem(email)) is not None:
        problems.append(FieldProblem("email", reason))
    if phone is None:
        if phone_required:
            problems.append(FieldProblem("phone", "required"))
    elif (reason := phone_problem(phone)) is not None:
        problems.append(FieldProblem("phone", reason))
    if problems:
        raise InvalidInput(problems)
    return Profile(display_name=display_name, email=email, phone=phone)


def validate_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """Canonical tenant roles; ``InvalidInput`` on ``roles`` for unknown or reserved ones."""
    roles = list(roles)
    if (reason := roles_problem(roles)) is not None:
        raise InvalidInput.of("roles", reason)
    return canonical_roles(roles)


def validate_new_user(
    *,
    username: str,
    display_name: str,
    email: str | None,
    phone: str | None,
    roles: Iterable[str],
    phone_required: bool = False,
) -> tuple[str, Profile, tuple[str, ...]]:
    """Username, profile and roles of a person to invite; every problem at once.

    A phone is optional (a tenant's first admin may be onboarded without one) but checked
    when given; rosters of grid workers require it.
    """
    username = normalize_username(username)
    problems: list[FieldProblem] = []
    if (reason := username_problem(username)) is not None:
        problems.append(FieldProblem("username", reason))
    profile: Profile | None = None
    try:
        profile = validate_profile(
            display_name=display_name, email=email, phone=phone, phone_required=phone_required
        )
    except InvalidInput as exc:
        problems.extend(exc.problems)
    canonical: tuple[str, ...] = ()
    try:
        canonical = validate_roles(roles)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    if problems or profile is None:
        raise InvalidInput(problems)
    return username, profile, canonical


# -- behaviour --------------------------------------------------------------------------------


def invite(
    *,
    user_id: str,
    tenant_id: str,
    username: str,
    login: str,
    profile: Profile,
    roles: tuple[str, ...],
    actor: str,
    now: datetime,
) -> tuple[User, UserInvited]:
    """A new directory entry for a person whose Keycloak account ``login`` exists (validated
    inputs)."""
    require_aware(now)
    user = User(
        user_id=user_id,
        tenant_id=tenant_id,
        username=username,
        login=login,
        display_name=profile.display_name,
        email=profile.email,
        phone=profile.phone,
        roles=roles,
        enabled=True,
        invited_at=now,
        invited_by=actor,
        updated_at=now,
        updated_by=actor,
        last_synced_at=now,
    )
    event = _record(UserInvited, user, actor, now)
    return user, event


def adopt(
    *,
    user_id: str,
    tenant_id: str,
    login: str,
    display_name: str,
    email: str | None,
    roles: Iterable[str],
    enabled: bool,
    actor: str,
    now: datetime,
) -> tuple[User, UserInvited]:
    """A directory entry for the tenant's Keycloak account ``login`` the directory lacked
    (reconciler); its username is the login name without the tenant (`username_of`)."""
    require_aware(now)
    username = username_of(login, tenant_id)
    user = User(
        user_id=user_id,
        tenant_id=tenant_id,
        username=username,
        login=normalize_username(login),
        # Keycloak may hold no name at all; the username is the best stand-in then.
        display_name=(display_name.strip() or username)[:DISPLAY_NAME_MAX],
        email=_clean_optional(email),
        phone=None,
        roles=tenant_roles_of(roles),
        enabled=enabled,
        invited_at=now,
        invited_by=actor,
        updated_at=now,
        updated_by=actor,
        last_synced_at=now,
    )
    event = _record(UserInvited, user, actor, now)
    return user, event


def update_profile(
    user: User, profile: Profile, *, actor: str, now: datetime
) -> tuple[User, UserUpdated | None]:
    """The user with new personal fields; no event when nothing changed."""
    require_aware(now)
    if (user.display_name, user.email, user.phone) == (
        profile.display_name,
        profile.email,
        profile.phone,
    ):
        return user, None
    changed = replace(
        user,
        display_name=profile.display_name,
        email=profile.email,
        phone=profile.phone,
        updated_at=now,
        updated_by=actor,
    )
    event = _record(UserUpdated, changed, actor, now)
    return changed, event


def change_roles(
    user: User, roles: tuple[str, ...], *, actor: str, now: datetime
) -> tuple[User, UserRolesChanged | None]:
    """The user with exactly ``roles`` (validated, canonical); no event when unchanged.

    A tenant admin cannot take the tenant-admin role away from themself: the tenant would be
    one step from having no administrator, and only the platform could repair that.
    """
    require_aware(now)
    if roles == user.roles:
        return user, None
    if user.user_id == actor and Role.TENANT_ADMIN.value not in roles:
        raise StateConflict("you cannot remove your own tenant-admin role")
    changed = replace(user, roles=roles, updated_at=now, updated_by=actor)
    event = _record(UserRolesChanged, changed, actor, now)
    return changed, event


def disable(user: User, *, actor: str, now: datetime) -> tuple[User, UserDisabled]:
    """The user, disabled; ``StateConflict`` when already disabled or disabling oneself."""
    require_aware(now)
    if not user.enabled:
        raise StateConflict(f"user {user.username} is already disabled")
    if user.user_id == actor:
        raise StateConflict("you cannot disable your own account")
    changed = replace(user, enabled=False, updated_at=now, updated_by=actor)
    event = _record(UserDisabled, changed, actor, now)
    return changed, event


def enable(user: User, *, actor: str, now: datetime) -> tuple[User, UserEnabled]:
    """The user, enabled again; ``StateConflict`` when already enabled."""
    require_aware(now)
    if user.enabled:
        raise StateConflict(f"user {user.username} is already enabled")
    changed = replace(user, enabled=True, updated_at=now, updated_by=actor)
    event = _record(UserEnabled, changed, actor, now)
    return changed, event


def _record(kind: type[E], user: User, actor: str, now: datetime) -> E:
    return kind(
        user_id=user.user_id,
        username=user.username,
        roles=user.roles,
        enabled=user.enabled,
        actor=actor,
        occurred_at=now,
    )
