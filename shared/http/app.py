"""The app factory: one Flask app per service with auth, problems, health and metrics wired.

``create_app`` gives every service the same behaviour:

* flask-smorest ``Api``; OpenAPI 3 at ``/openapi.json`` with a ``bearerAuth`` scheme required
  by default (``/healthz`` and ``/readyz`` declare ``security: []`` and their real bodies). The
  document says what the service answers (schemathesis checks it, tests/security): every error
  response is ``application/problem+json`` (``GridGovApi``; per operation the Blueprint lists
  401/403/404/429/400/413/415 where they apply, beside ``default``), a ``Decimal(as_string=True)``
  is a ``string`` of format ``decimal``, and a path has exactly its documented methods in
  ``Allow`` (``_keep_static_routes_apart``: ``/users/import`` never matches ``/users/<user_id>``);
* bearer authentication before every non-public view (verified locally, see ``shared.auth``);
  the principal is then available through ``current_principal()``;
* one problem+json body for every failure (``shared.http.problems``);
* request ids (``X-Request-ID`` accepted when sane, else generated; echoed on every response)
  bound into the log context together with the caller's tenant;
* a body cap (``MAX_CONTENT_LENGTH`` = ``settings.http_max_body_bytes``): 413 from the
  ``Content-Length`` header, and for bodies sent without one (chunked) after reading at most
  one byte over the limit;
* rate limits per user and tenant after authentication, 429 with ``Retry-After`` beyond them
  (``shared.http.ratelimit``; never on the probes, ``/metrics`` or ``/openapi.json``);
* bodies on POST/PUT/PATCH/DELETE must be JSON (``application/json`` or ``*+json``) unless the
  view is decorated with ``accepts("multipart/form-data", ...)``; otherwise 415;
* behind ``settings.proxy_hops`` reverse proxies (the gateway), their ``X-Forwarded-For``,
  ``-Proto`` and ``-Prefix`` are taken as werkzeug's ``ProxyFix`` reads them: the client's
  address for the per-address limit, ``https`` and ``/api/<service>`` for the links built;
* ``/healthz`` (no I/O), ``/readyz`` (readiness checks in threads, answer within the budget),
  ``/metrics`` (Prometheus, multiprocess-aware).
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from contextlib import ExitStack
from http import HTTPStatus
from typing import Any, Protocol, TypeVar

import flask_smorest
from flask import Flask, Response, current_app, g, jsonify, request
from flask_smorest.utils import prepare_response
from marshmallow import INCLUDE, Schema
from marshmallow import fields as ma_fields
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter, Map

from shared.auth import (
    NotAuthenticated,
    Principal,
    TokenError,
    TokenVerifier,
    is_public,
    public,
    set_current_principal,
)
from shared.http.errors import problem_response, register_error_handlers
from shared.http.problems import (
    PROBLEM_CONTENT_TYPE,
    PayloadTooLarge,
    ProblemSchema,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from shared.http.ratelimit import RateLimiter, install_rate_limits
from shared.http.schemas import Blueprint
from shared.logs import configure_logging, log_context
from shared.metrics import install_http_metrics, metrics_view
from shared.settings import PlatformSettings

log = logging.getLogger(__name__)
access_log = logging.getLogger("gridgov.access")

REQUEST_ID_HEADER = "X-Request-ID"
READINESS_BUDGET_SECONDS = 4.0
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ACCEPTS_ATTRIBUTE = "_gridgov_accepts"
_PUBLIC_ENDPOINT_PREFIXES = ("api-docs.",)  # flask-smorest's /openapi.json
_UNLIMITED_ENDPOINTS = (
    "gridgov_health.healthz",
    "gridgov_health.readyz",
    "metrics",
    "api-docs.openapi_json",
)

F = TypeVar("F", bound=Callable[..., Any])
ReadinessCheck = Callable[[], None]
"""Returns when the dependency is usable; raises (anything) when it is not."""


class Verifier(Protocol):
    """What the app needs from a token verifier (``shared.auth.TokenVerifier`` fits)."""

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; raises ``TokenError`` otherwise."""
        ...


def _string_decimal_properties(_converter: Any, field: Any, **_: Any) -> dict[str, Any]:
    """A ``Decimal(as_string=True)`` is answered as a JSON string: document it as one."""
    if isinstance(field, ma_fields.Decimal) and field.as_string:
        return {"type": "string", "format": "decimal"}
    return {}


class ProblemDocSchema(ProblemSchema):
    """The problem+json body as documented (component ``Problem``): RFC 9457 lets a problem
    carry extension members (``/readyz``'s ``checks``, ...), so undeclared members are allowed."""

    class Meta:
        unknown = INCLUDE


