"""Tenants are walls: the tenant comes from the verified token only, and nothing else opens one."""

from __future__ import annotations

import base64
import json

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture
def division_of_a(api, unique_code) -> dict:
    created = api("grid_registry", "admin.a").post(
        "/divisions", json={"code": unique_code, "name": "甲镇的村", "kind": "village"}
    )
    assert created.status_code == 201, created.text
    return created.json()


def test_another_tenants_division_answers_404_and_is_never_listed(api, division_of_a):
    tenant_b = api("grid_registry", "admin.b")

    response = tenant_b.get(f"/divisions/{division_of_a['division_id']}")

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/problem+json")
    listed = tenant_b.get("/divisions", params={"page_size": 200}).json()["items"]
    assert division_of_a["division_id"] not in {d["division_id"] for d in listed}
    assert division_of_a["code"] not in {d["code"] for d in listed}


def test_another_tenants_ledger_is_invisible(api, division_of_a):
    response = api("scoring", "admin.b").get(
        "/ledger", params={"subject_id": division_of_a["division_id"]}
    )
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_a_district_overseer_reads_no_raw_records(api, division_of_a):
    overseer = api("grid_registry", "overseer")
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


def test_a_token_for_another_audience_is_rejected(api, keycloak_url):
    import requests

    # admin-cli exists in every realm and has no audience mapper for gridgov-api.
    token = requests.post(
        f"{keycloak_url}/realms/gridgov/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "admin-cli",
            "username": "admin.a",
            "password": "gridgov-demo-pass",
        },
        timeout=10,
    ).json()["access_token"]
    client = api("grid_registry", None)
    client.session.headers["Authorization"] = f"Bearer {token}"
    assert client.get("/divisions").status_code == 401


def test_an_expired_token_is_rejected(api, keycloak_url):
    import time

    import requests

    # gridgov-e2e-short-lived issues 2-second tokens (dev realm only) so expiry can be tested
    # against a genuine Keycloak signature.
    token = requests.post(
        f"{keycloak_url}/realms/gridgov/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "gridgov-e2e-short-lived",
            "username": "admin.a",
            "password": "gridgov-demo-pass",
        },
        timeout=10,
    ).json()["access_token"]
    client = api("grid_registry", None)
    client.session.headers["Authorization"] = f"Bearer {token}"
    assert client.get("/divisions").status_code == 200
    claims = _claims(token)
    time.sleep(max(0, claims["exp"] - time.time()) + 1 + LEEWAY_SECONDS)
    assert client.get("/divisions").status_code == 401


def test_no_token_is_401(api):
    response = api("grid_registry", None).get("/divisions")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


LEEWAY_SECONDS = 5
