"""Visit photos (走访拍照) published by patrol_tracking on `Topic.PATROL_DAILY`.

A worker added a photo of a visit to a key subject: which subject, the Asia/Shanghai day and
instant it was taken, the photo's id and the SHA-256 of the file as uploaded. Never the image,
where it was taken, or who is in it; the photo itself is read from patrol_tracking's API by
those allowed to see the worker's track.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

PATROL_VISIT_PHOTO_ADDED = "patrol.visit_photo_added"

_ID = validate.Length(min=1, max=64)


@register(PATROL_VISIT_PHOTO_ADDED, 1, Topic.PATROL_DAILY)
class VisitPhotoAddedV1(Schema):
    """``worker_id`` added photo ``photo_id`` of key subject ``subject_id``."""

    photo_id = fields.String(required=True, validate=_ID)
    worker_id = fields.String(required=True, validate=_ID)
    subject_id = fields.String(required=True, validate=_ID)
    day = fields.Date(required=True)
    taken_at = fields.AwareDateTime(required=True)
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
