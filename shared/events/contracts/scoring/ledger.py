"""Manual input contracts published by scoring on `Topic.SCORING_RESULTS` (人工录入指标).

`scoring.manual_input_recorded`: centre staff entered (revision 1) or corrected (revision 2,
3...) the value of a scheme input no service records (leader praise, media coverage,
criticism, the star composite...) for one subject (`subject_id` null: the value every subject
shares, such as a district figure) and period. `value` is the value as canonical JSON text
(numbers exact, as text inside the JSON: ``"92.5"``, ``true``, ``{"city": "1"}``,
``["2024-03-07"]``); the latest revision of a manual input is its value. Keyed
``tenant:manual_input_id``: the revisions of one input arrive in order.

Never the evidence text, the correction's reason or a document's content: those stay behind
the manual-input API, where roles decide who reads them; only how many evidence references
the revision has.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

MANUAL_INPUT_RECORDED = "scoring.manual_input_recorded"
PERIOD_KINDS = ("month", "quarter", "half", "year", "custom")

_ID = validate.Length(min=1, max=64)


@register(MANUAL_INPUT_RECORDED, 1, Topic.SCORING_RESULTS)
class ManualInputRecordedV1(Schema):
    """Revision `revision` of manual input `manual_input_id`: `input_id` of `subject_id`
    (null: shared) in `period` is `value`."""

    manual_input_id = fields.String(required=True, validate=_ID)
    input_id = fields.String(required=True, validate=_ID)
    subject_id = fields.String(required=True, allow_none=True, validate=_ID)
    period_kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    period = fields.String(required=True, validate=validate.Length(min=1, max=32))
    revision = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    value = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    evidence_refs = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    recorded_by = fields.String(required=True, validate=_ID)
    recorded_at = fields.AwareDateTime(required=True)
