"""KeycloakIdentityProvider's cached role representations after Keycloak's realm is imported
again (every role gets a new id), without a Keycloak: a fake admin client."""

from __future__ import annotations

from typing import Any

import pytest
from keycloak.exceptions import KeycloakPostError

from services.identity.keycloak import KeycloakIdentityProvider


class Realm:
    """The few admin calls `set_realm_roles` makes, on roles whose ids change on re-import."""

    def __init__(self) -> None:
        self.generation = 1
        self.held: dict[str, set[str]] = {}
        self.role_reads = 0

    def reimport(self) -> None:
        self.generation += 1

    def get_realm_role(self, name: str) -> dict[str, Any]:
        self.role_reads += 1
        return {"name": name, "id": f"{name}-{self.generation}"}

    def get_realm_roles_of_user(self, user_id: str) -> list[dict[str, Any]]:
        return [{"name": name} for name in sorted(self.held.get(user_id, set()))]

    def assign_realm_roles(self, user_id: str, roles: list[dict[str, Any]]) -> None:
        for role in roles:
            if role["id"] != f"{role['name']}-{self.generation}":
                raise KeycloakPostError(
                    error_message=b'{"error":"Role not found"}', response_code=404
                )
        self.held.setdefault(user_id, set()).update(role["name"] for role in roles)


def test_roles_are_assigned_after_the_realm_was_imported_again() -> None:
    realm = Realm()
    provider = KeycloakIdentityProvider(realm)  # type: ignore[arg-type]
    provider.set_realm_roles("u-1", frozenset({"grid-worker"}))

    realm.reimport()
    provider.set_realm_roles("u-2", frozenset({"grid-worker", "inspector"}))

    assert realm.held["u-2"] == {"grid-worker", "inspector"}
    # grid-worker before; inspector, refused with the stale grid-worker; then both again.
    assert realm.role_reads == 4


def test_a_role_missing_for_good_still_fails() -> None:
    realm = Realm()
    provider = KeycloakIdentityProvider(realm)  # type: ignore[arg-type]

    def gone(name: str) -> dict[str, Any]:
        return {"name": name, "id": "deleted"}

    realm.get_realm_role = gone  # type: ignore[method-assign]
    with pytest.raises(KeycloakPostError):
        provider.set_realm_roles("u-1", frozenset({"grid-worker"}))