class GridGovApi(flask_smorest.Api):  # type: ignore[misc]  # flask-smorest is untyped
    """flask-smorest's Api documenting errors as what they are: problem+json bodies.

    Every error response component (``UNAUTHORIZED``, ``UNPROCESSABLE_ENTITY``, ...,
    ``DEFAULT_ERROR``, the ``default`` response of every operation) is declared with the
    ``application/problem+json`` media type and ``ProblemSchema``; string decimals are strings.
    """

    ERROR_SCHEMA = ProblemDocSchema

    def _init_spec(self, *args: Any, **kwargs: Any) -> None:
        super()._init_spec(*args, **kwargs)
        self.ma_plugin.converter.add_attribute_function(_string_decimal_properties)

    def _register_responses(self) -> None:
        self.spec.components.schema("Problem", schema=self.ERROR_SCHEMA)  # its one name
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def accepts(*media_types: str) -> Callable[[F], F]:
    """Let a view receive bodies in ``media_types`` besides JSON (e.g. file uploads)."""

    def mark(view: F) -> F:
        setattr(view, _ACCEPTS_ATTRIBUTE, frozenset(media_types))
        return view

    return mark


def _view_attribute(view: Any, name: str, method: str) -> Any:
    """An attribute set by a decorator on a function view, a MethodView method, or wrappers."""
    candidates = [view]
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        candidates.append(getattr(view_class, method.lower(), None))
    for start in candidates:
        candidate = start
        while candidate is not None:
            value = getattr(candidate, name, None)
            if value is not None:
                return value
            candidate = getattr(candidate, "__wrapped__", None)
    return None


def _request_id() -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    return incoming if _SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _has_body() -> bool:
    return (
        bool(request.content_length)
        or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    )


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


class HealthSchema(Schema):
    """``/healthz``: the process answers."""

    status = ma_fields.String(required=True, metadata={"enum": ["ok"]})
    service = ma_fields.String(required=True)


class ReadySchema(Schema):
    """``/readyz`` when every dependency answered (otherwise a 503 problem with ``checks``)."""

    status = ma_fields.String(required=True, metadata={"enum": ["ready"]})
    checks = ma_fields.Dict(keys=ma_fields.String(), values=ma_fields.String(), required=True)
    elapsed_ms = ma_fields.Float(required=True)


def _health_blueprint(
    service: str, checks: Mapping[str, ReadinessCheck], budget: float
) -> Blueprint:
    blp = Blueprint("gridgov_health", __name__, description="Liveness and readiness probes")
    # One thread per check at most: a check still hanging from an earlier probe is waited on
    # again instead of being started twice, so hung dependencies cannot exhaust the pool.
    pool = ThreadPoolExecutor(max_workers=max(1, len(checks)), thread_name_prefix="readyz")
    running: dict[str, Future[None]] = {}
    running_lock = threading.Lock()

    def start(name: str, check: ReadinessCheck) -> Future[None]:
        with running_lock:
            future = running.get(name)
            if future is None or future.done():
                future = pool.submit(check)
                running[name] = future
            return future

    @blp.route("/healthz")
    @blp.doc(security=[], summary="The process is alive (no I/O)")
    @blp.response(200, HealthSchema)
    @public
    def healthz() -> Response:
        return jsonify(status="ok", service=service)

    @blp.route("/readyz")
    @blp.doc(security=[], summary="Every dependency answers (503 problem otherwise)")
    @blp.response(200, ReadySchema)
    @blp.alt_response(
        503,
        schema=ProblemDocSchema,
        content_type=PROBLEM_CONTENT_TYPE,
        description="Not ready: a problem whose ``checks`` give each dependency's state",
    )
    @public
    def readyz() -> Response:
        started = time.monotonic()
        futures = {name: start(name, check) for name, check in checks.items()}
        wait_futures(futures.values(), timeout=budget)
        results: dict[str, str] = {}
        for name, future in futures.items():
            if not future.done():
                results[name] = f"timed out after {budget:g} s"
            elif (error := future.exception()) is not None:
                log.warning("readiness check %s failed", name, exc_info=error)
                results[name] = f"failed: {error.__class__.__name__}"
            else:
                results[name] = "ok"
        failed = {name: state for name, state in results.items() if state != "ok"}
        if failed:
            names = ", ".join(sorted(failed))
            return problem_response(
                ServiceUnavailable(f"not ready: {names}", extensions={"checks": results})
            )
        elapsed_ms = round((time.monotonic() - started) * 1000, 1)
        return jsonify(status="ready", checks=results, elapsed_ms=elapsed_ms)

    return blp


