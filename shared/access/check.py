"""`RevocationCheck`: asked by the HTTP edge after a token verified."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from shared.access.repository import TENANT, AccountStates, client_key, user_key
from shared.auth.principal import Principal
from shared.auth.verifier import TokenError


class RevocationCheck(Protocol):
    def revoked(self, principal: Principal) -> str | None:
        """Why `principal` may no longer act (shown to the client), or None."""
        ...


class StoredRevocations:
    """Reads the service's ``revocations`` collection, remembering each account's state for
    ``ttl_s`` seconds per process: a disabled account is refused within that interval after
    its event arrived, and a busy API reads the store at most once per account per interval.
    The tenant's own state (offboarded) is one of those accounts, shared by all its users, so
    a request usually costs one read (its user's), not two. Cross-tenant principals (platform
    admins, overseers) have no tenant to look in.

    ``read(tenant_id, keys)`` answers which of the account keys are switched off."""

    def __init__(
        self,
        *,
        ttl_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        read: Callable[[str, list[str]], set[str]] | None = None,
    ) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._read = read or read_revoked
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, bool]] = {}

    def revoked(self, principal: Principal) -> str | None:
        tenant = principal.tenant_id
        if tenant is None:
            return None
        reasons = {TENANT: "the tenant was offboarded", user_key(principal.subject): _DISABLED}
        if principal.client_id is not None:
            reasons[client_key(principal.client_id)] = "the API client is disabled"
        now = self._clock()
        states: dict[str, bool] = {}
        with self._lock:
            for key in reasons:
                cached = self._cache.get((tenant, key))
                if cached is not None and now - cached[0] < self._ttl_s:
                    states[key] = cached[1]
        missing = [key for key in reasons if key not in states]
        if missing:
            off = self._read(tenant, missing)
            with self._lock:
                if len(self._cache) > 100_000:  # bounded: a long-lived process sees many accounts
                    self._cache.clear()
                for key in missing:
                    states[key] = key in off
                    self._cache[(tenant, key)] = (now, key in off)
        return next((reason for key, reason in reasons.items() if states[key]), None)


_DISABLED = "the account is disabled"


def read_revoked(tenant_id: str, keys: list[str]) -> set[str]:
    """The account keys among ``keys`` the store says are switched off in the tenant."""
    return AccountStates(tenant_id).revoked(keys)


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Principal: ...


class RevokingVerifier:
    """A token verifier that also refuses the tokens of revoked accounts, tenants and API
    clients: what the HTTP edge of every service uses (`shared.runtime.api_app`). A revoked
    principal's token is an invalid token (401, ``error="invalid_token"``)."""

    def __init__(self, inner: TokenVerifier, revocations: RevocationCheck) -> None:
        self._inner = inner
        self._revocations = revocations

    def verify(self, token: str) -> Principal:
        principal = self._inner.verify(token)
        reason = self._revocations.revoked(principal)
        if reason is not None:
            raise TokenError(reason)
        return principal
