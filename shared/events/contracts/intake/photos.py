"""Event photo contracts published by event_intake on `Topic.INTAKE_EVENTS`.

`event.photo_added` says an event got a before or after photo (seed 001 marks an event
unqualified when they are missing): which photo, which event and grid, which kind, when. It
shares the event's key (``tenant_id:event_id``), so it stays in order with the event's own
messages. No personal data: never the photo's GPS position or who uploaded it.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

EVENT_PHOTO_ADDED = "event.photo_added"
PHOTO_KINDS = ("before", "after")

_ID = validate.Length(min=1, max=64)


@register(EVENT_PHOTO_ADDED, 1, Topic.INTAKE_EVENTS)
class EventPhotoAddedV1(Schema):
    """A photo of kind `kind` was added to event `event_id` of grid `grid_id`."""

    photo_id = fields.String(required=True, validate=_ID)
    event_id = fields.String(required=True, validate=_ID)
    grid_id = fields.String(required=True, validate=_ID)
    kind = fields.String(required=True, validate=validate.OneOf(PHOTO_KINDS))
    uploaded_at = fields.AwareDateTime(required=True)
