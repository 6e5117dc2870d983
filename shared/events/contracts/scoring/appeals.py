"""Appeal contracts published by scoring on `Topic.SCORING_RESULTS` (申诉/复核).

A subject (or the centre on his behalf) appealed one line (`line`: an indicator id or a money
rule id, `line_kind`) of his sheet in edition `edition` of a scheme's period; keyed
``tenant:appeal_id``, so one appeal's messages arrive in order:

- `appeal.filed`: filed within the window (`window_ends_on`); the review is due by the end of
  `due_on` (working days on the scheme's calendar).
- `appeal.decided`: accepted or rejected (`outcome`). An accepted appeal names the inputs it
  corrected (`corrected_inputs`) and the edition that republished the period with them
  (`correction_edition`: its `scores.published` carries the rows); a rejected one changes
  nothing (`corrected_inputs` empty, `correction_edition` null).
- `appeal.overdue`: undecided after `due_on`; published once per appeal.

Ids, codes and dates only: never the appeal's text, the reviewer's reason, the corrected
values or the evidence (they stay behind the appeals API, where roles decide who reads them).
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

APPEAL_FILED = "appeal.filed"
APPEAL_DECIDED = "appeal.decided"
APPEAL_OVERDUE = "appeal.overdue"
PERIOD_KINDS = ("month", "quarter", "half", "year", "custom")
SUBJECT_KINDS = ("division", "grid", "worker")

_ID = validate.Length(min=1, max=64)


class _AppealIdsV1(Schema):
    appeal_id = fields.String(required=True, validate=_ID)
    scheme_id = fields.String(required=True, validate=_ID)
    period_kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    period = fields.String(required=True, validate=validate.Length(min=1, max=32))
    subject_kind = fields.String(required=True, validate=validate.OneOf(SUBJECT_KINDS))
    subject_id = fields.String(required=True, validate=_ID)
    line = fields.String(required=True, validate=_ID)
    line_kind = fields.String(required=True, validate=validate.OneOf(("indicator", "money")))
    edition = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


@register(APPEAL_FILED, 1, Topic.SCORING_RESULTS)
class AppealFiledV1(_AppealIdsV1):
    """Appeal `appeal_id` of `line` of `subject_id`'s sheet in `edition` was filed."""

    filed_by = fields.String(required=True, validate=_ID)
    filed_at = fields.AwareDateTime(required=True)
    window_ends_on = fields.Date(required=True)
    due_on = fields.Date(required=True)


@register(APPEAL_DECIDED, 1, Topic.SCORING_RESULTS)
class AppealDecidedV1(_AppealIdsV1):
    """Appeal `appeal_id` was accepted (its corrections published as `correction_edition`)
    or rejected."""

    outcome = fields.String(required=True, validate=validate.OneOf(("accepted", "rejected")))
    corrected_inputs = fields.List(fields.String(validate=_ID), required=True)
    correction_edition = fields.Integer(
        required=True, allow_none=True, strict=True, validate=validate.Range(min=2)
    )
    decided_by = fields.String(required=True, validate=_ID)
    decided_at = fields.AwareDateTime(required=True)
    due_on = fields.Date(required=True)


@register(APPEAL_OVERDUE, 1, Topic.SCORING_RESULTS)
class AppealOverdueV1(_AppealIdsV1):
    """Appeal `appeal_id` was not decided by the end of `due_on`."""

    due_on = fields.Date(required=True)
    filed_at = fields.AwareDateTime(required=True)
