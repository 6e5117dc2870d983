"""Filed management system contracts published by grid_registry (制度备案)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

FILING_RECORDED = "filing.recorded"
FILING_WITHDRAWN = "filing.withdrawn"
FILING_STATUSES = ("filed", "filed_late", "missing")


class _FilingV1(Schema):
    filing_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    division_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    item_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    filed_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(FILING_STATUSES))
    actor = fields.String(required=True, validate=validate.Length(min=1, max=64))


@register(FILING_RECORDED, 1, Topic.REGISTRY_FILINGS)
class FilingRecordedV1(_FilingV1):
    """A division filed a checklist item with the centre; ``status`` is ``filed`` or
    ``filed_late`` (``filed_on`` after ``due_on``)."""


@register(FILING_WITHDRAWN, 1, Topic.REGISTRY_FILINGS)
class FilingWithdrawnV1(_FilingV1):
    """A filing was withdrawn; ``status`` is the division's status for the item afterwards
    (``missing`` until it is filed again)."""
