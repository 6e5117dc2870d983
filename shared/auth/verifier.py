"""Local verification of Keycloak access tokens against the realm's cached JWKS.

No Keycloak call per request: the key set is fetched once, kept in process, and fetched again
only when a token names a ``kid`` the cache does not know (key rotation), at most once per
``min_refetch_interval`` seconds, so a flood of tokens with invented kids cannot hammer
Keycloak. A failed fetch keeps the keys already known.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from jwt import PyJWK

from shared.auth.principal import ClaimsError, Principal
from shared.settings import ASYMMETRIC_JWT_ALGORITHMS, PlatformSettings

log = logging.getLogger(__name__)

JwksFetcher = Callable[[], Mapping[str, Any]]
"""Returns a JWKS document (``{"keys": [...]}``); raises on failure."""

_JWKS_TIMEOUT_SECONDS = 5.0
# After a failed fetch, retry sooner than the normal interval (a restarted Keycloak should not
# mean minutes of 401s) but still rarely enough that a token flood cannot hammer it.
_FAILED_FETCH_RETRY_SECONDS = 5.0


class TokenError(Exception):
    """The bearer token is not acceptable. ``reason`` is safe to show to the client."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def http_jwks_fetcher(url: str, *, timeout: float = _JWKS_TIMEOUT_SECONDS) -> JwksFetcher:
    """A fetcher that GETs the JWKS document at ``url`` (the realm's ``certs`` endpoint)."""

    def fetch() -> Mapping[str, Any]:
        response = requests.get(url, timeout=timeout)
        response.raise_for_status()
        document: Mapping[str, Any] = response.json()
        return document

    return fetch


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A JWKS signing key; ``alg`` is what the key declares, if anything."""

    kid: str
    jwk: PyJWK
    alg: str | None


class JwksCache:
    """Signing keys by ``kid``; refetched on an unknown kid, at most once per interval.

    The first lookup fetches. After a failed fetch the next attempt may come after
    ``min(interval, 5 s)``. Thread-safe: concurrent requests with unknown kids cause a single
    fetch; requests with known kids never wait.
    """

    def __init__(
        self,
        fetch: JwksFetcher,
        *,
        min_refetch_interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._interval = min_refetch_interval
        self._clock = clock
        self._keys: dict[str, SigningKey] = {}
        self._last_attempt: float | None = None
        self._last_failed = False
        self._lock = threading.Lock()
        self.fetch_count = 0

    def key_for(self, kid: str) -> SigningKey | None:
        """The signing key for ``kid``, or ``None`` if unknown even after an allowed refetch."""
        key = self._keys.get(kid)
        if key is not None:
            return key
        with self._lock:
            key = self._keys.get(kid)  # another thread may have refetched meanwhile
            if key is not None:
                return key
            now = self._clock()
            wait = (
                min(self._interval, _FAILED_FETCH_RETRY_SECONDS)
                if self._last_failed
                else self._interval
            )
            if self._last_attempt is not None and now - self._last_attempt < wait:
                return None
            self._last_attempt = now
            self._refresh()
            return self._keys.get(kid)

    def _refresh(self) -> None:
        self.fetch_count += 1
        try:
            keys = self._parse(self._fetch())
        except Exception:
            # Keep serving the keys we have; the (shorter) retry delay limits the next attempt.
            self._last_failed = True
            log.warning(
                "JWKS fetch failed; keeping %d known key(s)", len(self._keys), exc_info=True
            )
            return
        self._last_failed = False
        self._keys = keys
        log.info("JWKS fetched: %d signing key(s)", len(keys))

    @staticmethod
    def _parse(document: Mapping[str, Any]) -> dict[str, SigningKey]:
        """Signing keys of a JWKS document; raises ``ValueError`` if it is not one."""
        entries = document.get("keys") if isinstance(document, Mapping) else None
        if not isinstance(entries, list):
            raise ValueError("JWKS document has no 'keys' list")
        keys: dict[str, SigningKey] = {}
        for data in entries:
            if not isinstance(data, Mapping):
                continue
            kid = data.get("kid")
            if data.get("use", "sig") != "sig" or not isinstance(kid, str) or not kid:
                continue  # encryption keys (RSA-OAEP) and anonymous keys are never signers
            try:
                keys[kid] = SigningKey(kid, PyJWK(dict(data)), data.get("alg"))
            except jwt.PyJWTError:
                log.warning("JWKS key %s skipped: unsupported", kid)
        return keys


class TokenVerifier:
    """Verifies a bearer token and returns the ``Principal``; raises ``TokenError`` otherwise.

    Checks, in order: structure, ``alg`` in the allow-list (asymmetric only), known ``kid``,
    signature, ``exp``/``nbf``/``iat`` (with ``leeway``), ``iss``, audience (``aud`` contains
    it, or ``azp`` equals it), ``typ`` is ``Bearer`` when present, and the tenancy claims.
    """

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks: JwksCache,
        algorithms: Collection[str] = ("RS256",),
        leeway: float = 30.0,
    ) -> None:
        rejected = set(algorithms) - ASYMMETRIC_JWT_ALGORITHMS
        if rejected or not algorithms:
            raise ValueError(f"only asymmetric JWT algorithms are allowed, got {sorted(rejected)}")
        self.issuer = issuer
        self.audience = audience
        self.jwks = jwks
        self.algorithms = frozenset(algorithms)
        self.leeway = leeway

    @classmethod
    def from_settings(
        cls, settings: PlatformSettings, *, fetch: JwksFetcher | None = None
    ) -> TokenVerifier:
        """A verifier for the realm in ``settings``; ``fetch`` defaults to HTTP on jwks_url."""
        jwks = JwksCache(
            fetch or http_jwks_fetcher(settings.jwks_url),
            min_refetch_interval=settings.jwks_min_refetch_seconds,
        )
        return cls(
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            jwks=jwks,
            algorithms=settings.jwt_algorithms,
            leeway=settings.jwt_leeway_seconds,
        )

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; ``TokenError`` with a client-safe reason otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise TokenError("malformed token") from None
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise TokenError("token algorithm not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenError("token has no key id")
        key = self.jwks.key_for(kid)
        if key is None:
            raise TokenError("token signed with an unknown key")
        if key.alg is not None and key.alg != alg:
            raise TokenError("token algorithm does not match its key")
        claims = self._decode(token, key, alg)
        if not self._audience_matches(claims):
            raise TokenError("token audience not accepted")
        if claims.get("typ", "Bearer") != "Bearer":
            raise TokenError("not an access token")
        try:
            return Principal.from_claims(claims)
        except ClaimsError as exc:
            raise TokenError(str(exc)) from None

    def _decode(self, token: str, key: SigningKey, alg: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.jwk.key,
                algorithms=[alg],
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("token expired") from None
        except jwt.ImmatureSignatureError:
            raise TokenError("token not yet valid") from None
        except jwt.InvalidIssuerError:
            raise TokenError("token issuer not accepted") from None
        except jwt.InvalidSignatureError:
            raise TokenError("token signature invalid") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError(f"token lacks the {exc.claim} claim") from None
        except jwt.PyJWTError:
            raise TokenError("invalid token") from None
        return claims

    def _audience_matches(self, claims: Mapping[str, Any]) -> bool:
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        return self.audience in audiences or claims.get("azp") == self.audience
