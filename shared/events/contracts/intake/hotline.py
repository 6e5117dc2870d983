"""12345 hotline contracts published by event_intake on `Topic.INTAKE_EVENTS`.

`hotline.callback_recorded` says a 12345 work order's callback (回访) result was recorded: the
first one, or a changed outcome (the same outcome imported again publishes nothing). The
survey service keeps the latest per `work_order_no`. It carries the event the work order made
and that event's grid, division, category and report time, and shares the event's key
(``tenant_id:event_id``), so it stays in order with the event's own messages.

No personal data: never the caller's name or phone number, nor anything said on the call.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

HOTLINE_CALLBACK_RECORDED = "hotline.callback_recorded"
OUTCOMES = ("satisfied", "basically_satisfied", "unsatisfied", "unreachable")

_ID = validate.Length(min=1, max=64)


@register(HOTLINE_CALLBACK_RECORDED, 1, Topic.INTAKE_EVENTS)
class HotlineCallbackRecordedV1(Schema):
    """Work order `work_order_no` (event `event_id` in grid `grid_id`) was called back at
    `called_at` with `outcome`."""

    work_order_no = fields.String(required=True, validate=_ID)
    event_id = fields.String(required=True, validate=_ID)
    grid_id = fields.String(required=True, validate=_ID)
    division_id = fields.String(required=True, allow_none=True, validate=_ID)
    category = fields.String(required=True, validate=validate.Length(min=1, max=64))
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    called_at = fields.AwareDateTime(required=True)
    reported_at = fields.AwareDateTime(required=True)
