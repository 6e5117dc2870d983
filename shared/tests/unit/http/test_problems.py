"""Every failure a client can cause answers one problem+json shape with the exact status."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from flask import Flask, abort
from flask.testing import FlaskClient
from pymongo.errors import AutoReconnect, OperationFailure, ServerSelectionTimeoutError
from werkzeug.test import TestResponse

from shared.errors import FieldProblem, InvalidInput, StateConflict
from shared.http import PROBLEM_CONTENT_TYPE
from shared.http.errors import to_problem
from shared.testing.tokens import LocalIssuer

from .conftest import BODY_LIMIT

VALID_THING: dict[str, Any] = {
    "name": "well",
    "boundary": {"kind": "polygon", "coordinates": [1.0, 2.5]},
}


def problem(response: TestResponse, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == PROBLEM_CONTENT_TYPE
    body: dict[str, Any] = response.get_json(force=True)
    assert body["status"] == status
    assert body["type"].startswith("urn:gridgov:problem:")
    assert {"title", "detail", "instance", "errors", "request_id"} <= body.keys()
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def fields_of(body: dict[str, Any]) -> list[str]:
    return [error["field"] for error in body["errors"]]


def test_valid_create_answers_201(client: FlaskClient, admin_headers: dict[str, str]) -> None:
    response = client.post("/things", json=VALID_THING, headers=admin_headers)
    assert response.status_code == 201
    assert response.get_json() == {"id": "t-new", "name": "well", "tenant_id": "demo-town-a"}


def test_malformed_json_is_400(client: FlaskClient, admin_headers: dict[str, str]) -> None:
    response = client.post(
        "/things", data='{"name": ', content_type="application/json", headers=admin_headers
    )
    body = problem(response, 400)
    assert body["type"] == "urn:gridgov:problem:malformed-json"
    assert fields_of(body) == ["body"]


def test_invalid_utf8_is_400(client: FlaskClient, admin_headers: dict[str, str]) -> None:
    response = client.post(
        "/things", data=b'{"name": "\xff"}', content_type="application/json", headers=admin_headers
    )
    problem(response, 400)


@pytest.mark.parametrize(
    "payload",
    ["[" * 50_000 + "]" * 50_000, '{"name": ' + "9" * 5000 + "}"],
    ids=["deep-nesting", "huge-integer"],
)
def test_bodies_that_break_the_json_decoder_are_400_not_500(
    make_app: Any, admin_headers: dict[str, str], settings: Any, payload: str
) -> None:
    roomy = settings.__class__.from_env({}, service="things", http_max_body_bytes=1_000_000)
    client = make_app(settings=roomy).test_client()
    response = client.post(
        "/things", data=payload, content_type="application/json", headers=admin_headers
    )
    problem(response, 400)


def test_wrong_content_type_is_415(client: FlaskClient, admin_headers: dict[str, str]) -> None:
    response = client.post(
        "/things", data=json.dumps(VALID_THING), content_type="text/plain", headers=admin_headers
    )
    body = problem(response, 415)
    assert "application/json" in body["detail"]


def test_missing_content_type_with_a_body_is_415(
    client: FlaskClient, admin_headers: dict[str, str]
) -> None:
    response = client.post("/things", data=json.dumps(VALID_THING), headers=admin_headers)
    problem(response, 415)


def test_view_may_accept_another_media_type(
    client: FlaskClient, admin_headers: dict[str, str]
) -> None:
    response = client.post(
        "/things/upload", data="a,b\n1,2\n", content_type="text/csv", headers=admin_headers
    )
    assert response.status_code == 200
    assert response.get_json() == {"bytes": 8}


def test_wrong_types_unknown_and_missing_fields_are_422_with_paths(
    client: FlaskClient, admin_headers: dict[str, str]
) -> None:
    payload = {
        "name": 5,
        "boundary": {"kind": "polygon", "coordinates": [1.0, "north"]},
        "points": [{"lng": 1.0, "lat": 2.0}, {"lng": 3.0}],
        "colour": "red",
    }
    body = problem(client.post("/things", json=payload, headers=admin_headers), 422)
    assert body["type"] == "urn:gridgov:problem:validation-failed"
    assert body["errors"] == [
        {"field": "boundary.coordinates[1]", "reason": "Not a valid number."},
        {"field": "colour", "reason": "Unknown field."},
        {"field": "name", "reason": "Not a valid string."},
        {"field": "points[1].lat", "reason": "Missing data for required field."},
    ]


def test_missing_required_nested_object_is_422(
    client: FlaskClient, admin_headers: dict[str, str]
) -> None:
    body = problem(client.post("/things", json={"name": "x"}, headers=admin_headers), 422)
    assert fields_of(body) == ["boundary"]


def test_unknown_field_inside_nested_object_is_422(
    client: FlaskClient, admin_headers: dict[str, str]
) -> None:
    payload = {**VALID_THING, "boundary": {**VALID_THING["boundary"], "srid": 4326}}
    body = problem(client.post("/things", json=payload, headers=admin_headers), 422)
    assert fields_of(body) == ["boundary.srid"]


def test_body_of_the_wrong_json_type_is_422(
    client: FlaskClient, admin_headers: dict[str, str]
) -> None:
    body = problem(client.post("/things", json=[1, 2], headers=admin_headers), 422)
    assert fields_of(body) == ["body"]


def test_empty_json_body_is_422_listing_required_fields(
    client: FlaskClient, admin_headers: dict[str, str]
) -> None:
    response = client.post(
        "/things", data="", content_type="application/json", headers=admin_headers
    )
    body = problem(response, 422)
    assert fields_of(body) == ["boundary", "name"]


def test_invalid_query_parameter_is_422(
    client: FlaskClient, worker_headers: dict[str, str]
) -> None:
    body = problem(client.get("/things?page=0&page_size=abc", headers=worker_headers), 422)
    assert fields_of(body) == ["page", "page_size"]


def test_body_over_the_limit_is_413(client: FlaskClient, admin_headers: dict[str, str]) -> None:
    oversized = {**VALID_THING, "name": "x" * (BODY_LIMIT + 1)}
    payload = json.dumps(oversized).encode()
    assert len(payload) > BODY_LIMIT
    response = client.post(
        "/things", data=payload, content_type="application/json", headers=admin_headers
    )
    problem(response, 413)


def send_chunked(app: Flask, payload: bytes, authorization: str) -> tuple[str, dict[str, Any]]:
    """Drive the WSGI app with a body that has no Content-Length, as gunicorn passes chunked."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/things",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(payload),
        "wsgi.input_terminated": True,
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "HTTP_AUTHORIZATION": authorization,
    }
    captured: dict[str, Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], _exc_info: Any = None, /
    ) -> Callable[[bytes], object]:
        captured["status"] = status
        captured["headers"] = dict(headers)
        return lambda _data: None

    body = b"".join(app.wsgi_app(environ, start_response))
    assert captured["headers"]["Content-Type"].startswith(
        ("application/json", PROBLEM_CONTENT_TYPE)
    )
    return captured["status"], json.loads(body)


