"""The seed's HTTP side: real tokens by password grant, one session per demo login.

Every call goes through a service's public API with a demo user's token, exactly as a person
would; `Api.expect` turns an unexpected answer into one readable line and exit code 1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import requests

KEYCLOAK = f"http://127.0.0.1:{os.environ.get('KEYCLOAK_PORT', '8080')}"
IDENTITY = f"http://127.0.0.1:{os.environ.get('IDENTITY_PORT', '8101')}"
REGISTRY = f"http://127.0.0.1:{os.environ.get('GRID_REGISTRY_PORT', '8102')}"
SCORING = f"http://127.0.0.1:{os.environ.get('SCORING_PORT', '8106')}"
PASSWORD = os.environ.get("GRIDGOV_DEMO_PASSWORD", "gridgov-demo-pass")
TIMEOUT = 10
PAGE_SIZE = 200  # the platform's largest page


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
    if response.status_code != 200:
        sys.exit(f"seed: {username} cannot log in: {response.status_code} {response.text}")
    return str(response.json()["access_token"])


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
        """The answer when its status is one of ``ok``; otherwise the seed stops, saying why."""
        response = self.call(method, path, **kwargs)
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
