"""Identity side of the demo: the district, the tenant records, the people and their logins.

The demo accounts come with the realm import (they must exist before any service starts, for
the tests), so identity meets them as accounts that are already in use: onboarding adopts the
tenant admin without touching its password, and the tenant admin invites the grid worker (an
invitation gives the existing account a temporary password, which only the demo has to undo:
its documented password stays `gridgov-demo-pass`, without a required action). Such accounts
keep their bare names as logins (``admin.a``), where identity would create ``admin.a@<code>``;
a copy of the demo has no realm import, so `ensure_accounts` makes its accounts the same way.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from enum import StrEnum

import requests
from keycloak import KeycloakAdmin, KeycloakError, KeycloakOpenIDConnection

from deploy.local.seed.api import IDENTITY, KEYCLOAK, PASSWORD, Api, left_as_is

DISTRICT = ("demo-district", "示范区 (demo district)")
IDENTITY_SECRET = os.environ.get("GRIDGOV_IDENTITY_CLIENT_SECRET", "gridgov-identity-local-secret")
UPDATE_PASSWORD = "UPDATE_PASSWORD"  # noqa: S105 - Keycloak's required-action name


@dataclass(frozen=True)
class Person:
    """A demo login as the tenant's directory should hold it."""

    username: str
    display_name: str
    phone: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class DemoTenant:
    """A demo tenant: its record and its people, the first one being the tenant admin."""

    code: str
    name: str
    kind: str
    scheme_template: str
    people: tuple[Person, ...]

    @property
    def admin(self) -> Person:
        return self.people[0]


# Phones are fictitious (139 0000 00xx); the directory keeps one per person.
TENANTS = (
    DemoTenant(
        code="demo-town-a",
        name="甲镇",
        kind="township",
        scheme_template="seed-002-township-grid-worker",
        people=(
            Person("admin.a", "甲镇管理员", "13900000001", ("tenant-admin", "center-staff")),
            Person("worker.a", "甲镇网格员", "13900000002", ("grid-worker",)),
        ),
    ),
    DemoTenant(
        code="demo-town-b",
        name="乙街道",
        kind="street",
        scheme_template="seed-004-shanhu-street-worker",
        people=(
            Person("admin.b", "乙街道管理员", "13900000003", ("tenant-admin", "center-staff")),
            Person("worker.b", "乙街道网格员", "13900000004", ("grid-worker",)),
        ),
    ),
)


def ensure_district(platform: Api, district: tuple[str, str]) -> None:
    """The demo district (409: there from an earlier run)."""
    district_id, name = district
    created = platform.expect(
        "POST", "/districts", 201, 409, json={"district_id": district_id, "name": name}
    )
    if created.status_code == 201:
        print(f"seed: district {district_id} created")


class Tenancy(StrEnum):
    """Where a demo tenant stands once `ensure_tenant` is done with it."""

    ACTIVE = "active"  # there from an earlier run
    ONBOARDED = "onboarded"  # onboarded, or its onboarding finished, by this run
    OFFBOARDED = "offboarded"  # by a user: left as is


def ensure_tenant(
    keycloak: KeycloakAdmin, platform: Api, tenant: DemoTenant, district_id: str
) -> Tenancy:
    """The tenant record, onboarded (or its onboarding finished) unless a user offboarded it."""
    found = platform.expect("GET", f"/tenants/{tenant.code}", 200, 404)
    if found.status_code == 200:
        status = found.json()["status"]
        if status == Tenancy.ACTIVE:
            return Tenancy.ACTIVE
        if status == Tenancy.OFFBOARDED:
            left_as_is(f"demo tenant {tenant.code}", "is offboarded")
            return Tenancy.OFFBOARDED
        done = platform.expect("POST", f"/tenants/{tenant.code}/onboarding/retry", 200).json()
    else:
        ensure_accounts(keycloak, tenant)
        admin = tenant.admin
        body = {
            "code": tenant.code,
            "name": tenant.name,
            "kind": tenant.kind,
            "district_id": district_id,
            "scheme_template": tenant.scheme_template,
            "admin": {
                "username": admin.username,
                "display_name": admin.display_name,
                "phone": admin.phone,
            },
        }
        done = platform.expect("POST", "/tenants", 201, json=body).json()
    adopted = done["admin_temporary_password"] is None
    how = "its existing login adopted" if adopted else "a temporary password issued"
    print(f"seed: tenant {tenant.code} onboarded, admin {done['admin_username']} ({how})")
    return Tenancy.ONBOARDED


