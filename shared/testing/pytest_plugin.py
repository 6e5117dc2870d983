"""The project's pytest plugin: the socket policy per marker and the real-token fixtures.

Socket policy, applied in every test's setup phase (before its fixtures run):

* a test marked neither ``integration`` nor ``e2e`` is a unit test: it cannot create an
  internet socket at all (``socket.socket``, ``getaddrinfo`` and ``gethostbyname`` raise
  ``pytest_socket.SocketBlockedError``); Unix-domain sockets stay allowed;
* a test marked ``integration`` or ``e2e`` may connect to loopback only (``127.0.0.1``,
  ``::1``, ``localhost``); any other address raises ``pytest_socket.SocketConnectBlockedError``.

The policy is deliberately not overridable per test (pytest-socket's ``enable_socket`` marker
is ignored for unmarked tests): a unit test that needs the network is an integration test.

Selecting tests: ``pytest -m "not integration and not e2e"`` runs the unit tests only
(``make test-unit``); ``--unit-only`` (or ``GRIDGOV_UNIT_ONLY=1``) does the same without
spelling out the expression, and ``-m "integration or e2e"`` runs the rest.

Fixtures:

* ``keycloak_url`` (session): the Keycloak base URL, ``$GRIDGOV_KEYCLOAK_URL`` or
  ``http://127.0.0.1:8080``;
* ``keycloak_tokens`` (session): ``{username: access_token}`` for every demo user in
  ``DEMO_USERS``, fetched once per session from the real Keycloak by password grant; the test
  errors with the URL and ``make up`` when Keycloak cannot be reached.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final

import pytest
import requests
from pytest_socket import disable_socket, socket_allow_hosts

from shared.mongo.guard import TenantGuardListener, install_tenant_guard

LOOPBACK_HOSTS: Final[tuple[str, ...]] = ("127.0.0.1", "::1", "localhost")
NETWORK_MARKERS: Final[frozenset[str]] = frozenset({"integration", "e2e"})

DEFAULT_KEYCLOAK_URL: Final = "http://127.0.0.1:8080"
REALM: Final = "gridgov"
PUBLIC_CLIENT_ID: Final = "gridgov-app"
DEFAULT_DEMO_PASSWORD: Final = "gridgov-demo-pass"  # noqa: S105 - public dev-realm demo password
_TOKEN_TIMEOUT_SECONDS: Final = 10.0


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A login seeded in the dev realm, with the tenancy its token carries."""

    username: str
    tenant_id: str | None = None
    district_id: str | None = None


DEMO_USERS: Final[tuple[DemoUser, ...]] = (
    DemoUser("admin.a", tenant_id="demo-town-a"),
    DemoUser("worker.a", tenant_id="demo-town-a"),
    DemoUser("admin.b", tenant_id="demo-town-b"),
    DemoUser("worker.b", tenant_id="demo-town-b"),
    DemoUser("overseer", district_id="demo-district"),
    DemoUser("platform.admin"),
)


class KeycloakUnavailableError(RuntimeError):
    """Keycloak could not be reached or refused a demo login; the message says what to do."""


def keycloak_base_url() -> str:
    """The Keycloak base URL from ``GRIDGOV_KEYCLOAK_URL`` (no trailing slash)."""
    return os.environ.get("GRIDGOV_KEYCLOAK_URL", DEFAULT_KEYCLOAK_URL).rstrip("/")


def token_endpoint(base_url: str | None = None) -> str:
    """The realm's OpenID Connect token endpoint under ``base_url`` (default: from env)."""
    base = (base_url or keycloak_base_url()).rstrip("/")
    return f"{base}/realms/{REALM}/protocol/openid-connect/token"


