"""12345 callback contracts published by survey on `Topic.SURVEY_RESPONSES`.

`callback.recorded` says the callback (回访) survey keeps for a 12345 work order changed: the
first one, a later call, a corrected outcome, or its attachment to an intake event and grid.
Survey keeps the latest callback per work order, whether it came from event_intake
(``hotline.callback_recorded``) or from the provincial results file imported in survey; the
message carries the kept callback as a whole (upsert on ``work_order_no``).

No personal data: never the caller's name or phone number, nor anything said on the call.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

CALLBACK_RECORDED = "callback.recorded"
OUTCOMES = ("satisfied", "basically_satisfied", "unsatisfied", "unreachable")
ORIGINS = ("intake", "import")

_ID = validate.Length(min=1, max=64)


@register(CALLBACK_RECORDED, 1, Topic.SURVEY_RESPONSES)
class CallbackRecordedV1(Schema):
    """Work order `work_order_no` (event `event_id`, null when only the import knows it, in
    grid `grid_id`) was last called back at `called_at` with `outcome`, as `origin` said."""

    work_order_no = fields.String(required=True, validate=_ID)
    event_id = fields.String(required=True, allow_none=True, validate=_ID)
    grid_id = fields.String(required=True, validate=_ID)
    division_id = fields.String(required=True, allow_none=True, validate=_ID)
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    called_at = fields.AwareDateTime(required=True)
    origin = fields.String(required=True, validate=validate.OneOf(ORIGINS))
