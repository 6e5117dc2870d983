"""Tenants of the tests' own, so that no test writes into the demo that `make up` seeds.

The seed's `demo-town-a` and `demo-town-b` are what a newcomer reads about in the README; a test
that writes into them leaves its divisions, grids and people there for good (there is no
delete). So the black-box suites onboard fresh tenants, once per session, the way a platform
operator does: through identity's API and Keycloak's real login pages.

* `ensure_test_district`: the district `e2e-district` (created once per stack, 409 after) and
  its overseer login `e2e.overseer`, made with Keycloak's admin API as the seed makes its demo
  logins (identity grants no district-overseer), so the demo district lists only the demo's
  tenants and the overseer tests still look at their own district;
* `onboard_tenant`: `t-e2e-<random>` of the same kind and scheme template as a demo tenant; its
  admin changes the temporary password at the first login, then invites a grid worker, who
  logs in the same way, each with the login name identity answers (``worker.<code>@<code>``).
  Given grid_registry's URL, it returns once grid_registry knows the worker's account
  (`wait_until_known`): services learn of accounts from identity's events, a moment after the
  invitation, and refuse a membership naming one they have not heard of.

The passwords go into a `PasswordTokens`, which hands out access tokens that stay valid.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import requests
from keycloak import KeycloakAdmin

from deploy.local.seed.api import retry_while
from deploy.local.seed.identity import DemoTenant
from shared.testing.keycloak_login import PasswordTokens, first_login

TEST_DISTRICT = ("e2e-district", "端到端测试区 (e2e tests)")
TEST_OVERSEER = "e2e.overseer"
# One overseer login for every run on the stack, with a fixed password: setting it again (each
# session does) never breaks a concurrent run's logins. Dev realm only.
TEST_OVERSEER_PASSWORD = "Gridgov-e2e-overseer"
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class TestTenant:
    """A tenant onboarded for this test session: its code, district, and its admin's and
    worker's login names (``api(service, tenant.admin)``; the directory's usernames are
    ``admin.<code>`` and ``worker.<code>``)."""

    __test__ = False  # a fixture value, not a test class

    code: str
    district_id: str
    admin: str
    worker: str


def _call(method: str, url: str, token: str, *ok: int, **kwargs: Any) -> requests.Response:
    response = requests.request(
        method,
        url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT_SECONDS,
        **kwargs,
    )
    if response.status_code not in ok:
        raise AssertionError(f"{method} {url}: {response.status_code} {response.text[:500]}")
    return response


def ensure_test_district(
    identity_url: str, platform_token: str, keycloak: KeycloakAdmin, tokens: PasswordTokens
) -> str:
    """The tests' district with its overseer (``TEST_OVERSEER``, added to ``tokens``)."""
    district_id, name = TEST_DISTRICT
    body = {"district_id": district_id, "name": name}
    _call("POST", f"{identity_url}/districts", platform_token, 201, 409, json=body)
    user_id = keycloak.get_user_id(TEST_OVERSEER) or keycloak.create_user(
        {
            "username": TEST_OVERSEER,
            "enabled": True,
            "email": f"{TEST_OVERSEER}@e2e.gridgov.local",
            "emailVerified": True,
            "firstName": "测试",
            "lastName": "督查员",
            "attributes": {"district_id": [district_id]},
        },
        exist_ok=True,
    )
    keycloak.set_user_password(user_id, TEST_OVERSEER_PASSWORD, temporary=False)
    keycloak.assign_realm_roles(user_id, [keycloak.get_realm_role("district-overseer")])
    tokens.add(TEST_OVERSEER, TEST_OVERSEER_PASSWORD)
    return district_id


def onboard_tenant(
    identity_url: str,
    platform_token: str,
    *,
    like: DemoTenant,
    district_id: str,
    tokens: PasswordTokens,
    registry_url: str | None = None,
) -> TestTenant:
    """A fresh tenant shaped like the demo tenant ``like``, its admin and worker logged in
    (and, given ``registry_url``, the worker's account known to grid_registry)."""
    code = f"t-e2e-{secrets.token_hex(5)}"
    admin, worker = f"admin.{code}", f"worker.{code}"
    password = f"Gridgov-e2e-{secrets.token_hex(6)}"
    onboarding = {
        "code": code,
        "name": f"{like.name}（测试 {code[-4:]}）",
        "kind": like.kind,
        "district_id": district_id,
        "scheme_template": like.scheme_template,
        "admin": {"username": admin, "display_name": "测试管理员", "phone": "13800138000"},
    }
    onboarded = _call("POST", f"{identity_url}/tenants", platform_token, 201, json=onboarding)
    admin_login = onboarded.json()["admin_login"]
    first = first_login(admin_login, onboarded.json()["admin_temporary_password"], password)
    tokens.add(admin_login, password, str(first["access_token"]))
    worker_login = invite_worker(
        identity_url, tokens, admin_login, worker, password=password, registry_url=registry_url
    )
    return TestTenant(code=code, district_id=district_id, admin=admin_login, worker=worker_login)


def invite_worker(
    identity_url: str,
    tokens: PasswordTokens,
    admin_login: str,
    username: str,
    *,
    password: str | None = None,
    display_name: str = "测试网格员",
    phone: str = "13800138001",
    registry_url: str | None = None,
) -> str:
    """Invite grid worker ``username`` into the admin's tenant and log him in once (he sets
    ``password`` at the first login); his login name, with its tokens added to ``tokens``.
    ``phone`` must be unique in the tenant. Given ``registry_url``, return once grid_registry
    knows the account."""
    password = password or f"Gridgov-e2e-{secrets.token_hex(6)}"
    invitation = {
        "username": username,
        "display_name": display_name,
        "phone": phone,
        "roles": ["grid-worker"],
    }
    invited = _call("POST", f"{identity_url}/users", tokens[admin_login], 201, json=invitation)
    login = invited.json()["login"]
    first = first_login(login, invited.json()["temporary_password"], password)
    tokens.add(login, password, str(first["access_token"]))
    if registry_url is not None:
        wait_until_known(registry_url, tokens[admin_login], invited.json()["user"]["user_id"])
    return login


def wait_until_known(registry_url: str, admin_token: str, user_id: str) -> None:
    """Return once grid_registry knows ``user_id`` as an account of the admin's tenant (its
    centre's ``GET /users/{id}/grids`` answers 404 until identity's event arrived, then 200);
    fail after the seed's ``ACCOUNT_WAIT_SECONDS``."""
    url = f"{registry_url}/users/{user_id}/grids"
    headers = {"Authorization": f"Bearer {admin_token}"}
    answer = retry_while(
        lambda: requests.get(url, headers=headers, timeout=TIMEOUT_SECONDS),
        lambda response: response.status_code == 404,
    )
    if answer.status_code != 200:
        raise AssertionError(f"GET {url}: {answer.status_code} {answer.text[:500]}")


__all__ = [
    "TEST_DISTRICT",
    "TEST_OVERSEER",
    "TestTenant",
    "ensure_test_district",
    "invite_worker",
    "onboard_tenant",
    "wait_until_known",
]
