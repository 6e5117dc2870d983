"""``GET /audit``: a tenant admin reads their own tenant's audit trail, on every service.

`shared.runtime.api_app` registers `blp` on every service's API. The tenant comes from the
verified token, never from the request; only ``tenant-admin`` may read, so platform admins and
district overseers, who look across tenants, get 403: nobody reads a trail across tenants.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask.views import MethodView
from marshmallow import fields, validate

from shared.audit.records import AuditRecord
from shared.audit.repository import AuditLog
from shared.audit.window import DEFAULT_DAYS, MAX_DAYS
from shared.auth import Role, current_tenant_id, require_roles
from shared.http import (
    BaseSchema,
    Blueprint,
    FilteredPageQuerySchema,
    PageRequest,
    PageResponse,
    page_schema,
)

blp = Blueprint(
    "audit", __name__, url_prefix="/audit", description="审计日志 (the tenant's audit trail)"
)

_TEXT = validate.Length(min=1, max=200)


class AuditQuerySchema(FilteredPageQuerySchema):
    since = fields.AwareDateTime(
        metadata={
            "description": (
                f"from this moment (inclusive); default: the {DEFAULT_DAYS} whole UTC days "
                f"before `until`; the window is at most {MAX_DAYS} days"
            ),
            "example": "2026-11-01T00:00:00+08:00",
        }
    )
    until = fields.AwareDateTime(
        metadata={"description": "up to this moment (exclusive); default: now"}
    )
    event_type = fields.String(
        data_key="type",
        validate=_TEXT,
        metadata={"description": "only this event type", "example": "division.created"},
    )
    actor = fields.String(validate=_TEXT, metadata={"description": "only this actor's changes"})
    aggregate_id = fields.String(
        validate=_TEXT, metadata={"description": "only changes of this object"}
    )


class AuditRecordSchema(BaseSchema):
    event_id = fields.String(required=True, metadata={"description": "the event's id"})
    tenant_id = fields.String(required=True)
    type = fields.String(required=True, metadata={"example": "division.created"})
    version = fields.Integer(required=True)
    aggregate_id = fields.String(required=True, metadata={"description": "what changed"})
    actor = fields.String(
        allow_none=True,
        metadata={
            "description": "who: the token's subject, or `service:event` for a change "
            "made on receiving another service's event"
        },
    )
    correlation_id = fields.String(
        allow_none=True, metadata={"description": "the request id (X-Request-ID) of the change"}
    )
    producer = fields.String(required=True, metadata={"description": "the service"})
    occurred_at = fields.DateTime(required=True)
    recorded_at = fields.DateTime(required=True)
    before_ids = fields.List(
        fields.String(), required=True, metadata={"description": "what it came from"}
    )
    after_ids = fields.List(
        fields.String(), required=True, metadata={"description": "what replaced it"}
    )


@blp.route("")
class AuditTrail(MethodView):
    @blp.arguments(AuditQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_schema(AuditRecordSchema))
    @require_roles(Role.TENANT_ADMIN)
    def get(
        self,
        paging: PageRequest,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        event_type: str | None = None,
        actor: str | None = None,
        aggregate_id: str | None = None,
    ) -> PageResponse[AuditRecord]:
        """This service's record of every change in the caller's tenant, newest first (tenant
        admins only). 422 naming `since` when the window is empty or too long."""
        found = AuditLog(current_tenant_id()).find(
            now=datetime.now(UTC),
            since=since,
            until=until,
            offset=paging.offset,
            limit=paging.limit,
            type=event_type,
            actor=actor,
            aggregate_id=aggregate_id,
        )
        return paging.page_of(found.items, found.total)
