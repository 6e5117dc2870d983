"""The local stack's gateway (`stack.sh up gateway`): every API through one origin, its own
answers in problem+json, request ids kept, no CORS, no version in `Server`, and a second `up`
that starts nothing."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import uuid
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.integration

GATEWAY = f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8000')}"


def test_every_api_answers_under_its_prefix(service_names: list[str]) -> None:
    for service in service_names:
        response = requests.get(f"{GATEWAY}/api/{service}/healthz", timeout=5)
        assert response.status_code == 200, service
        assert response.json() == {"status": "ok", "service": service}


def test_an_unknown_api_is_a_404_problem() -> None:
    response = requests.get(f"{GATEWAY}/api/nope/x", timeout=5)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:gridgov:problem:not-found"
    assert body["status"] == 404
    assert body["title"]
    assert body["detail"]


@pytest.mark.parametrize("path", ["/api/identity/healthz", "/api/nope/x"])
def test_the_request_id_sent_comes_back(path: str) -> None:
    request_id = f"gateway-test-{uuid.uuid4().hex}"
    response = requests.get(f"{GATEWAY}{path}", headers={"X-Request-ID": request_id}, timeout=5)
    assert response.headers["X-Request-ID"] == request_id


def test_dot_segments_reach_the_api_the_normalised_path_names() -> None:
    # Sent as written (requests would remove the dot segments itself).
    connection = http.client.HTTPConnection("127.0.0.1", int(GATEWAY.rsplit(":", 1)[1]), timeout=5)
    try:
        connection.request("GET", "/api/identity/../scoring/healthz")
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 200
    assert body["service"] == "scoring"


def test_no_cors_even_for_another_origin() -> None:
    origin = {"Origin": "https://evil.example"}
    answers = [
        requests.get(f"{GATEWAY}/api/scoring/healthz", headers=origin, timeout=5),
        requests.options(
            f"{GATEWAY}/api/scoring/healthz",
            headers={**origin, "Access-Control-Request-Method": "POST"},
            timeout=5,
        ),
        requests.get(f"{GATEWAY}/api/nope/x", headers=origin, timeout=5),
    ]
    for response in answers:
        assert not any(h.lower().startswith("access-control-") for h in response.headers)


def test_the_server_header_names_no_version() -> None:
    for path in ("/api/survey/healthz", "/api/nope/x", "/healthz"):
        server = requests.get(f"{GATEWAY}{path}", timeout=5).headers.get("Server", "")
        assert not re.search(r"\d", server), server


def test_the_console_reads_where_it_logs_in_from_the_gateway() -> None:
    response = requests.get(f"{GATEWAY}/console-config.json", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-cache"
    port = os.environ.get("KEYCLOAK_PORT", "8080")
    assert response.json() == {
        "keycloakUrl": f"http://127.0.0.1:{port}",
        "realm": "gridgov",
        "clientId": "gridgov-app",
    }


@pytest.mark.parametrize(
    ("redirect", "status"),
    [(f"{GATEWAY}/", 200), (f"{GATEWAY}/events?page=2", 200), ("http://127.0.0.1:9/", 400)],
    ids=["the-console", "a-console-page", "another-port"],
)
def test_keycloak_sends_the_console_back_to_the_gateway_only(
    keycloak_url: str, redirect: str, status: int
) -> None:
    """The console logs in with the public client (code + PKCE) and comes back to the gateway;
    Keycloak takes no port wildcard, so the realm names the gateway's address itself."""
    response = requests.get(
        f"{keycloak_url}/realms/gridgov/protocol/openid-connect/auth",
        params={
            "client_id": "gridgov-app",
            "redirect_uri": redirect,
            "response_type": "code",
            "scope": "openid",
            "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "code_challenge_method": "S256",
        },
        timeout=10,
    )
    assert response.status_code == status
    assert ('id="kc-form-login"' in response.text) is (status == 200)


def test_a_location_leads_back_through_the_gateway(api, tenant_a) -> None:
    """The gateway strips /api/identity and says so (X-Forwarded-Prefix, trusted one hop deep:
    GRIDGOV_PROXY_HOPS): the link identity answers keeps the prefix, so it works from here."""
    admin = api("identity", tenant_a.admin).session
    person = {
        "username": f"gw{uuid.uuid4().hex[:10]}",
        "display_name": "网关测试",
        "roles": ["inspector"],
    }

    invited = admin.post(f"{GATEWAY}/api/identity/users", json=person, timeout=30)

    assert invited.status_code == 201, invited.text
    user_id = invited.json()["user"]["user_id"]
    assert invited.headers["Location"] == f"/api/identity/users/{user_id}"
    found = admin.get(GATEWAY + invited.headers["Location"], timeout=10)
    assert found.status_code == 200, found.text
    assert found.json()["username"] == person["username"]


def test_a_second_up_starts_nothing(repo: Path) -> None:
    pid_file = repo / os.environ.get("GRIDGOV_INFRA_DIR", ".infra") / "run" / "gateway.pid"
    before = pid_file.read_text(encoding="utf-8").strip()
    done = subprocess.run(
        ["bash", str(repo / "deploy/local/stack.sh"), "up", "gateway"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "starting" not in done.stderr
    assert pid_file.read_text(encoding="utf-8").strip() == before
    assert re.search(r"^gateway\s+\S+\s+up$", done.stdout, re.MULTILINE)
