"""Turning every failure into one problem+json response.

``to_problem`` maps werkzeug HTTP exceptions (including webargs' 400/422 with their marshmallow
messages), the auth exceptions and ``Problem`` itself; anything else is a 500 whose body says
nothing about the cause (the traceback goes to the log with the request id).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import psycopg
from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException

from shared import errors
from shared.auth import NotAuthenticated, PermissionDenied
from shared.http.problems import (
    PROBLEM_CONTENT_TYPE,
    BadRequest,
    Conflict,
    FieldError,
    Forbidden,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    Problem,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    UnprocessableContent,
    UnsupportedMediaType,
)
from shared.mongo.connection import store_unavailable
from shared.text import escape_unsafe_text

log = logging.getLogger(__name__)


_BY_STATUS: dict[int, type[Problem]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PreconditionFailed,
        PayloadTooLarge,
        UnsupportedMediaType,
        UnprocessableContent,
        TooManyRequests,
        ServiceUnavailable,
    )
}
# Location names webargs uses; the body is the default and is left out of field paths.
_BODY_LOCATIONS = frozenset({"json", "form", "json_or_form", "files"})
_LOCATION_ROOT_NAMES = {"json": "body", "form": "body", "json_or_form": "body", "files": "body"}
_SCHEMA_KEY = "_schema"


def flatten_messages(messages: Any) -> list[FieldError]:
    """Flatten webargs/marshmallow messages into field paths, sorted by path.

    ``{"json": {"boundary": {"coordinates": {0: ["Not a valid number."]}}}}`` becomes
    ``boundary.coordinates[0]``; query parameters keep their name (``page_size``);
    schema-level errors (``_schema``) take the parent path, or ``body``/``query`` at the root.
    Text ``unsafe_text_reason`` refuses is escaped in field names (``\\ud800``).
    """
    errors: list[FieldError] = []
    if isinstance(messages, Mapping):
        for location, nested in messages.items():
            location_name = str(location)
            root = _LOCATION_ROOT_NAMES.get(location_name, location_name)
            _walk(nested, "", root, errors)
    else:
        _walk(messages, "", "body", errors)
    return sorted(errors, key=lambda error: error.field)


def _walk(node: Any, path: str, root: str, out: list[FieldError]) -> None:
    if isinstance(node, Mapping):
        for key, child in node.items():
            if key == _SCHEMA_KEY:
                _walk(child, path, root, out)
            elif isinstance(key, int):
                _walk(child, f"{path}[{key}]", root, out)
            else:
                # Keys may be the client's (an unknown field): never echo unsafe text.
                name = escape_unsafe_text(str(key))
                _walk(child, f"{path}.{name}" if path else name, root, out)
    elif isinstance(node, list | tuple) and all(isinstance(item, str) for item in node):
        out.extend(FieldError(path or root, reason) for reason in node)
    elif isinstance(node, list | tuple):
        for index, child in enumerate(node):
            _walk(child, f"{path}[{index}]", root, out)
    else:
        out.append(FieldError(path or root, str(node)))


def _from_http_exception(exc: HTTPException) -> Problem:
    status = exc.code or 500
    data = getattr(exc, "data", None)
    messages = data.get("messages") if isinstance(data, Mapping) else None
    headers = {
        name: value
        for name, value in exc.get_headers()
        if name.lower() not in {"content-type", "content-length"}
    }
    if status == 400 and messages is not None:
        return BadRequest(
            "the request body is not valid JSON",
            errors=flatten_messages(messages),
            slug="malformed-json",
            headers=headers,
        )
    if status == 422 and messages is not None:
        return UnprocessableContent(
            "the request has invalid fields", errors=flatten_messages(messages), headers=headers
        )
    if status == 413:
        return PayloadTooLarge("the request body exceeds the size limit", headers=headers)
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls(exc.description or None, headers=headers)
    # A status without a dedicated class (410, 418, ...): a one-off subclass keeps the body exact.
    one_off: type[Problem] = type(
        "HTTPProblem",
        (Problem,),
        {"status": status, "title": exc.name, "slug": exc.name.lower().replace(" ", "-")},
    )
    return one_off(exc.description or None, headers=headers)


def _input_problem(exc: errors.InvalidInput) -> Problem:
    """422 naming every field; an upload over its limit is a 413 and one of a type the
    endpoint does not take a 415, still naming the field."""
    field_errors = [FieldError(problem.field, problem.reason) for problem in exc.problems]
    if isinstance(exc, errors.ContentTooLarge):
        return PayloadTooLarge(str(exc), errors=field_errors)
    if isinstance(exc, errors.UnsupportedContent):
        return UnsupportedMediaType(str(exc), errors=field_errors)
    return UnprocessableContent("the request breaks a rule", errors=field_errors)


def to_problem(exc: BaseException) -> Problem:  # noqa: PLR0911 - one return per kind
    """The problem describing ``exc``; unknown exceptions become an opaque 500."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, NotAuthenticated):
        challenge = 'Bearer realm="gridgov"'
        if exc.invalid_token:
            description = exc.reason.replace('"', "'")
            challenge += f', error="invalid_token", error_description="{description}"'
        return Unauthorized(exc.reason, headers={"WWW-Authenticate": challenge})
    if isinstance(exc, PermissionDenied):
        return Forbidden(exc.reason)
    # Use cases and repositories speak the domain, not HTTP: another tenant's id is "not
    # found" (404), a unique index or a moved revision is a conflict (409).
    if isinstance(exc, errors.NotFound):
        return NotFound(str(exc))
    if isinstance(exc, errors.Conflict):
        return Conflict(str(exc))
    # Domain rules broken by the client's input: 422 naming every field, 409 for a wrong state.
    if isinstance(exc, errors.InvalidInput):
        return _input_problem(exc)
    if isinstance(exc, errors.StateConflict):
        return Conflict(str(exc))
    if isinstance(exc, errors.DependencyUnavailable):
        return ServiceUnavailable(
            str(exc) or "a server this request needs is unavailable",
            headers={"Retry-After": "1"},
        )
    if store_unavailable(exc) or isinstance(exc, psycopg.OperationalError):
        # The store (or the PostgreSQL behind FerretDB, which list pages read directly) went
        # away mid-request: nothing was acknowledged.
        return ServiceUnavailable("the database is unavailable", headers={"Retry-After": "2"})
    if isinstance(exc, HTTPException):
        return _from_http_exception(exc)
    return InternalServerError(
        "an unexpected error occurred; quote the request_id when reporting it"
    )


