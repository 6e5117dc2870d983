"""The HTTP edge shared by every service: app factory, problems, schemas, pagination.

Wiring, in a service's ``bootstrap.py``::

    app = create_app(service="grid_registry", settings=settings, blueprints=[divisions_blp],
                     readiness_checks={"mongo": mongo_ping, "kafka": kafka_ping},
                     verifier=TokenVerifier.from_settings(settings))
"""

from shared.http.app import GridGovApi, ReadinessCheck, Verifier, accepts, create_app
from shared.http.context import current_request_id, request_context
from shared.http.errors import flatten_messages
from shared.http.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    FilteredPageQuerySchema,
    PageQuerySchema,
    PageRequest,
    PageResponse,
    page_schema,
)
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
    ProblemSchema,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    UnprocessableContent,
    UnsupportedMediaType,
)
from shared.http.schemas import BaseSchema, Blueprint

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "PROBLEM_CONTENT_TYPE",
    "BadRequest",
    "BaseSchema",
    "Blueprint",
    "Conflict",
    "FieldError",
    "FilteredPageQuerySchema",
    "Forbidden",
    "GridGovApi",
    "InternalServerError",
    "MethodNotAllowed",
    "NotFound",
    "PageQuerySchema",
    "PageRequest",
    "PageResponse",
    "PayloadTooLarge",
    "PreconditionFailed",
    "Problem",
    "ProblemSchema",
    "ReadinessCheck",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "UnprocessableContent",
    "UnsupportedMediaType",
    "Verifier",
    "accepts",
    "create_app",
    "current_request_id",
    "flatten_messages",
    "page_schema",
    "request_context",
]
