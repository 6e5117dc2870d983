"""The seed makes a copy's demo logins the way the realm import makes the demo's (bare names,
which identity adopts as they are), and only for a tenant it is about to onboard. No network:
Keycloak's admin API and identity's API are faked in memory."""

from __future__ import annotations

import json
from typing import Any

import requests

from deploy.local.seed.api import PASSWORD
from deploy.local.seed.demo import DEMO, copy_of
from deploy.local.seed.identity import ensure_accounts, ensure_tenant

COPY = copy_of(DEMO, "t-copy", "copies").tenants[0]


class FakeKeycloak:
    """`get_user_id` and `create_user` of python-keycloak's `KeycloakAdmin`, in memory."""

    def __init__(self, *existing: str) -> None:
        self.users: dict[str, dict[str, Any]] = {name: {"username": name} for name in existing}

    def get_user_id(self, username: str) -> str | None:
        return username if username in self.users else None

    def create_user(self, payload: dict[str, Any], exist_ok: bool = False) -> str:
        assert exist_ok
        self.users[payload["username"]] = payload
        return str(payload["username"])


def answer(status: int, body: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    return response


class FakePlatform:
    """`Api.expect` of identity as the platform admin: the tenant is ``status`` (None: unknown)."""

    def __init__(self, status: str | None) -> None:
        self.status = status
        self.sent: list[tuple[str, str]] = []

    def expect(self, method: str, path: str, *ok: int, **kwargs: Any) -> requests.Response:
        self.sent.append((method, path))
        if method == "GET":
            found = self.status is not None
            return answer(200 if found else 404, {"status": self.status} if found else {})
        return answer(
            201, {"admin_username": COPY.admin.username, "admin_temporary_password": None}
        )


def test_a_copys_logins_are_made_bare_with_the_tenant_and_the_documented_password():
    keycloak = FakeKeycloak()

    ensure_accounts(keycloak, COPY)  # type: ignore[arg-type]

    assert set(keycloak.users) == {"admin.a.t-copy", "worker.a.t-copy"}
    admin = keycloak.users["admin.a.t-copy"]
    assert admin["attributes"] == {"tenant_id": [COPY.code]}
    assert admin["credentials"] == [{"type": "password", "value": PASSWORD, "temporary": False}]
    assert "requiredActions" not in admin  # in use: identity adopts it, password untouched


def test_logins_that_exist_are_left_as_they_are():
    keycloak = FakeKeycloak("admin.a.t-copy", "worker.a.t-copy")

    ensure_accounts(keycloak, COPY)  # type: ignore[arg-type]

    assert keycloak.users == {name: {"username": name} for name in keycloak.users}


def test_logins_are_made_only_for_a_tenant_about_to_be_onboarded():
    for status, made in ((None, True), ("active", False), ("offboarded", False)):
        keycloak, platform = FakeKeycloak(), FakePlatform(status)

        ensure_tenant(keycloak, platform, COPY, "copies")  # type: ignore[arg-type]

        assert bool(keycloak.users) is made, status
        assert (("POST", "/tenants") in platform.sent) is made, status
