"""RFC 9457 problem details: the one error body every GridGov endpoint returns.

Body (``application/problem+json``)::

    {"type": "urn:gridgov:problem:validation-failed", "title": "Unprocessable Content",
     "status": 422, "detail": "...", "instance": "/divisions", "request_id": "...",
     "errors": [{"field": "boundary.coordinates[0]", "reason": "Not a valid number."}]}

``type`` is ``urn:gridgov:problem:<slug>``; the slug names the kind of failure (``not-found``,
``validation-failed``, ``malformed-json``, ...) and views may pass a more specific one
(``Conflict("name taken", slug="division-name-taken")``). ``errors`` is present (possibly
empty) on every problem so clients can read it unconditionally.

Views raise the ``Problem`` subclasses below; they carry no domain knowledge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from marshmallow import Schema, fields

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:gridgov:problem:"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid input: a field path (``name``, ``items[0].code``) and the reason."""

    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        """JSON form."""
        return {"field": self.field, "reason": self.reason}


class Problem(Exception):
    """An HTTP failure rendered as problem+json. Subclasses fix ``status``, ``title``, ``slug``."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal Server Error"
    slug: ClassVar[str] = "internal-error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
        slug: str | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = tuple(errors)
        self.headers = dict(headers or {})
        self.problem_slug = slug or self.slug
        self.extensions = dict(extensions or {})

    @property
    def type_uri(self) -> str:
        """The problem ``type`` member."""
        return f"{TYPE_PREFIX}{self.problem_slug}"

    def body(self, *, instance: str, request_id: str | None) -> dict[str, Any]:
        """The problem+json document for this failure at ``instance``."""
        document: dict[str, Any] = {
            **self.extensions,
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
            "errors": [error.as_dict() for error in self.errors],
        }
        if request_id is not None:
            document["request_id"] = request_id
        return document


class BadRequest(Problem):
    """400: the request cannot be read at all (malformed JSON, bad encoding)."""

    status = 400
    title = "Bad Request"
    slug = "bad-request"


class Unauthorized(Problem):
    """401: no valid bearer token. The handler adds ``WWW-Authenticate: Bearer``."""

    status = 401
    title = "Unauthorized"
    slug = "unauthenticated"


class Forbidden(Problem):
    """403: authenticated but not allowed."""

    status = 403
    title = "Forbidden"
    slug = "forbidden"


class NotFound(Problem):
    """404: no such resource for this caller (also another tenant's resource)."""

    status = 404
    title = "Not Found"
    slug = "not-found"


class MethodNotAllowed(Problem):
    """405: the route exists but not with this method."""

    status = 405
    title = "Method Not Allowed"
    slug = "method-not-allowed"


class Conflict(Problem):
    """409: the request conflicts with the resource's current state."""

    status = 409
    title = "Conflict"
    slug = "conflict"


class PreconditionFailed(Problem):
    """412: an ``If-Match`` style precondition did not hold."""

    status = 412
    title = "Precondition Failed"
    slug = "precondition-failed"


class PayloadTooLarge(Problem):
    """413: the body exceeds the service's limit."""

    status = 413
    title = "Content Too Large"
    slug = "payload-too-large"


class UnsupportedMediaType(Problem):
    """415: the body is not in a media type the endpoint reads."""

    status = 415
    title = "Unsupported Media Type"
    slug = "unsupported-media-type"


class UnprocessableContent(Problem):
    """422: well-formed but invalid input; ``errors`` names each field and reason."""

    status = 422
    title = "Unprocessable Content"
    slug = "validation-failed"


class TooManyRequests(Problem):
    """429: slow down; ``retry_after`` seconds becomes the ``Retry-After`` header."""

    status = 429
    title = "Too Many Requests"
    slug = "rate-limited"

    def __init__(
        self,
        detail: str | None = None,
        *,
        retry_after: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        merged = dict(headers or {})
        if retry_after is not None:
            merged["Retry-After"] = str(retry_after)
        super().__init__(detail, headers=merged)


class InternalServerError(Problem):
    """500: our fault; the detail never carries internals."""


class ServiceUnavailable(Problem):
    """503: a dependency is down (readiness, Kafka-first writes)."""

    status = 503
    title = "Service Unavailable"
    slug = "service-unavailable"


class FieldErrorSchema(Schema):
    """OpenAPI description of one ``errors`` item."""

    field = fields.String(required=True)
    reason = fields.String(required=True)


class ProblemSchema(Schema):
    """OpenAPI description of the problem+json body (used as flask-smorest's error schema)."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    request_id = fields.String()
    errors = fields.List(fields.Nested(FieldErrorSchema))


__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "TYPE_PREFIX",
    "BadRequest",
    "Conflict",
    "FieldError",
    "FieldErrorSchema",
    "Forbidden",
    "InternalServerError",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "Problem",
    "ProblemSchema",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "UnprocessableContent",
    "UnsupportedMediaType",
]
