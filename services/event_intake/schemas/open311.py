"""Open311 GeoReport v2 request and response schemas (the spec's field names)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from services.event_intake.domain.events import ADDRESS_MAX, DESCRIPTION_MAX, REQUEST_ID_MAX
from services.event_intake.use_cases.open311 import RequestFilter, Status
from shared.http import BaseSchema, PageQuerySchema, PageRequest
from shared.http.schemas import MultilineString

_CODE = validate.Length(min=1, max=64)
_KEY = validate.Length(min=1, max=REQUEST_ID_MAX)
MAX_LISTED = 50  # ids or codes in one comma list
# What the spec lets a client send about the resident. Accepted so that spec clients work,
# then dropped: the centre needs no personal data of residents to handle the matter, and the
# resident's own text (the description) is all of him the event keeps.
DROPPED = ("email", "phone", "first_name", "last_name", "device_id", "account_id")
# Spec fields about the caller or the jurisdiction: the bearer token says both.
IGNORED = ("api_key", "jurisdiction_id")


class ServiceSchema(BaseSchema):
    service_code = fields.String(required=True)
    service_name = fields.String(required=True)
    description = fields.String(required=True)
    metadata = fields.Boolean(required=True)
    type = fields.String(required=True)
    keywords = fields.String(required=True)
    group = fields.String(required=True, allow_none=True)


class ServiceDefinitionSchema(BaseSchema):
    service_code = fields.String(required=True)
    attributes = fields.List(fields.Dict(), required=True)


class RequestCreateSchema(BaseSchema):
    """POST requests.json, as JSON or form fields; loads the use case's arguments."""

    service_code = fields.String(
        required=True, validate=_CODE, metadata={"description": "事项分类 / a service_code"}
    )
    lat = fields.Float(
        required=True,
        allow_nan=False,
        validate=validate.Range(min=-90, max=90),
        metadata={"description": "WGS84 latitude; the grid is located from lat/long"},
    )
    long = fields.Float(required=True, allow_nan=False, validate=validate.Range(min=-180, max=180))
    address_string = fields.String(load_default="", validate=validate.Length(max=ADDRESS_MAX))
    description = MultilineString(load_default="", validate=validate.Length(max=DESCRIPTION_MAX))
    request_id = fields.String(
        load_default=None,
        validate=_KEY,
        metadata={"description": "客户端请求号 / a retry with the same key answers the first"},
    )
    media_url = fields.String(
        load_default="",
        metadata={"description": "not supported: must be empty (photos are not fetched)"},
    )
    email = fields.String(metadata={"description": "accepted and not stored"})
    phone = fields.String(metadata={"description": "accepted and not stored"})
    first_name = fields.String(metadata={"description": "accepted and not stored"})
    last_name = fields.String(metadata={"description": "accepted and not stored"})
    device_id = fields.String(metadata={"description": "accepted and not stored"})
    account_id = fields.String(metadata={"description": "accepted and not stored"})
    api_key = fields.String(metadata={"description": "ignored: the bearer token authenticates"})
    jurisdiction_id = fields.String(
        metadata={"description": "ignored: the token's tenant is the jurisdiction"}
    )

    @validates_schema
    def _no_media(self, data: dict[str, Any], **_: Any) -> None:
        # Fetching a third party's URL would make the service a proxy to anywhere (SSRF).
        if data.get("media_url"):
            raise ValidationError("photos are not taken by URL", "media_url")

    @post_load
    def _drop_personal_data(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        for name in (*DROPPED, *IGNORED, "media_url"):
            data.pop(name, None)
        return data


class IdempotencyHeaderSchema(BaseSchema):
    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        load_default=None,
        validate=_KEY,
        metadata={"description": "the same key again answers the first request"},
    )


class SubmittedSchema(BaseSchema):
    service_request_id = fields.String(required=True)
    service_notice = fields.String(required=True, allow_none=True)
    account_id = fields.String(required=True, allow_none=True)


class ServiceRequestSchema(BaseSchema):
    service_request_id = fields.String(required=True)
    status = fields.String(required=True)
    status_notes = fields.String(required=True, allow_none=True)
    service_name = fields.String(required=True)
    service_code = fields.String(required=True)
    description = fields.String(required=True)
    agency_responsible = fields.String(required=True, allow_none=True)
    service_notice = fields.String(required=True, allow_none=True)
    requested_datetime = fields.DateTime(required=True)
    updated_datetime = fields.DateTime(required=True)
    expected_datetime = fields.DateTime(required=True, allow_none=True)
    address = fields.String(required=True)
    lat = fields.Float(required=True, allow_none=True)
    long = fields.Float(required=True, allow_none=True)
    media_url = fields.String(required=True, allow_none=True)


def _comma_list(value: str, name: str) -> frozenset[str]:
    parts = [part.strip() for part in value.split(",")]
    if any(not part or len(part) > 64 for part in parts):
        raise ValidationError("a comma list of non-empty ids (at most 64 characters)", name)
    if len(parts) > MAX_LISTED:
        raise ValidationError(f"at most {MAX_LISTED} values", name)
    return frozenset(parts)


class RequestListQuerySchema(PageQuerySchema):
    """GET requests.json: GeoReport's filters plus the platform's ``page``/``page_size``."""

    service_request_id = fields.String(metadata={"description": "comma list of service_request_id"})
    service_code = fields.String(metadata={"description": "comma list of service_code"})
    start_date = fields.AwareDateTime(
        metadata={"description": "earliest requested_datetime (ISO 8601 with offset)"}
    )
    end_date = fields.AwareDateTime(
        metadata={"description": "latest requested_datetime, inclusive"}
    )
    status = fields.String(
        metadata={"description": "open, closed or open,closed (closed: closed, rejected, merged)"}
    )

    @validates_schema
    def _check(self, data: dict[str, Any], **_: Any) -> None:
        for name in ("service_request_id", "service_code"):
            if name in data:
                _comma_list(data[name], name)
        if "status" in data:
            allowed = {status.value for status in Status}
            if not set(data["status"].split(",")) <= allowed:
                raise ValidationError("open, closed or open,closed", "status")
        start, end = data.get("start_date"), data.get("end_date")
        if start is not None and end is not None and end < start:
            raise ValidationError("must not be before start_date", "end_date")

    @post_load
    def make_page_request(self, data: dict[str, Any], **_: Any) -> Any:
        paging = PageRequest(page=data["page"], page_size=data["page_size"])
        where = RequestFilter(
            service_request_ids=_comma_list(data["service_request_id"], "service_request_id")
            if "service_request_id" in data
            else frozenset(),
            service_codes=_comma_list(data["service_code"], "service_code")
            if "service_code" in data
            else frozenset(),
            statuses=frozenset(Status(part) for part in data["status"].split(","))
            if "status" in data
            else frozenset(),
            start=data.get("start_date"),
            end=data.get("end_date"),
        )
        return {"paging": paging, "where": where}
