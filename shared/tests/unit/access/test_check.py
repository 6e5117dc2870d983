"""RevocationCheck at the edge: cached per process, refusing with a reason."""

from __future__ import annotations

import pytest

from shared.access import RevokingVerifier, StoredRevocations
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
    def __init__(self) -> None:
        self.revoked: dict[tuple[str, str], str] = {}
        self.reads = 0

    def __call__(self, tenant_id: str, subject: str, client_id: str | None) -> str | None:
        self.reads += 1
        return self.revoked.get((tenant_id, subject))


def test_an_answer_is_kept_for_the_ttl_then_read_again() -> None:
    clock, store = Clock(), Store()
    check = StoredRevocations(ttl_s=2.0, clock=clock, read=store)
    assert check.revoked(principal()) is None
    store.revoked[("t1", "u1")] = "the account is disabled"
    clock.now += 1.9
    assert check.revoked(principal()) is None  # cached
    assert store.reads == 1
    clock.now += 0.2
    assert check.revoked(principal()) == "the account is disabled"
    assert store.reads == 2


def test_cross_tenant_principals_are_not_looked_up() -> None:
    store = Store()
    assert StoredRevocations(read=store).revoked(principal(tenant_id=None)) is None
    assert store.reads == 0


class Verifier:
    def verify(self, token: str) -> Principal:
        return principal(subject=token)


def test_a_revoked_principal_has_an_invalid_token() -> None:
    store = Store()
    store.revoked[("t1", "gone")] = "the account is disabled"
    verifier = RevokingVerifier(Verifier(), StoredRevocations(read=store))
    assert verifier.verify("kept").subject == "kept"
    with pytest.raises(TokenError, match="disabled"):
        verifier.verify("gone")
