"""Tenants are walls: the tenant comes from the verified token only, and nothing else opens one.

What is written goes into the session's own tenants (tenant_a, tenant_b, in their own district
with its overseer); the token tests only read, and use the demo logins' tokens.
"""

from __future__ import annotations

import base64
import json
import os
import time

import pytest
import requests

from shared.testing import token_endpoint
from tests.tenants import TEST_OVERSEER

pytestmark = pytest.mark.e2e


@pytest.fixture
def division_of_a(api, tenant_a, unique_code) -> dict:
    created = api("grid_registry", tenant_a.admin).post(
        "/divisions", json={"code": unique_code, "name": "甲镇的村", "kind": "village"}
    )
    assert created.status_code == 201, created.text
    return created.json()


def test_another_tenants_division_answers_404_and_is_never_listed(api, tenant_b, division_of_a):
    other = api("grid_registry", tenant_b.admin)

    response = other.get(f"/divisions/{division_of_a['division_id']}")

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")
    listed = other.get("/divisions", params={"page_size": 200}).json()["items"]
    assert division_of_a["division_id"] not in {d["division_id"] for d in listed}
    assert division_of_a["code"] not in {d["code"] for d in listed}


def test_another_tenants_ledger_is_invisible(api, tenant_b, division_of_a):
    response = api("scoring", tenant_b.admin).get(
        "/ledger", params={"subject_id": division_of_a["division_id"]}
    )
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_a_district_overseer_reads_no_raw_records(api, division_of_a):
    overseer = api("grid_registry", TEST_OVERSEER)  # the overseer of tenant_a's district
    assert overseer.get("/divisions").status_code == 403
    assert overseer.get(f"/divisions/{division_of_a['division_id']}").status_code == 403


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_a_token_with_an_edited_tenant_claim_is_rejected(api, keycloak_tokens):
    header, _, signature = keycloak_tokens["admin.b"].split(".")
    forged_claims = _claims(keycloak_tokens["admin.b"]) | {"tenant_id": "demo-town-a"}
    forged = f"{header}.{_b64(forged_claims)}.{signature}"
    client = api("grid_registry", None)
    client.session.headers["Authorization"] = f"Bearer {forged}"

    response = client.get("/divisions")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_a_token_signed_with_none_is_rejected(api, keycloak_tokens):
    claims = _claims(keycloak_tokens["admin.a"])
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    client = api("grid_registry", None)
    client.session.headers["Authorization"] = f"Bearer {unsigned}"
    assert client.get("/divisions").status_code == 401


def _password_token(keycloak_url: str, client_id: str) -> str:
    """A real admin.a token issued to ``client_id`` (uses the shared demo-login helper)."""
    password = os.environ.get("GRIDGOV_DEMO_PASSWORD", "gridgov-demo-pass")
    response = requests.post(
        token_endpoint(keycloak_url),
        data={
            "grant_type": "password",
            "client_id": client_id,
            "username": "admin.a",
            "password": password,
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _bearer(api, token: str):
    client = api("grid_registry", None)
    client.session.headers["Authorization"] = f"Bearer {token}"
    return client


def test_a_token_for_another_audience_is_rejected(api, keycloak_url):
    # admin-cli exists in every realm and has no audience mapper for gridgov-api.
    client = _bearer(api, _password_token(keycloak_url, "admin-cli"))
    assert client.get("/divisions").status_code == 401


def test_an_expired_token_is_rejected(api, keycloak_url):
    # gridgov-e2e-short-lived issues 2-second tokens (dev realm only) so expiry can be tested
    # against a genuine Keycloak signature.
    token = _password_token(keycloak_url, "gridgov-e2e-short-lived")
    client = _bearer(api, token)
    assert client.get("/divisions").status_code == 200
    time.sleep(max(0, _claims(token)["exp"] - time.time()) + 1 + LEEWAY_SECONDS)
    assert client.get("/divisions").status_code == 401


def test_no_token_is_401(api):
    response = api("grid_registry", None).get("/divisions")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


LEEWAY_SECONDS = 5