class _NotLiteralConverter(BaseConverter):
    """One path segment, except the literals a static sibling route owns.

    ``/users/import`` (POST) beside ``/users/<user_id>`` (GET, PATCH): werkzeug would route
    ``GET /users/import`` to the user view (a 404 for the user "import") and answer ``OPTIONS``
    and 405s on ``/users/import`` with ``Allow: GET, PATCH, POST`` -- methods the document
    does not give that path. With the literal refused here, the path has exactly the methods
    its own route has, as documented (405 with ``Allow: OPTIONS, POST``).
    """

    part_isolating = True

    def __init__(self, url_map: Map, *literals: str) -> None:
        super().__init__(url_map)
        taken = "|".join(re.escape(literal) for literal in literals)
        self.regex = rf"(?!(?:{taken})$)[^/]+"


_NOT_LITERAL = "gridgov_not_literal"
_PLAIN_VARIABLE = re.compile(r"^<(?:string:)?([A-Za-z_][A-Za-z0-9_]*)>$")


def _shape(segment: str) -> str:
    return "<>" if segment.startswith("<") else segment


def _keep_static_routes_apart(app: Flask) -> None:
    """Rebuild the URL map so that a plain ``<variable>`` segment never matches a literal a
    sibling route (same preceding segments) has at that position (``_NotLiteralConverter``)."""
    old = app.url_map
    rules = list(old.iter_rules())
    literals: dict[tuple[str, ...], set[str]] = {}
    for rule in rules:
        segments = rule.rule.split("/")
        for index, segment in enumerate(segments):
            if segment and not segment.startswith("<"):
                prefix = tuple(_shape(part) for part in segments[:index])
                literals.setdefault(prefix, set()).add(segment)
    new = type(old)(
        default_subdomain=old.default_subdomain,
        strict_slashes=old.strict_slashes,
        merge_slashes=old.merge_slashes,
        redirect_defaults=old.redirect_defaults,
        converters={**old.converters, _NOT_LITERAL: _NotLiteralConverter},
        sort_parameters=old.sort_parameters,
        sort_key=old.sort_key,
        host_matching=old.host_matching,
    )
    for rule in rules:
        segments = rule.rule.split("/")
        rewritten = []
        for index, segment in enumerate(segments):
            variable = _PLAIN_VARIABLE.match(segment)
            taken = literals.get(tuple(_shape(part) for part in segments[:index]))
            if variable and taken:
                arguments = ", ".join(repr(literal) for literal in sorted(taken))
                rewritten.append(f"<{_NOT_LITERAL}({arguments}):{variable[1]}>")
            else:
                rewritten.append(segment)
        copy = type(rule)("/".join(rewritten), **rule.get_empty_kwargs())
        # Flask's flag for answering OPTIONS itself lives on the rule, outside its kwargs.
        copy.provide_automatic_options = getattr(rule, "provide_automatic_options", False)  # type: ignore[attr-defined]
        new.add(copy)  # compiles the rewritten rule ...
        copy.rule = rule.rule  # ... which logs and metric labels still name as written
    app.url_map = new


def _gridgov(name: str) -> Any:
    return current_app.extensions["gridgov"][name]


def _bind_request() -> None:
    g.request_id = _request_id()
    g.gridgov_started = time.perf_counter()
    stack = ExitStack()
    g.gridgov_log_stack = stack
    stack.enter_context(log_context(request_id=g.request_id, service=_gridgov("service")))


def _authenticate() -> None:
    set_current_principal(None)
    if request.url_rule is None or request.endpoint is None:
        return  # routing failed: let Flask answer 404/405 without asking for a token
    if request.method == "OPTIONS":
        return  # CORS preflights never carry credentials
    view = current_app.view_functions.get(request.endpoint)
    if request.endpoint.startswith(_PUBLIC_ENDPOINT_PREFIXES) or is_public(view, request.method):
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not scheme:
        raise NotAuthenticated("a bearer token is required")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("the Authorization header must be 'Bearer <token>'")
    verifier: Verifier = _gridgov("verifier")
    try:
        principal = verifier.verify(token.strip())
    except TokenError as exc:
        raise NotAuthenticated(exc.reason, invalid_token=True) from None
    set_current_principal(principal)
    g.gridgov_log_stack.enter_context(
        log_context(tenant_id=principal.tenant_id, subject=principal.subject)
    )


