"""The app factory: auth wiring, request ids, health, readiness, OpenAPI, pagination, metrics."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, request, url_for
from flask.testing import FlaskClient
from flask_smorest import Blueprint as PlainBlueprint

from shared.auth import public
from shared.http import PROBLEM_CONTENT_TYPE, Blueprint
from shared.logs import get_context
from shared.settings import PlatformSettings
from shared.testing.tokens import LocalIssuer


def test_healthz_needs_no_token(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "service": "things"}


def test_request_id_is_echoed_when_sane(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "abc-123.def:4"})
    assert response.headers["X-Request-ID"] == "abc-123.def:4"


@pytest.mark.parametrize("bad", ["", "x" * 200, "has space", "new\\nline", "-leading", "<script>"])
def test_insane_request_id_is_replaced(client: FlaskClient, bad: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": bad})
    generated = response.headers["X-Request-ID"]
    assert generated != bad
    assert len(generated) == 32
    assert generated.isalnum()


def test_request_and_tenant_are_bound_in_the_log_context_during_the_request(
    app: Flask, issuer: LocalIssuer
) -> None:
    seen: list[dict[str, str]] = []

    @app.route("/probe-context")
    def probe() -> str:
        seen.append(get_context())
        return "ok"

    token = issuer.token(tenant_id="demo-town-b", subject="u-7")
    response = app.test_client().get(
        "/probe-context", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "rid-1"}
    )
    assert response.status_code == 200
    assert seen == [
        {"request_id": "rid-1", "service": "things", "tenant_id": "demo-town-b", "subject": "u-7"}
    ]
    assert get_context() == {}


def test_routes_added_later_are_authenticated_by_default(app: Flask) -> None:
    @app.route("/late")
    def late() -> str:
        return "should not be reachable"

    response = app.test_client().get("/late")
    assert response.status_code == 401
    assert response.content_type == PROBLEM_CONTENT_TYPE


def test_untenanted_overseer_is_refused_on_tenant_scoped_endpoints(
    client: FlaskClient, issuer: LocalIssuer
) -> None:
    token = issuer.token(
        tenant_id=None, district_id="demo-district", roles=("district-overseer", "grid-worker")
    )
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get("/things", headers=headers)
    assert response.status_code == 403
    assert response.content_type == PROBLEM_CONTENT_TYPE
    assert "tenant" in response.get_json()["detail"]
    cross = client.get("/things/whoami", headers=headers)
    assert cross.status_code == 200
    assert cross.get_json()["tenant_id"] is None


def test_untenanted_worker_token_is_401(client: FlaskClient, issuer: LocalIssuer) -> None:
    token = issuer.token(tenant_id=None, roles=("grid-worker",))
    response = client.get("/things/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_pagination_envelope_and_bounds(
    client: FlaskClient, worker_headers: dict[str, str]
) -> None:
    first = client.get("/things?page_size=3", headers=worker_headers).get_json()
    assert [item["id"] for item in first["items"]] == ["t-0", "t-1", "t-2"]
    assert (first["page"], first["page_size"], first["total"]) == (1, 3, 7)
    last = client.get("/things?page=3&page_size=3", headers=worker_headers).get_json()
    assert [item["id"] for item in last["items"]] == ["t-6"]
    beyond = client.get("/things?page=9&page_size=3", headers=worker_headers)
    assert beyond.status_code == 200
    assert beyond.get_json()["items"] == []
    default = client.get("/things", headers=worker_headers).get_json()
    assert default["page_size"] == 50
    assert client.get("/things?page_size=200", headers=worker_headers).status_code == 200
    too_big = client.get("/things?page_size=201", headers=worker_headers)
    assert too_big.status_code == 422
    assert [e["field"] for e in too_big.get_json()["errors"]] == ["page_size"]


def test_openapi_declares_bearer_auth_and_public_probes(client: FlaskClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert spec["security"] == [{"bearerAuth": []}]
    assert spec["paths"]["/healthz"]["get"]["security"] == []
    assert spec["paths"]["/readyz"]["get"]["security"] == []
    assert "security" not in spec["paths"]["/things"]["post"]  # inherits the global bearerAuth
    assert "/metrics" not in spec["paths"]
    post_schema = spec["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]
    assert post_schema["schema"]["$ref"].endswith("/ThingIn")
    error = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "errors", "request_id"} <= error["properties"].keys()


def test_openapi_lists_401_and_the_roles_behind_each_403(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    post = paths["/things"]["post"]
    assert post["responses"]["401"] == {"$ref": "#/components/responses/UNAUTHORIZED"}
    assert post["responses"]["403"] == {"$ref": "#/components/responses/FORBIDDEN"}
    assert post["x-required-roles"] == ["tenant-admin"]
    any_role = paths["/things/{thing_id}"]["get"]
    assert "403" in any_role["responses"]  # tenant-scoped: an untenanted token is refused
    assert "x-required-roles" not in any_role
    assert "401" not in paths["/healthz"]["get"]["responses"]


def test_blueprints_must_use_the_hardened_parser(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(TypeError, match=r"shared\.http\.Blueprint"):
        make_app(blueprints=[PlainBlueprint("plain", __name__)])


class Gate:
    """Holds hanging readiness checks until the test ends, so no thread outlives it."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def hang(self) -> None:
        self.release.wait(30)