def fetch_demo_tokens(
    *,
    base_url: str | None = None,
    password: str | None = None,
    users: tuple[DemoUser, ...] = DEMO_USERS,
) -> dict[str, str]:
    """Fetch one real access token per demo user by password grant on the public client.

    Raises ``KeycloakUnavailableError`` naming the URL and ``make up`` when Keycloak does not
    answer, and naming the user and Keycloak's error when a login is refused.
    """
    url = token_endpoint(base_url)
    secret = password or os.environ.get("GRIDGOV_DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)
    tokens: dict[str, str] = {}
    with requests.Session() as http:
        for user in users:
            try:
                response = http.post(
                    url,
                    data={
                        "grant_type": "password",
                        "client_id": PUBLIC_CLIENT_ID,
                        "username": user.username,
                        "password": secret,
                        "scope": "openid",
                    },
                    timeout=_TOKEN_TIMEOUT_SECONDS,
                )
            except requests.RequestException as exc:
                raise KeycloakUnavailableError(
                    f"Keycloak is not reachable at {url} ({exc.__class__.__name__}: {exc}). "
                    "Start the local stack with `make up` (or set GRIDGOV_KEYCLOAK_URL)."
                ) from exc
            if response.status_code != 200:
                raise KeycloakUnavailableError(
                    f"Keycloak at {url} refused the demo login {user.username!r}: "
                    f"HTTP {response.status_code} {response.text[:300]}. "
                    "Is the realm imported and seeded? Run `make up`; check "
                    "GRIDGOV_DEMO_PASSWORD."
                )
            tokens[user.username] = str(response.json()["access_token"])
    return tokens


def token_expires_at(token: str) -> float:
    """The unverified ``exp`` of a JWT (0 when unreadable, which forces a refetch)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return float(claims["exp"])
    except (IndexError, ValueError, KeyError, TypeError):
        return 0.0


class DemoTokens(Mapping[str, str]):
    """Demo access tokens by username, fetched again when one is about to expire.

    Keycloak's access tokens live minutes; a session-long integration run outlives them, so
    each lookup returns a token valid for at least ``min_validity`` more seconds.
    """

    def __init__(
        self,
        *,
        base_url: str,
        users: tuple[DemoUser, ...] = DEMO_USERS,
        min_validity: float = 60.0,
    ) -> None:
        self._base_url = base_url
        self._users = {user.username: user for user in users}
        self._min_validity = min_validity
        self._tokens = fetch_demo_tokens(base_url=base_url, users=users)

    def __getitem__(self, username: str) -> str:
        token = self._tokens[username]
        if token_expires_at(token) - time.time() < self._min_validity:
            fresh = fetch_demo_tokens(base_url=self._base_url, users=(self._users[username],))
            token = self._tokens[username] = fresh[username]
        return token

    def __iter__(self) -> Iterator[str]:
        return iter(self._tokens)

    def __len__(self) -> int:
        return len(self._tokens)


def _is_network_test(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(name) is not None for name in NETWORK_MARKERS)


def _unit_only_requested(config: pytest.Config) -> bool:
    flag = bool(config.getoption("unit_only"))
    return flag or os.environ.get("GRIDGOV_UNIT_ONLY", "").lower() in {"1", "true", "yes"}


def pytest_configure(config: pytest.Config) -> None:
    """Install the tenant guard before any test creates a MongoDB client.

    pymongo applies global listeners only to clients created after registration, so this runs
    at start-up; the autouse ``tenant_guard`` fixture then fails every test that issued an
    untenanted query on a tenant collection (see ``shared.mongo.guard``).
    """
    install_tenant_guard()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--unit-only``."""
    group = parser.getgroup("gridgov")
    group.addoption(
        "--unit-only",
        action="store_true",
        dest="unit_only",
        default=False,
        help="run only tests marked neither integration nor e2e (also GRIDGOV_UNIT_ONLY=1)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect integration and e2e tests when ``--unit-only`` is requested."""
    if not _unit_only_requested(config):
        return
    keep = [item for item in items if not _is_network_test(item)]
    dropped = [item for item in items if _is_network_test(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> object:
    """Apply the socket policy before any other setup (fixtures included) runs.

    A wrapper runs its first half before every plain ``pytest_runtest_setup`` (pytest-socket's
    and pytest's own fixture setup), so the policy is in force for the test's fixtures too.
    pytest-socket's ``pytest_runtest_teardown`` restores the real socket functions afterwards.
    """
    if _is_network_test(item):
        # Resolve "localhost" before anything is restricted; the result is cached per session.
        socket_allow_hosts(list(LOOPBACK_HOSTS), allow_unix_socket=True)
    else:
        if item.get_closest_marker("enable_socket") or "socket_enabled" in getattr(
            item, "fixturenames", ()
        ):
            pytest.fail(
                f"{item.nodeid}: unit tests cannot enable sockets; mark the test "
                "`integration` (loopback servers) instead",
                pytrace=False,
            )
        disable_socket(allow_unix_socket=True)
    return (yield)


@pytest.fixture(autouse=True)
def tenant_guard() -> Iterator[TenantGuardListener]:
    """Fail the test if it (or the code it ran) queried a tenant collection without tenant_id.

    Tests of the guard itself drain it with ``take_violations()`` before returning.
    """
    guard = install_tenant_guard()
    guard.take_violations()
    yield guard
    guard.assert_clean()


@pytest.fixture(scope="session")
def keycloak_url() -> str:
    """The Keycloak base URL the tests talk to."""
    return keycloak_base_url()


@pytest.fixture(scope="session")
def keycloak_tokens(keycloak_url: str) -> Mapping[str, str]:
    """Real access tokens of every demo user, keyed by username (``"admin.a"``, ...).

    Each lookup returns a token valid for at least another minute (refetched when needed).
    Only usable from tests marked ``integration`` or ``e2e`` (unit tests have no sockets).
    """
    try:
        return DemoTokens(base_url=keycloak_url)
    except KeycloakUnavailableError as exc:
        pytest.fail(str(exc), pytrace=False)


__all__ = [
    "DEMO_USERS",
    "LOOPBACK_HOSTS",
    "DemoTokens",
    "DemoUser",
    "KeycloakUnavailableError",
    "fetch_demo_tokens",
    "keycloak_base_url",
    "keycloak_tokens",
    "keycloak_url",
    "token_endpoint",
    "token_expires_at",
]
