"""RevocationCheck at the edge: cached per process, refusing with a reason."""

from __future__ import annotations

import pytest

from shared.access import RevokingVerifier, StoredRevocations
from shared.access.repository import TENANT, client_key, user_key
from shared.auth import Principal, TokenError


def principal(tenant_id: str | None = "t1", subject: str = "u1") -> Principal:
    return Principal(
        subject=subject,
        username="x",
        tenant_id=tenant_id,
        district_id=None,
        roles=frozenset(),
        client_id="gridgov-web",
    )


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Store:
    """Account keys switched off per tenant (``user:u1``, ``tenant``, ``client:...``)."""

    def __init__(self) -> None:
        self.off: set[tuple[str, str]] = set()
        self.reads: list[list[str]] = []

    def disable(self, tenant_id: str, subject: str) -> None:
        self.off.add((tenant_id, user_key(subject)))

    def __call__(self, tenant_id: str, keys: list[str]) -> set[str]:
        self.reads.append(keys)
        return {key for key in keys if (tenant_id, key) in self.off}


def test_an_answer_is_kept_for_the_ttl_then_read_again() -> None:
    clock, store = Clock(), Store()
    check = StoredRevocations(ttl_s=2.0, clock=clock, read=store)
    assert check.revoked(principal()) is None
    store.disable("t1", "u1")
    clock.now += 1.9
    assert check.revoked(principal()) is None  # cached
    assert len(store.reads) == 1
    clock.now += 0.2
    assert check.revoked(principal()) == "the account is disabled"
    assert len(store.reads) == 2


def test_the_tenants_own_state_is_read_once_for_all_its_users() -> None:
    clock, store = Clock(), Store()
    check = StoredRevocations(ttl_s=2.0, clock=clock, read=store)
    for subject in ("u1", "u2", "u3"):
        assert check.revoked(principal(subject=subject)) is None
    tenant_reads = [keys for keys in store.reads if TENANT in keys]
    assert len(tenant_reads) == 1
    assert store.reads[1:] == [[user_key("u2")], [user_key("u3")]]
    store.off.add(("t1", TENANT))
    clock.now += 2.1
    assert check.revoked(principal(subject="u2")) == "the tenant was offboarded"
    assert check.revoked(principal(subject="u3")) == "the tenant was offboarded"


def test_a_disabled_api_client_is_named() -> None:
    store = Store()
    store.off.add(("t1", client_key("gridgov-web")))
    assert StoredRevocations(read=store).revoked(principal()) == "the API client is disabled"


def test_cross_tenant_principals_are_not_looked_up() -> None:
    store = Store()
    assert StoredRevocations(read=store).revoked(principal(tenant_id=None)) is None
    assert store.reads == []


class Verifier:
    def verify(self, token: str) -> Principal:
        return principal(subject=token)


def test_a_revoked_principal_has_an_invalid_token() -> None:
    store = Store()
    store.disable("t1", "gone")
    verifier = RevokingVerifier(Verifier(), StoredRevocations(read=store))
    assert verifier.verify("kept").subject == "kept"
    with pytest.raises(TokenError, match="disabled"):
        verifier.verify("gone")
