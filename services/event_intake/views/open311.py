"""Open311 GeoReport v2 (JSON) for third-party apps: services and service requests.

Routes under ``/open311/v2/``, the spec's ``.json`` paths and field names. Callers are the
tenant's integrations (a service account of scope ``intake.work_orders`` carries center-staff)
and the centre itself; each sees only the requests it reported.

Deviations from the spec, on purpose:
- errors are the platform's problem+json (4xx naming the field), not GeoReport's error array:
  one error format for every client of the platform;
- authentication is the bearer token (``api_key`` and ``jurisdiction_id`` are ignored);
- ``page``/``page_size`` page GET requests within the platform's limits (1..200).
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask.views import MethodView

from services.event_intake.schemas.open311 import (
    IdempotencyHeaderSchema,
    RequestCreateSchema,
    RequestListQuerySchema,
    ServiceDefinitionSchema,
    ServiceRequestSchema,
    ServiceSchema,
    SubmittedSchema,
)
from services.event_intake.use_cases import open311 as use_cases
from services.event_intake.use_cases.open311 import (
    RequestFilter,
    Service,
    ServiceDefinition,
    ServiceRequest,
)
from services.event_intake.views import CENTRE, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, accepts
from shared.http.ratelimit import ingestion

FORM = "application/x-www-form-urlencoded"


class _Open311Blueprint(Blueprint):
    """The platform Blueprint whose request bodies are JSON or form fields (GeoReport clients
    post forms), and documented as both."""

    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING: ClassVar[dict[str, str]] = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "json_or_form": "application/json",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_form_doc)

    @staticmethod
    def _prepare_form_doc(doc: dict[str, Any], _doc_info: dict[str, Any], **_: Any) -> Any:
        content = doc.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            content.setdefault(FORM, content["application/json"])
        return doc


blp = _Open311Blueprint(
    "open311",
    __name__,
    url_prefix="/open311/v2",
    description="Open311 GeoReport v2: 第三方应用上报与查询 (third-party apps' service requests)",
)


@blp.route("/services.json")
class Services(MethodView):
    @blp.response(200, ServiceSchema(many=True))
    @require_roles(*CENTRE)
    def get(self) -> list[Service]:
        """The tenant's categories (事项分类) as GeoReport services."""
        return use_cases.list_services(context())


@blp.route("/services/<string:service_code>.json")
class ServiceItem(MethodView):
    @blp.response(200, ServiceDefinitionSchema)
    @require_roles(*CENTRE)
    def get(self, service_code: str) -> ServiceDefinition:
        """A service definition (no attributes); 404 for a code the tenant does not have."""
        return use_cases.service_definition(context(), service_code=service_code)


@blp.route("/requests.json")
class Requests(MethodView):
    @blp.arguments(RequestListQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, ServiceRequestSchema(many=True))
    @require_roles(*CENTRE)
    def get(self, paging: PageRequest, where: RequestFilter) -> list[ServiceRequest]:
        """The caller's own requests, newest first, as GeoReport's array (a page past the end
        is empty). Errors are the platform's problem+json naming the field."""
        found = use_cases.list_requests(
            context(), where=where, offset=paging.offset, limit=paging.limit
        )
        return found.items

    @blp.arguments(RequestCreateSchema, location="json_or_form")
    @blp.arguments(IdempotencyHeaderSchema, location="headers")
    @blp.response(201, SubmittedSchema(many=True))
    @blp.alt_response(
        200, schema=SubmittedSchema(many=True), description="a retried key: the first request"
    )
    @accepts(FORM)
    @require_roles(*CENTRE)
    @ingestion
    def post(self, body: dict[str, Any], headers: dict[str, Any]) -> tuple[Any, int]:
        """Report a resident's request as an event (来源: 群众投诉); publishes
        `event.reported`. The grid is located from lat/long (422 on ``lat`` outside every
        grid). The resident's email, phone, names, device and account ids are accepted and
        never stored. Errors are the platform's problem+json naming the field."""
        found = use_cases.submit_request(
            context(), **body, idempotency_header=headers["idempotency_key"]
        )
        return [found], 201 if found.created else 200


@blp.route("/requests/<string:service_request_id>.json")
class RequestItem(MethodView):
    @blp.response(200, ServiceRequestSchema(many=True))
    @require_roles(*CENTRE)
    def get(self, service_request_id: str) -> list[ServiceRequest]:
        """One of the caller's requests, as the spec's array of one; 404 for anyone else's.
        Errors are the platform's problem+json."""
        return [use_cases.get_request(context(), service_request_id=service_request_id)]
