"""The seed's HTTP side: real tokens by password grant, one session per demo login.

Every call goes through a service's public API with a demo user's token, exactly as a person
would; `Api.expect` turns an unexpected answer into one readable line and exit code 1. A login
Keycloak refuses, or a 403, is `Refused`: a user disabled a demo login or changed its roles, and
the seed leaves that tenant alone instead of failing (see `deploy.local.seed.main`).

Services learn of a new account from identity's event, a moment after the invitation answered:
until then grid_registry refuses a membership naming it (422 ``user_id``). `Api.expect_known`
sends such a request again until the account is known (`retry_while`, at most
``ACCOUNT_WAIT_SECONDS``); the e2e tests' own tenants wait with the same loop.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests

KEYCLOAK = f"http://127.0.0.1:{os.environ.get('KEYCLOAK_PORT', '8080')}"
IDENTITY = f"http://127.0.0.1:{os.environ.get('IDENTITY_PORT', '8101')}"
REGISTRY = f"http://127.0.0.1:{os.environ.get('GRID_REGISTRY_PORT', '8102')}"
SCORING = f"http://127.0.0.1:{os.environ.get('SCORING_PORT', '8106')}"
PASSWORD = os.environ.get("GRIDGOV_DEMO_PASSWORD", "gridgov-demo-pass")
TIMEOUT = 10
PAGE_SIZE = 200  # the platform's largest page
ACCOUNT_WAIT_SECONDS = 15.0  # identity's event reaches every service within seconds


class Refused(Exception):
    """Keycloak refused a demo login, or a service refused it an action (403)."""


def token(username: str) -> str:
    """An access token of a demo login (password grant on the public app client)."""
    response = requests.post(
        f"{KEYCLOAK}/realms/gridgov/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "gridgov-app",
            "username": username,
            "password": PASSWORD,
        },
        timeout=TIMEOUT,
    )
    if response.status_code in {400, 401} and response.json().get("error") == "invalid_grant":
        reason = response.json().get("error_description", "refused")
        raise Refused(f"{username} cannot log in with the demo password ({reason})")
    if response.status_code != 200:
        sys.exit(f"seed: {username} cannot log in: {response.status_code} {response.text}")
    return str(response.json()["access_token"])


def detail(response: requests.Response) -> str:
    """The problem's detail (problem+json), else the start of the body."""
    try:
        return str(response.json()["detail"])
    except (ValueError, KeyError, TypeError):
        return response.text[:200]


def names_unknown_user(response: requests.Response) -> bool:
    """Whether the service refused the request for naming a user id that is not (yet) one of
    the tenant's accounts: 422 with ``user_id`` among the fields."""
    if response.status_code != 422:
        return False
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return False
    return any(isinstance(e, dict) and e.get("field") == "user_id" for e in errors)


def retry_while(
    send: Callable[[], requests.Response],
    refused: Callable[[requests.Response], bool],
    *,
    timeout_s: float = ACCOUNT_WAIT_SECONDS,
    pause_s: float = 0.5,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> requests.Response:
    """``send()``'s answer, sending again every ``pause_s`` while ``refused`` holds for it (a
    passing refusal, such as an account identity has not announced yet), for ``timeout_s`` at
    most; the last answer, whatever it is."""
    deadline = clock() + timeout_s
    response = send()
    while refused(response) and clock() < deadline:
        sleep(pause_s)
        response = send()
    return response


class Api:
    """One service's API as one demo login."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.username = username
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token(username)}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """The raw answer of one request."""
        return self.session.request(method, f"{self.base}{path}", timeout=TIMEOUT, **kwargs)

    def expect(self, method: str, path: str, *ok: int, **kwargs: Any) -> requests.Response:
        """The answer when its status is one of ``ok``; 403 raises `Refused`; otherwise the
        seed stops, saying why."""
        return self._judge(self.call(method, path, **kwargs), method, path, ok)

    def expect_known(self, method: str, path: str, *ok: int, **kwargs: Any) -> requests.Response:
        """`expect` for a request naming a user just invited: sent again while the service
        does not know the account yet (`names_unknown_user`), for up to
        ``ACCOUNT_WAIT_SECONDS``."""
        response = retry_while(lambda: self.call(method, path, **kwargs), names_unknown_user)
        return self._judge(response, method, path, ok)

    def _judge(
        self, response: requests.Response, method: str, path: str, ok: tuple[int, ...]
    ) -> requests.Response:
        if response.status_code == 403 and 403 not in ok:
            raise Refused(f"{self.username} may not {method} {path} ({detail(response)})")
        if response.status_code not in ok:
            sys.exit(
                f"seed: {method} {path} as {self.username} failed: "
                f"{response.status_code} {response.text[:500]}"
            )
        return response

    def items(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paginated list."""
        page = 1
        while True:
            body = self.expect(
                "GET", path, 200, params={**params, "page": page, "page_size": PAGE_SIZE}
            ).json()
            yield from body["items"]
            if page * PAGE_SIZE >= body["total"] or not body["items"]:
                return
            page += 1


def left_as_is(thing: str, state: str) -> None:
    """Say that a user changed ``thing`` of the demo, which the seed therefore leaves alone."""
    print(f"seed: {thing} {state} (by a user): left as is")
