"""Drive Keycloak's browser login with ``requests``: a new user's first login.

A user created with a temporary password must change it in Keycloak's login pages
(required action UPDATE_PASSWORD) before any token is issued, and the password grant refuses
such an account ("Account is not fully set up"). ``first_login`` walks the real pages the way a
browser does, through the authorization-code flow with PKCE of the public app client: it
parses each form's ``action`` URL from the HTML, posts the credentials, then the
update-password form, and exchanges the code for tokens. ``PasswordTokens`` then keeps such
logins' access tokens valid for a whole session. For e2e tests only.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Final
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from shared.testing.pytest_plugin import (
    PUBLIC_CLIENT_ID,
    REALM,
    keycloak_base_url,
    token_expires_at,
)

# The phone app's registered redirect URI (Keycloak matches wildcards only at the end, so the
# realm's "http://127.0.0.1:*/*" does not match a concrete port). Nothing needs to handle it:
# the redirect is read from the Location header, never followed.
REDIRECT_URI: Final = "gridgov://callback"
_TIMEOUT_SECONDS: Final = 10.0
_MAX_PAGES: Final = 8
_ANSWERABLE: Final = frozenset({"username", "password", "password-new"})


class KeycloakLoginError(RuntimeError):
    """A login page did not look or answer as expected; the message quotes what came back."""


@dataclass(frozen=True)
class _Form:
    id: str | None
    action: str
    fields: tuple[str, ...]


class _FormParser(HTMLParser):
    """Every ``<form>`` of a page with its id, action and input names."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self._current = {"id": values.get("id"), "action": values.get("action"), "fields": []}
        elif tag == "input" and self._current is not None and values.get("name"):
            self._current["fields"].append(values["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._current is not None:
            if self._current["action"]:
                self.forms.append(
                    _Form(
                        self._current["id"],
                        str(self._current["action"]),
                        tuple(self._current["fields"]),
                    )
                )
            self._current = None


def _login_form(html: str) -> _Form:
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        if _ANSWERABLE & set(form.fields):
            return form
    raise KeycloakLoginError(f"no login or update-password form on the page: {html[:800]}")


def _send_over_http(jar: requests.cookies.RequestsCookieJar) -> None:
    # Keycloak marks its login cookies Secure (SameSite=None) even on plain http, where a
    # browser still sends them to 127.0.0.1 (a "potentially trustworthy" origin) but
    # requests does not: clear the flag so the local login works as in a browser.
    for cookie in jar:
        cookie.secure = False


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def _code_from(response: requests.Response, state: str) -> str:
    location = response.headers.get("Location", "")
    if response.status_code not in {302, 303} or not location.startswith(REDIRECT_URI):
        raise KeycloakLoginError(
            f"expected a redirect to the app, got {response.status_code}: {response.text[:500]}"
        )
    query = parse_qs(urlsplit(location).query)
    if query.get("state") != [state] or "code" not in query:
        raise KeycloakLoginError(f"unexpected redirect {location}")
    return query["code"][0]


def first_login(
    username: str,
    temporary_password: str,
    new_password: str,
    *,
    base_url: str | None = None,
    client_id: str = PUBLIC_CLIENT_ID,
) -> Mapping[str, Any]:
    """Log in with the temporary password, set ``new_password``; the token response."""
    base = (base_url or keycloak_base_url()).rstrip("/")
    oidc = f"{base}/realms/{REALM}/protocol/openid-connect"
    verifier, challenge = _pkce_pair()
    state = secrets.token_urlsafe(16)
    with requests.Session() as browser:
        page = browser.get(
            f"{oidc}/auth?"
            + urlencode(
                {
                    "client_id": client_id,
                    "response_type": "code",
                    "redirect_uri": REDIRECT_URI,
                    "scope": "openid",
                    "state": state,
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                }
            ),
            timeout=_TIMEOUT_SECONDS,
        )
        page.raise_for_status()
        _send_over_http(browser.cookies)
        # Pages differ by realm setup (with organizations enabled, Keycloak asks for the
        # username first, then the password): answer whatever form comes until the redirect.
        values = {
            "username": username,
            "password": temporary_password,
            "password-new": new_password,
            "password-confirm": new_password,
        }
        answer = page
        for _ in range(_MAX_PAGES):
            location = answer.headers.get("Location", "")
            if answer.is_redirect and location.startswith(REDIRECT_URI):
                break
            if answer.is_redirect:  # Keycloak's own next page (e.g. the required action)
                answer = browser.get(location, allow_redirects=False, timeout=_TIMEOUT_SECONDS)
            else:
                form = _login_form(answer.text)
                answer = browser.post(
                    form.action,
                    data={name: values[name] for name in form.fields if name in values},
                    allow_redirects=False,
                    timeout=_TIMEOUT_SECONDS,
                )
            _send_over_http(browser.cookies)
        code = _code_from(answer, state)
        tokens = browser.post(
            f"{oidc}/token",
            data={
                "grant_type": "authorization_code",
                "client_id": client_id,
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "code_verifier": verifier,
            },
            timeout=_TIMEOUT_SECONDS,
        )
        if tokens.status_code != 200:
            raise KeycloakLoginError(f"code exchange refused: {tokens.status_code} {tokens.text}")
        result: Mapping[str, Any] = tokens.json()
        return result


def password_token(username: str, password: str, *, base_url: str | None = None) -> str:
    """An access token by password grant on the public app client (raises on refusal)."""
    base = (base_url or keycloak_base_url()).rstrip("/")
    response = requests.post(
        f"{base}/realms/{REALM}/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": PUBLIC_CLIENT_ID,
            "username": username,
            "password": password,
            "scope": "openid",
        },
        timeout=_TIMEOUT_SECONDS,
    )
    if response.status_code != 200:
        raise KeycloakLoginError(f"password grant refused: {response.status_code} {response.text}")
    return str(response.json()["access_token"])


class PasswordTokens(Mapping[str, str]):
    """Access tokens by username of logins whose password the test knows (e.g. after
    ``first_login``); each lookup returns one valid for ``min_validity`` more seconds, fetched
    again by password grant when needed, like ``DemoTokens`` for the demo logins."""

    def __init__(self, *, base_url: str | None = None, min_validity: float = 60.0) -> None:
        self._base_url = base_url
        self._min_validity = min_validity
        self._passwords: dict[str, str] = {}
        self._tokens: dict[str, str] = {}

    def add(self, username: str, password: str, token: str | None = None) -> None:
        """Remember a login; ``token`` saves the first password grant when one is at hand."""
        self._passwords[username] = password
        self._tokens[username] = token or password_token(
            username, password, base_url=self._base_url
        )

    def __getitem__(self, username: str) -> str:
        token = self._tokens[username]
        if token_expires_at(token) - time.time() < self._min_validity:
            token = password_token(username, self._passwords[username], base_url=self._base_url)
            self._tokens[username] = token
        return token

    def __iter__(self) -> Iterator[str]:
        return iter(self._tokens)

    def __len__(self) -> int:
        return len(self._tokens)


__all__ = [
    "REDIRECT_URI",
    "KeycloakLoginError",
    "PasswordTokens",
    "first_login",
    "password_token",
]