def problem_response(problem: Problem) -> Response:
    """Render ``problem`` for the current request."""
    request_id: str | None = g.get("request_id")
    body = problem.body(instance=request.path, request_id=request_id)
    response = Response(json.dumps(body), status=problem.status, mimetype=PROBLEM_CONTENT_TYPE)
    for name, value in problem.headers.items():
        response.headers[name] = value
    if problem.status == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = 'Bearer realm="gridgov"'

    return response


def handle_exception(exc: Exception) -> Response:
    """Flask error handler for every exception: log what must be logged, answer a problem."""
    problem = to_problem(exc)
    if problem.status == 503 and not isinstance(exc, Problem | HTTPException):
        # An outage, not a bug: one line per request, no traceback.
        log.warning("dependency unavailable (%s): %s", type(exc).__name__, str(exc)[:300])
    elif problem.status >= 500 and not isinstance(exc, Problem | HTTPException):
        log.error("unhandled exception", exc_info=exc)
    elif problem.status >= 500:
        log.warning("server problem %s: %s", problem.status, problem.detail)
    return problem_response(problem)


def register_error_handlers(app: Flask) -> None:
    """Route every exception, HTTP or not, through ``handle_exception``.

    Registered after flask-smorest's ``Api`` so its own JSON error handler is replaced.
    """
    app.register_error_handler(HTTPException, handle_exception)
    app.register_error_handler(Exception, handle_exception)


__all__ = [
    "flatten_messages",
    "handle_exception",
    "problem_response",
    "register_error_handlers",
    "to_problem",
]
