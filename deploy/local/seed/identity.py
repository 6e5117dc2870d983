"""Identity side of the demo: the district, the tenant records, the people and their logins.

The demo accounts come with the realm import (they must exist before any service starts, for
the tests), so identity meets them as accounts that are already in use: onboarding adopts the
tenant admin without touching its password, and the tenant admin invites the grid worker (an
invitation gives the existing account a temporary password, which only the demo has to undo:
its documented password stays `gridgov-demo-pass`, without a required action).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

import requests
from keycloak import KeycloakAdmin, KeycloakError, KeycloakOpenIDConnection

from deploy.local.seed.api import IDENTITY, KEYCLOAK, PASSWORD, Api

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


def ensure_district(platform: Api) -> None:
    """The demo district (409: there from an earlier run)."""
    district_id, name = DISTRICT
    created = platform.expect(
        "POST", "/districts", 201, 409, json={"district_id": district_id, "name": name}
    )
    if created.status_code == 201:
        print(f"seed: district {district_id} created")


def ensure_tenant(platform: Api, tenant: DemoTenant) -> bool:
    """The tenant record, onboarded (or its onboarding finished); False if it is offboarded."""
    found = platform.expect("GET", f"/tenants/{tenant.code}", 200, 404)
    if found.status_code == 200:
        status = found.json()["status"]
        if status == "active":
            return True
        if status == "offboarded":
            print(f"seed: tenant {tenant.code} is offboarded; left as it is (reactivate it first)")
            return False
        done = platform.expect("POST", f"/tenants/{tenant.code}/onboarding/retry", 200).json()
    else:
        admin = tenant.admin
        body = {
            "code": tenant.code,
            "name": tenant.name,
            "kind": tenant.kind,
            "district_id": DISTRICT[0],
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
    return True


def ensure_people(tenant: DemoTenant) -> list[str]:
    """Every demo person in the directory, enabled, with the documented roles; who was invited."""
    users = Api(IDENTITY, tenant.admin.username)
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
        if sorted(user["roles"]) != sorted(person.roles):
            users.expect(
                "PUT", f"/users/{user['user_id']}/roles", 200, json={"roles": list(person.roles)}
            )
            print(f"seed: {person.username} given the roles {', '.join(person.roles)}")
        if not user["enabled"]:
            users.expect("POST", f"/users/{user['user_id']}/enable", 200)
            print(f"seed: {person.username} enabled")
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
    """The documented password, permanent, for demo logins an invitation gave a temporary one.

    Only the demo needs this: a real person sets their own password at the first login.
    """
    for username in usernames:
        user_id = keycloak.get_user_id(username)
        if user_id is None:
            sys.exit(f"seed: the realm has no user {username}; was the realm imported?")
        user = keycloak.get_user(user_id)
        if UPDATE_PASSWORD not in (user.get("requiredActions") or []):
            continue
        keycloak.set_user_password(user_id, PASSWORD, temporary=False)
        # PUT replaces the representation: send the whole user back so attributes survive.
        user["requiredActions"] = []
        keycloak.update_user(user_id, user)
        print(f"seed: {username} keeps the documented demo password")


def seed_identity() -> list[DemoTenant]:
    """District, tenants, people and logins; the tenants that are active."""
    keycloak = wait_for_keycloak()
    platform = Api(IDENTITY, "platform.admin")
    ensure_district(platform)
    active = [tenant for tenant in TENANTS if ensure_tenant(platform, tenant)]
    # Also undoes what an interrupted earlier run left (an invitation without the restore).
    restore_demo_logins(keycloak, [person.username for t in active for person in t.people])
    invited = [username for tenant in active for username in ensure_people(tenant)]
    restore_demo_logins(keycloak, invited)
    return active
