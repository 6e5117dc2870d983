"""The app factory with the production verifier and real tokens from the local Keycloak."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shared.auth import Role, current_principal, current_tenant_id, require_roles
from shared.http import Blueprint, create_app
from shared.settings import PlatformSettings

pytestmark = pytest.mark.integration

blp = Blueprint("tenancy", __name__, url_prefix="/tenancy")


@blp.route("/mine")
@require_roles(Role.TENANT_ADMIN, Role.GRID_WORKER)
def mine() -> dict[str, str]:
    return {"tenant_id": current_tenant_id(), "username": current_principal().username or ""}


@blp.route("/district")
@require_roles(Role.DISTRICT_OVERSEER, Role.PLATFORM_ADMIN, tenant_scoped=False)
def district() -> dict[str, str | None]:
    return {"district_id": current_principal().district_id}


@pytest.fixture(scope="module")
def client(keycloak_url: str) -> FlaskClient:
    settings = PlatformSettings.from_env({"GRIDGOV_KEYCLOAK_URL": keycloak_url}, service="itest")
    app: Flask = create_app(
        service="itest",
        settings=settings,
        blueprints=[blp],
        readiness_checks={},
        configure_logs=False,
    )
    return app.test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("user", "tenant"),
    [("admin.a", "demo-town-a"), ("worker.a", "demo-town-a"), ("worker.b", "demo-town-b")],
)
def test_each_tenant_user_sees_its_own_tenant(
    client: FlaskClient, keycloak_tokens: Mapping[str, str], user: str, tenant: str
) -> None:
    response = client.get("/tenancy/mine", headers=bearer(keycloak_tokens[user]))
    assert response.status_code == 200
    assert response.get_json() == {"tenant_id": tenant, "username": user}


def test_overseer_is_refused_on_tenant_scoped_endpoint_but_not_on_district(
    client: FlaskClient, keycloak_tokens: Mapping[str, str]
) -> None:
    token = keycloak_tokens["overseer"]
    refused = client.get("/tenancy/mine", headers=bearer(token))
    assert refused.status_code == 403
    assert refused.content_type == "application/problem+json"
    allowed = client.get("/tenancy/district", headers=bearer(token))
    assert allowed.get_json() == {"district_id": "demo-district"}


def test_tenant_worker_cannot_use_the_district_endpoint(
    client: FlaskClient, keycloak_tokens: Mapping[str, str]
) -> None:
    response = client.get("/tenancy/district", headers=bearer(keycloak_tokens["worker.a"]))
    assert response.status_code == 403


def test_tampered_real_token_is_401(
    client: FlaskClient, keycloak_tokens: Mapping[str, str]
) -> None:
    header, payload, signature = keycloak_tokens["worker.b"].split(".")
    tampered = f"{header}.{payload}.{signature[::-1]}"
    response = client.get("/tenancy/mine", headers=bearer(tampered))
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