def test_chunked_body_over_the_limit_without_content_length_is_413(
    app: Flask, admin_headers: dict[str, str]
) -> None:
    payload = json.dumps({**VALID_THING, "name": "x" * (BODY_LIMIT * 2)}).encode()
    status, body = send_chunked(app, payload, admin_headers["Authorization"])
    assert status.startswith("413")
    assert body["type"] == "urn:gridgov:problem:payload-too-large"


def test_chunked_body_within_the_limit_is_read_whole(
    app: Flask, admin_headers: dict[str, str]
) -> None:
    status, body = send_chunked(
        app, json.dumps(VALID_THING).encode(), admin_headers["Authorization"]
    )
    assert status.startswith("201")
    assert body["name"] == "well"


def test_unknown_route_is_404(client: FlaskClient) -> None:
    problem(client.get("/no/such/route"), 404)


def test_view_not_found_is_404(client: FlaskClient, worker_headers: dict[str, str]) -> None:
    body = problem(client.get("/things/t-99", headers=worker_headers), 404)
    assert body["detail"] == "no thing t-99"
    assert body["instance"] == "/things/t-99"


def test_wrong_method_is_405_with_allow(client: FlaskClient) -> None:
    response = client.delete("/healthz")
    problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_conflict_is_409(client: FlaskClient, admin_headers: dict[str, str]) -> None:
    payload = {**VALID_THING, "name": "taken"}
    body = problem(client.post("/things", json=payload, headers=admin_headers), 409)
    assert body["detail"] == "a thing with this name exists"


def test_rate_limit_is_429_with_retry_after(
    client: FlaskClient, worker_headers: dict[str, str]
) -> None:
    response = client.get("/things/slow-down", headers=worker_headers)
    problem(response, 429)
    assert response.headers["Retry-After"] == "7"


