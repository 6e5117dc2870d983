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
    """Reads the service's ``revocations`` collection, remembering each answer for
    ``ttl_s`` seconds per process: a disabled account is refused within that interval after
    its event arrived, and a busy API reads the store at most once per account per interval.
    Cross-tenant principals (platform admins, overseers) have no tenant to look in."""

    def __init__(
        self,
        *,
        ttl_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        read: Callable[[str, str, str | None], str | None] | None = None,
    ) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._read = read or read_revocation
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str, str | None], tuple[float, str | None]] = {}

    def revoked(self, principal: Principal) -> str | None:
        if principal.tenant_id is None:
            return None
        key = (principal.tenant_id, principal.subject, principal.client_id)
        now = self._clock()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and now - cached[0] < self._ttl_s:
            return cached[1]
        reason = self._read(principal.tenant_id, principal.subject, principal.client_id)
        with self._lock:
            if len(self._cache) > 50_000:  # bounded: a long-lived process sees many accounts
                self._cache.clear()
            self._cache[key] = (now, reason)
        return reason


def read_revocation(tenant_id: str, subject: str, client_id: str | None) -> str | None:
    """Why the store says this principal may no longer act, or None."""
    wanted = [TENANT, user_key(subject)]
    if client_id is not None:
        wanted.append(client_key(client_id))
    found = AccountStates(tenant_id).revoked(wanted)
    if TENANT in found:
        return "the tenant was offboarded"
    if user_key(subject) in found:
        return "the account is disabled"
    if client_id is not None and client_key(client_id) in found:
        return "the API client is disabled"
    return None


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