def _check_media_type() -> None:
    if request.method not in _BODY_METHODS or not _has_body() or request.endpoint is None:
        return
    if _is_json(request.mimetype):
        return
    view = current_app.view_functions.get(request.endpoint)
    extra: frozenset[str] = _view_attribute(view, _ACCEPTS_ATTRIBUTE, request.method) or (
        frozenset()
    )
    if request.mimetype not in extra:
        allowed = ", ".join(sorted({"application/json", *extra}))
        raise UnsupportedMediaType(
            f"send the body as {allowed} (got {request.mimetype or 'no Content-Type'})"
        )


def _buffer_unsized_body() -> None:
    # Werkzeug caps a body sent without Content-Length (chunked) by silently truncating it at
    # MAX_CONTENT_LENGTH, which would surface as "malformed JSON"; read it here instead and
    # answer 413 when it is over the limit.
    if request.content_length is not None or not _has_body():
        return
    limit = int(current_app.config["MAX_CONTENT_LENGTH"])
    raw = request.environ["wsgi.input"]
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = raw.read(min(65536, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise PayloadTooLarge("the request body exceeds the size limit")
    request.environ["wsgi.input"] = io.BytesIO(b"".join(chunks))
    request.environ["CONTENT_LENGTH"] = str(size)


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is not None:
        response.headers[REQUEST_ID_HEADER] = request_id
    started: float | None = g.get("gridgov_started")
    if started is not None:
        access_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "route": request.url_rule.rule if request.url_rule else None,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
    return response


def _unbind_request(_exc: BaseException | None) -> None:
    stack: ExitStack | None = g.pop("gridgov_log_stack", None)
    if stack is not None:
        stack.close()


def create_app(
    *,
    service: str,
    settings: PlatformSettings,
    blueprints: Sequence[flask_smorest.Blueprint],
    readiness_checks: Mapping[str, ReadinessCheck],
    verifier: Verifier | None = None,
    readiness_budget: float = READINESS_BUDGET_SECONDS,
    configure_logs: bool = True,
    rate_limiter: RateLimiter | None = None,
) -> Flask:
    """Build the service's Flask app. See the module docstring for what every app gets.

    ``blueprints`` must be ``shared.http.Blueprint`` instances (its JSON parser turns every
    undecodable body into a 400). ``verifier`` defaults to ``TokenVerifier.from_settings``
    (JWKS fetched lazily on the first token, never at start). ``readiness_checks`` maps a
    name (``mongo``, ``kafka``) to a callable that raises when the dependency is unusable;
    ``/readyz`` answers within ``readiness_budget`` seconds whatever the checks do.
    ``rate_limiter`` defaults to ``RateLimiter.from_settings`` (none when the settings turn
    rate limits off).
    """
    for blp in blueprints:
        if not isinstance(blp, Blueprint):
            raise TypeError(
                f"blueprint {blp.name!r} must be a shared.http.Blueprint, not {type(blp)!r}"
            )
    if configure_logs:
        configure_logging(service, settings.log_level)
    token_verifier: Verifier = verifier or TokenVerifier.from_settings(settings)
    limiter = rate_limiter or RateLimiter.from_settings(settings)

    app = Flask(service)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.http_max_body_bytes,
        MAX_FORM_MEMORY_SIZE=settings.http_max_body_bytes,
        API_TITLE=service,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"security": [{"bearerAuth": []}]},
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if settings.proxy_hops:
        # X-Forwarded-Host is left out: the gateway passes the caller's Host on as it is.
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=hops
        )

    app.extensions["gridgov"] = {
        "verifier": token_verifier,
        "settings": settings,
        "service": service,
    }
    # Metrics hooks first, so the timer and in-flight gauge see every other hook's failures.
    install_http_metrics(app, service=service)
    app.before_request(_bind_request)
    app.before_request(_authenticate)
    if limiter is not None:  # after authentication (it counts per user), before the body
        install_rate_limits(
            app,
            limiter,
            view_attribute=_view_attribute,
            unlimited_endpoints=_UNLIMITED_ENDPOINTS,
        )
    app.before_request(_check_media_type)
    app.before_request(_buffer_unsized_body)
    app.after_request(_finish_request)
    app.teardown_request(_unbind_request)

    api = GridGovApi(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    register_error_handlers(app)  # after Api(): replaces flask-smorest's JSON error handler
    api.register_blueprint(_health_blueprint(service, readiness_checks, readiness_budget))
    for blp in blueprints:
        api.register_blueprint(blp)
    app.add_url_rule("/metrics", "metrics", public(metrics_view), methods=["GET"])
    _keep_static_routes_apart(app)
    app.extensions["gridgov"]["api"] = api
    return app


__all__ = ["GridGovApi", "ReadinessCheck", "Verifier", "accepts", "create_app"]