def ensure_people(users: Api, tenant: DemoTenant, tenancy: Tenancy) -> list[str]:
    """Every demo person in the directory, as the tenant admin ``users``; who was invited.

    Roles and the enabled flag are set when the person is invited (and the admin's right after
    onboarding, which makes it a tenant-admin only); later differences are a user's doing (or
    a run cut off between onboarding and the roles), reported and left as they are.
    """
    invited: list[str] = []
    for person in tenant.people:
        found = [
            user
            for user in users.items("/users", q=person.username)
            if user["username"] == person.username
        ]
        if not found:
            users.expect(
                "POST",
                "/users",
                201,
                json={
                    "username": person.username,
                    "display_name": person.display_name,
                    "phone": person.phone,
                    "roles": list(person.roles),
                },
            )
            print(f"seed: {person.username} invited into {tenant.code}")
            invited.append(person.username)
            continue
        user = found[0]
        login = f"demo login {person.username}"
        other_roles = sorted(user["roles"]) != sorted(person.roles)
        if other_roles and person == tenant.admin and tenancy is Tenancy.ONBOARDED:
            users.expect(
                "PUT", f"/users/{user['user_id']}/roles", 200, json={"roles": list(person.roles)}
            )
            print(f"seed: {person.username} given the roles {', '.join(person.roles)}")
        elif other_roles:
            left_as_is(login, f"has the roles {', '.join(sorted(user['roles']))}")
        if not user["enabled"]:
            left_as_is(login, "is disabled")
    return invited


def keycloak_admin() -> KeycloakAdmin:
    """Keycloak's admin API as identity's service account (realm-management roles)."""
    connection = KeycloakOpenIDConnection(
        server_url=KEYCLOAK,
        realm_name="gridgov",
        client_id="gridgov-identity",
        client_secret_key=IDENTITY_SECRET,
        grant_type="client_credentials",
        timeout=10,
    )
    return KeycloakAdmin(connection=connection)


def wait_for_keycloak() -> KeycloakAdmin:
    """The admin client once Keycloak answers (it may still be importing the realm)."""
    for attempt in range(10):
        try:
            admin = keycloak_admin()
            admin.get_realm("gridgov")
        except (requests.RequestException, KeycloakError):
            if attempt == 9:
                raise
            time.sleep(2)
        else:
            return admin
    raise AssertionError("unreachable")


def restore_demo_logins(keycloak: KeycloakAdmin, usernames: list[str]) -> None:
    """The documented password, permanent, for demo logins with a temporary one pending.

    An invitation gives one (only the demo needs undoing that: a real person sets their own
    password at the first login), and so does a user's password reset: the documented logins
    must work after every `make up`, so this is the one thing the seed takes back from a user.
    Logins not in the realm yet are skipped: inviting them creates them.
    """
    for username in usernames:
        user_id = keycloak.get_user_id(username)
        if user_id is None:
            continue
        user = keycloak.get_user(user_id)
        if UPDATE_PASSWORD not in (user.get("requiredActions") or []):
            continue
        keycloak.set_user_password(user_id, PASSWORD, temporary=False)
        # PUT replaces the representation: send the whole user back so attributes survive.
        user["requiredActions"] = []
        keycloak.update_user(user_id, user)
        print(f"seed: {username} keeps the documented demo password")


def ensure_accounts(keycloak: KeycloakAdmin, tenant: DemoTenant) -> None:
    """The logins of a tenant about to be onboarded, as the realm import makes the demo's
    (bare name, tenant attribute, the documented password), for identity to adopt: a no-op
    for the demo, whose accounts the import made; a copy's are made here."""
    for person in tenant.people:
        if keycloak.get_user_id(person.username) is not None:
            continue
        keycloak.create_user(
            {
                "username": person.username,
                "enabled": True,
                "firstName": person.display_name,
                "attributes": {"tenant_id": [tenant.code]},
                "credentials": [{"type": "password", "value": PASSWORD, "temporary": False}],
            },
            exist_ok=True,
        )
        print(f"seed: demo login {person.username} made for {tenant.code}")


def seed_people(
    keycloak: KeycloakAdmin, platform: Api, tenant: DemoTenant, district_id: str
) -> Api | None:
    """The tenant, its people and their logins; the tenant admin's identity API, or None when
    a user offboarded the tenant."""
    tenancy = ensure_tenant(keycloak, platform, tenant, district_id)
    if tenancy is Tenancy.OFFBOARDED:
        return None
    # Also undoes what an interrupted earlier run left (an invitation without the restore).
    restore_demo_logins(keycloak, [person.username for person in tenant.people])
    users = Api(IDENTITY, tenant.admin.username)
    restore_demo_logins(keycloak, ensure_people(users, tenant, tenancy))
    return users