@pytest.fixture
def gate() -> Iterator[Gate]:
    held = Gate()
    yield held
    held.release.set()


def ok_check() -> None:
    return None


def failing_check() -> None:
    raise ConnectionRefusedError("127.0.0.1:27017 refused, password=hunter2")


def test_readyz_ok_when_every_check_passes(make_app: Callable[..., Flask]) -> None:
    client = make_app(readiness_checks={"mongo": ok_check, "kafka": ok_check}).test_client()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == {"mongo": "ok", "kafka": "ok"}


def test_readyz_503_names_the_failed_check_without_its_message(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(readiness_checks={"mongo": failing_check, "kafka": ok_check}).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.content_type == PROBLEM_CONTENT_TYPE
    body: dict[str, Any] = response.get_json()
    assert body["checks"] == {"mongo": "failed: ConnectionRefusedError", "kafka": "ok"}
    assert body["detail"] == "not ready: mongo"
    assert "hunter2" not in response.get_data(as_text=True)


def test_readyz_answers_within_the_budget_when_a_check_hangs(
    make_app: Callable[..., Flask], gate: Gate
) -> None:
    client = make_app(
        readiness_checks={"kafka": gate.hang, "mongo": ok_check}, readiness_budget=0.3
    ).test_client()
    for _ in range(5):  # the hung check is not started again; mongo keeps its own thread
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
        assert response.status_code == 503
        assert response.get_json()["checks"] == {"kafka": "timed out after 0.3 s", "mongo": "ok"}
        assert elapsed < 1.0


def test_readyz_recovers_when_the_hung_check_returns(
    make_app: Callable[..., Flask], gate: Gate
) -> None:
    client = make_app(readiness_checks={"kafka": gate.hang}, readiness_budget=0.2).test_client()
    assert client.get("/readyz").status_code == 503
    gate.release.set()
    deadline = time.monotonic() + 2
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline


def test_public_marker_on_a_method_view_handler_opens_only_that_method(
    client: FlaskClient,
) -> None:
    assert client.get("/things/open").get_json() == {"open": "yes"}
    assert client.delete("/things/open").status_code == 401


def test_one_access_log_line_per_request(
    client: FlaskClient, worker_headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="gridgov.access")
    client.get("/things/t-1", headers={**worker_headers, "X-Request-ID": "rid-42"})
    (record,) = [r for r in caplog.records if r.name == "gridgov.access"]
    assert record.getMessage() == "GET /things/t-1 200"
    assert record.__dict__["route"] == "/things/<thing_id>"
    assert record.__dict__["status"] == 200


links = Blueprint("links", __name__, url_prefix="/links")


@links.route("/made", methods=["POST"])
@public
def made() -> tuple[dict[str, str], int, dict[str, str]]:
    location = url_for("links.made")
    return {"scheme": request.scheme}, 201, {"Location": location}


@pytest.mark.parametrize(
    ("hops", "location", "scheme"),
    [(1, "/api/things/links/made", "https"), (0, "/links/made", "http")],
    ids=["behind-the-gateway", "headers-ignored"],
)
def test_behind_the_gateway_links_keep_its_prefix_and_scheme(
    make_app: Callable[..., Flask], hops: int, location: str, scheme: str
) -> None:
    """The gateway strips /api/<service> before the service sees the path, and says so in
    X-Forwarded-Prefix: a Location built by the service must lead back through it."""
    settings = PlatformSettings.from_env({}, service="things", proxy_hops=hops)
    client = make_app(settings=settings, blueprints=[links]).test_client()
    forwarded = {"X-Forwarded-Prefix": "/api/things", "X-Forwarded-Proto": "https"}

    response = client.post("/links/made", headers=forwarded)

    assert response.status_code == 201
    assert response.headers["Location"] == location
    assert response.get_json() == {"scheme": scheme}
