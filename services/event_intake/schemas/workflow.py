"""Request and response fields the workflow schemas of tasks (派单) and inspections (督查)
share: the client's request id, photos, evidence and reasons, the evidence shown and the
history entry."""

from __future__ import annotations

from marshmallow import fields, validate

from services.event_intake.domain.tasks import EVIDENCE_MAX, PHOTOS_MAX
from services.event_intake.domain.workflow import REASON_MAX, REQUEST_ID_MAX
from shared.http import BaseSchema
from shared.http.schemas import MultilineString

ID = validate.Length(min=1, max=64)


def request_id_field() -> fields.String:
    return fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=REQUEST_ID_MAX),
        metadata={"description": "客户端请求号 / the client's id: a retry with it changes nothing"},
    )


def photo_ids_field() -> fields.List[str]:
    return fields.List(
        fields.String(validate=ID),
        load_default=list,
        validate=validate.Length(max=PHOTOS_MAX),
        metadata={"description": "照片 / ids of uploaded photos"},
    )


def evidence_field(description: str) -> MultilineString:
    """The required evidence text of a completion or rectification (never published)."""
    return MultilineString(
        required=True,
        validate=validate.Length(min=1, max=EVIDENCE_MAX),
        metadata={"description": description},
    )


def reason_field(description: str, *, required: bool = True) -> MultilineString:
    """Why (never published); an optional one may be null."""
    return MultilineString(
        required=required,
        allow_none=not required,
        validate=validate.Length(min=1, max=REASON_MAX),
        metadata={"description": description},
    )


class EvidenceSchema(BaseSchema):
    text = fields.String(required=True)
    photo_ids = fields.List(fields.String(), required=True)


class HistoryEntrySchema(BaseSchema):
    action = fields.String(required=True)
    actor = fields.String(required=True)
    acting_as = fields.String(required=True)
    at = fields.DateTime(required=True)
    from_state = fields.String(allow_none=True)
    to_state = fields.String(required=True)
    reason = fields.String(allow_none=True)