def test_unhandled_exception_is_an_opaque_500(
    client: FlaskClient, worker_headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    response = client.get("/things/boom", headers=worker_headers)
    body = problem(response, 500)
    text = response.get_data(as_text=True)
    for leak in ("hunter2", "Traceback", "RuntimeError", "/srv/secret", "conftest.py"):
        assert leak not in text
    assert body["detail"].startswith("an unexpected error occurred")
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert len(logged) == 1


def test_401_without_token_challenges_bearer(client: FlaskClient) -> None:
    response = client.get("/things")
    problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="gridgov"'


@pytest.mark.parametrize(
    "authorization", ["Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer    ", "Token abc"]
)
def test_401_for_a_malformed_authorization_header(client: FlaskClient, authorization: str) -> None:
    problem(client.get("/things", headers={"Authorization": authorization}), 401)


def test_401_for_an_invalid_token_names_the_reason(
    client: FlaskClient, issuer: LocalIssuer
) -> None:
    expired = issuer.token(expires_in=-3600)
    response = client.get("/things", headers={"Authorization": f"Bearer {expired}"})
    body = problem(response, 401)
    assert body["detail"] == "token expired"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge


def test_401_for_a_forged_token(client: FlaskClient, issuer: LocalIssuer) -> None:
    forged = LocalIssuer(kid=issuer.current_kid).token(roles=("tenant-admin",))
    problem(client.get("/things", headers={"Authorization": f"Bearer {forged}"}), 401)


def test_401_for_a_wrong_audience(client: FlaskClient, issuer: LocalIssuer) -> None:
    token = issuer.sign(issuer.claims(aud="account"))
    problem(client.get("/things", headers={"Authorization": f"Bearer {token}"}), 401)


def test_403_for_a_missing_role(client: FlaskClient, worker_headers: dict[str, str]) -> None:
    body = problem(client.post("/things", json=VALID_THING, headers=worker_headers), 403)
    assert "tenant-admin" in body["detail"]


def test_authentication_comes_before_validation(client: FlaskClient) -> None:
    problem(client.post("/things", data="{bad", content_type="application/json"), 401)


@pytest.mark.parametrize(
    ("status", "slug"),
    [(409, "conflict"), (429, "rate-limited"), (410, "gone"), (503, "service-unavailable")],
)
def test_werkzeug_aborts_render_as_problems(
    app: Flask, worker_headers: dict[str, str], status: int, slug: str
) -> None:
    @app.route(f"/abort-{status}")
    def aborting() -> str:
        abort(status)

    body = problem(app.test_client().get(f"/abort-{status}", headers=worker_headers), status)
    assert body["type"] == f"urn:gridgov:problem:{slug}"


def test_domain_errors_are_rendered_without_a_try_in_the_view() -> None:

    invalid = to_problem(
        InvalidInput([FieldProblem("boundary", "self-intersects"), FieldProblem("code", "empty")])
    )
    assert invalid.status == 422
    assert [(e.field, e.reason) for e in invalid.errors] == [
        ("boundary", "self-intersects"),
        ("code", "empty"),
    ]
    assert to_problem(StateConflict("grid G-1 is already retired")).status == 409
    with pytest.raises(ValueError, match="at least one"):
        InvalidInput([])


BACKEND_DOWN = OperationFailure(
    "failed to connect to `user=gridgov database=ferretdb`: dial error",
    1,
    {"ok": 0.0, "errmsg": "failed to connect to `user=gridgov`: dial error", "code": 1},
)


@pytest.mark.parametrize(
    "exc",
    [
        AutoReconnect("127.0.0.1:27017: connection refused"),
        ServerSelectionTimeoutError("no server"),
        BACKEND_DOWN,  # FerretDB up, PostgreSQL behind it down
        psycopg.OperationalError("connection refused"),
    ],
)
def test_a_store_outage_is_503_with_retry_after(exc: Exception) -> None:
    problem = to_problem(exc)
    assert problem.status == 503
    assert problem.headers["Retry-After"] == "2"


def test_other_store_failures_stay_500() -> None:
    # A failure that is not an outage is a bug to look at, not a reason to retry.
    assert to_problem(OperationFailure("unknown operator: $foo", 2)).status == 500
    assert to_problem(OperationFailure("internal", 1, {"errmsg": "panic: nil map"})).status == 500
