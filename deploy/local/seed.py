"""Seed the demo: one district, two tenants (Keycloak organizations) in it, their divisions.

Idempotent: run by every ``make up``; what exists is left alone. Uses the identity service's
service account (realm-management roles) for Keycloak, and the demo admins' real tokens for the
services' public APIs, so the seed goes through the same paths a user would.
"""

from __future__ import annotations

import os
import sys
import time

import requests
from keycloak import KeycloakAdmin, KeycloakOpenIDConnection

KEYCLOAK = f"http://127.0.0.1:{os.environ.get('KEYCLOAK_PORT', '8080')}"
REGISTRY = f"http://127.0.0.1:{os.environ.get('GRID_REGISTRY_PORT', '8102')}"
IDENTITY = f"http://127.0.0.1:{os.environ.get('IDENTITY_PORT', '8101')}"
DISTRICT = ("demo-district", "示范区 (demo district)")
PASSWORD = os.environ.get("GRIDGOV_DEMO_PASSWORD", "gridgov-demo-pass")
IDENTITY_SECRET = os.environ.get("GRIDGOV_IDENTITY_CLIENT_SECRET", "gridgov-identity-local-secret")

TENANTS = {
    "demo-town-a": {
        "name": "甲镇 (demo township A)",
        "members": ["admin.a", "worker.a"],
        "admin": "admin.a",
        "divisions": [
            ("A-V01", "东风村", "village"),
            ("A-V02", "红星村", "village"),
            ("A-C01", "城关社区", "community"),
        ],
    },
    "demo-town-b": {
        "name": "乙街道 (demo street office B)",
        "members": ["admin.b", "worker.b"],
        "admin": "admin.b",
        "divisions": [("B-C01", "滨江社区", "community"), ("B-C02", "新华社区", "community")],
    },
}


def keycloak_admin() -> KeycloakAdmin:
    connection = KeycloakOpenIDConnection(
        server_url=KEYCLOAK,
        realm_name="gridgov",
        client_id="gridgov-identity",
        client_secret_key=IDENTITY_SECRET,
        grant_type="client_credentials",
        timeout=10,
    )
    return KeycloakAdmin(connection=connection)


def ensure_organizations(admin: KeycloakAdmin) -> None:
    existing = {org["alias"]: org for org in admin.get_organizations()}
    for alias, tenant in TENANTS.items():
        if alias not in existing:
            admin.create_organization(
                {
                    "name": tenant["name"],
                    "alias": alias,
                    "enabled": True,
                    "domains": [{"name": f"{alias}.gridgov.local"}],
                    "attributes": {"district_id": ["demo-district"]},
                }
            )
            print(f"seed: organization {alias} created")
        org_id = next(o["id"] for o in admin.get_organizations() if o["alias"] == alias)
        members = {m["username"] for m in admin.get_organization_members(org_id)}
        for username in tenant["members"]:
            if username not in members:
                admin.organization_user_add(admin.get_user_id(username), org_id)
                print(f"seed: {username} joined {alias}")


def token(username: str) -> str:
    response = requests.post(
        f"{KEYCLOAK}/realms/gridgov/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "gridgov-app",
            "username": username,
            "password": PASSWORD,
        },
        timeout=10,
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def ensure_district() -> None:
    district_id, name = DISTRICT
    response = requests.post(
        f"{IDENTITY}/districts",
        json={"district_id": district_id, "name": name},
        headers={"Authorization": f"Bearer {token('platform.admin')}"},
        timeout=10,
    )
    if response.status_code == 201:
        print(f"seed: district {district_id} created")
    elif response.status_code != 409:  # 409: already there from an earlier run
        sys.exit(
            f"seed: creating district {district_id} failed: {response.status_code} {response.text}"
        )


def ensure_divisions() -> None:
    for tenant in TENANTS.values():
        headers = {"Authorization": f"Bearer {token(tenant['admin'])}"}
        for code, name, kind in tenant["divisions"]:
            response = requests.post(
                f"{REGISTRY}/divisions",
                json={"code": code, "name": name, "kind": kind},
                headers=headers,
                timeout=10,
            )
            if response.status_code == 201:
                print(f"seed: division {code} {name} created")
            elif response.status_code != 409:  # 409: already there from an earlier run
                sys.exit(
                    f"seed: creating division {code} failed: {response.status_code} {response.text}"
                )


def main() -> None:
    for attempt in range(10):
        try:
            ensure_organizations(keycloak_admin())
            break
        except requests.RequestException:
            if attempt == 9:
                raise
            time.sleep(2)
    ensure_district()
    ensure_divisions()
    print("seed: demo-district with demo tenants demo-town-a and demo-town-b is ready")


if __name__ == "__main__":
    main()
