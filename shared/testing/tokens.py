"""A local stand-in for Keycloak's signing side, for unit tests that must not touch a network.

``LocalIssuer`` owns RSA keys, serves them as a JWKS document through a plain function (the
``fetch`` a ``JwksCache`` takes), counts the fetches, and mints access tokens shaped like the
``gridgov`` realm's (``realm_access.roles``, ``tenant_id``, ``district_id``, ``azp``, ``typ``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared.auth import JwksCache, TokenVerifier

TEST_ISSUER = "http://keycloak.test/realms/gridgov"
TEST_AUDIENCE = "gridgov-api"


class LocalIssuer:
    """Signs tokens with local RSA keys and publishes the public half as a JWKS."""

    def __init__(
        self, *, issuer: str = TEST_ISSUER, audience: str = TEST_AUDIENCE, kid: str = "key-1"
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.published: set[str] = set()
        self.current_kid = kid
        self.fetch_count = 0
        self.add_key(kid)

    def add_key(self, kid: str, *, publish: bool = True) -> rsa.RSAPrivateKey:
        """Create a key; ``publish=False`` keeps it out of the JWKS (a forger's key)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.keys[kid] = key
        if publish:
            self.published.add(kid)
        return key

    def jwks(self) -> dict[str, Any]:
        """The JWKS document of the published keys, and an encryption key Keycloak also lists."""
        self.fetch_count += 1
        documents: list[dict[str, Any]] = []
        for kid in sorted(self.published):
            public = json.loads(RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
            documents.append({**public, "kid": kid, "use": "sig", "alg": "RS256"})
        encryption = json.loads(RSAAlgorithm.to_jwk(self.keys[self.current_kid].public_key()))
        documents.append({**encryption, "kid": "enc-key", "use": "enc", "alg": "RSA-OAEP"})
        return {"keys": documents}

    def claims(
        self,
        *,
        subject: str = "user-1",
        username: str = "worker.a",
        tenant_id: str | None = "demo-town-a",
        district_id: str | None = None,
        roles: Iterable[str] = ("grid-worker",),
        expires_in: int = 300,
        **extra: Any,
    ) -> dict[str, Any]:
        """Realm-shaped access-token claims; ``extra`` adds or overrides (``None`` deletes)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": [self.audience, "account"],
            "sub": subject,
            "typ": "Bearer",
            "azp": "gridgov-app",
            "iat": now,
            "exp": now + expires_in,
            "jti": str(uuid.uuid4()),
            "preferred_username": username,
            "realm_access": {"roles": [*roles, "default-roles-gridgov"]},
        }
        if tenant_id is not None:
            claims["tenant_id"] = tenant_id
        if district_id is not None:
            claims["district_id"] = district_id
        for name, value in extra.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def sign(
        self,
        claims: Mapping[str, Any],
        *,
        kid: str | None = None,
        algorithm: str = "RS256",
        headers: Mapping[str, Any] | None = None,
    ) -> str:
        """Sign ``claims`` with the key ``kid`` (default: the current key)."""
        use_kid = kid or self.current_kid
        return jwt.encode(
            dict(claims),
            self.keys[use_kid],
            algorithm=algorithm,
            headers={"kid": use_kid, **(headers or {})},
        )

    def token(self, *, kid: str | None = None, **claim_args: Any) -> str:
        """A signed access token; keyword arguments as for ``claims``."""
        return self.sign(self.claims(**claim_args), kid=kid)

    def verifier(
        self, *, min_refetch_interval: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> TokenVerifier:
        """A verifier whose JWKS comes from this issuer through a function call."""
        cache = JwksCache(self.jwks, min_refetch_interval=min_refetch_interval, clock=clock)
        return TokenVerifier(issuer=self.issuer, audience=self.audience, jwks=cache, leeway=5)


__all__ = ["TEST_AUDIENCE", "TEST_ISSUER", "LocalIssuer"]
