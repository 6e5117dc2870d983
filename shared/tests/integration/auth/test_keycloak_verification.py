"""Real Keycloak tokens verified locally with the production settings path."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from shared.auth import Role, TokenError, TokenVerifier
from shared.settings import PlatformSettings

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def verifier(keycloak_url: str) -> TokenVerifier:
    settings = PlatformSettings.from_env({"GRIDGOV_KEYCLOAK_URL": keycloak_url}, service="test")
    return TokenVerifier.from_settings(settings)


def test_demo_tokens_verify_to_their_tenancy_and_roles(
    verifier: TokenVerifier, keycloak_tokens: Mapping[str, str]
) -> None:
    admin_a = verifier.verify(keycloak_tokens["admin.a"])
    assert (admin_a.username, admin_a.tenant_id) == ("admin.a", "demo-town-a")
    assert Role.TENANT_ADMIN in admin_a.roles
    worker_b = verifier.verify(keycloak_tokens["worker.b"])
    assert worker_b.tenant_id == "demo-town-b"
    assert Role.GRID_WORKER in worker_b.roles
    overseer = verifier.verify(keycloak_tokens["overseer"])
    assert (overseer.tenant_id, overseer.district_id) == (None, "demo-district")
    assert overseer.is_cross_tenant
    platform = verifier.verify(keycloak_tokens["platform.admin"])
    assert Role.PLATFORM_ADMIN in platform.roles


def test_jwks_is_fetched_once_for_all_tokens(
    verifier: TokenVerifier, keycloak_tokens: Mapping[str, str]
) -> None:
    for token in keycloak_tokens.values():
        verifier.verify(token)
    assert verifier.jwks.fetch_count == 1


def test_real_token_with_a_flipped_signature_byte_is_rejected(
    verifier: TokenVerifier, keycloak_tokens: Mapping[str, str]
) -> None:
    header, payload, signature = keycloak_tokens["admin.a"].split(".")
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    with pytest.raises(TokenError, match="signature"):
        verifier.verify(f"{header}.{payload}.{flipped}")


def test_other_audience_is_rejected(keycloak_url: str, keycloak_tokens: Mapping[str, str]) -> None:
    settings = PlatformSettings.from_env(
        {"GRIDGOV_KEYCLOAK_URL": keycloak_url, "GRIDGOV_JWT_AUDIENCE": "some-other-api"},
        service="test",
    )
    with pytest.raises(TokenError, match="audience"):
        TokenVerifier.from_settings(settings).verify(keycloak_tokens["admin.a"])
