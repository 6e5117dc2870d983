"""The ``keycloak_tokens`` fixture against the real local Keycloak."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

import pytest

from shared.testing import (
    DEMO_USERS,
    DemoTokens,
    DemoUser,
    KeycloakUnavailableError,
    fetch_demo_tokens,
)

pytestmark = pytest.mark.integration


def claims_of(token: str) -> dict[str, Any]:
    """The unverified payload; verification itself is tested in shared/tests/*/auth."""
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def test_every_demo_user_gets_a_token_with_its_tenancy(keycloak_tokens: Mapping[str, str]) -> None:
    assert set(keycloak_tokens) == {user.username for user in DEMO_USERS}
    for user in DEMO_USERS:
        claims = claims_of(keycloak_tokens[user.username])
        assert claims["preferred_username"] == user.username
        assert claims.get("tenant_id") == user.tenant_id
        assert claims.get("district_id") == user.district_id
        assert "gridgov-api" in claims["aud"]


def test_unreachable_keycloak_names_url_and_make_up() -> None:
    with pytest.raises(KeycloakUnavailableError) as info:
        fetch_demo_tokens(base_url="http://127.0.0.1:9")
    message = str(info.value)
    assert "http://127.0.0.1:9/realms/gridgov/protocol/openid-connect/token" in message
    assert "make up" in message


def test_refused_login_names_the_user() -> None:
    # An unknown user, not a wrong password: the realm's brute-force protection would lock a
    # real demo user out for the rest of the run.
    with pytest.raises(KeycloakUnavailableError, match=r"no\.such\.user"):
        fetch_demo_tokens(users=(DemoUser("no.such.user"),))


def test_tokens_close_to_expiry_are_fetched_again(keycloak_url: str) -> None:
    # No token is valid for 30 more years, so every lookup must fetch a fresh one.
    tokens = DemoTokens(base_url=keycloak_url, users=DEMO_USERS[:1], min_validity=1e9)
    first = tokens._tokens["admin.a"]
    refreshed = tokens["admin.a"]
    assert refreshed != first
    assert claims_of(refreshed)["preferred_username"] == "admin.a"
