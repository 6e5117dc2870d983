"""Leave and work-clash filings (请假 / 工作冲突) published by patrol_tracking on
`Topic.PATROL_DAILY`.

Every leave.* message carries the filing's state AFTER the change (upsert on `leave_id`): the
worker, the days it covers, its kind and status, the day it was filed and the tenant's limit
then, which days it came too late for (`late_days`, `late` when any) and which days it
excuses now (`excused_days`: only an approved filing's timely days). No reason text, ever.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

LEAVE_FILED = "leave.filed"
LEAVE_APPROVED = "leave.approved"
LEAVE_REJECTED = "leave.rejected"
LEAVE_WITHDRAWN = "leave.withdrawn"

KINDS = ("leave", "clash")
STATUSES = ("requested", "approved", "rejected", "withdrawn")

_ID = validate.Length(min=1, max=64)


def _days() -> fields.List[Any]:
    return fields.List(fields.Date(), required=True, validate=validate.Length(max=31))


class LeaveStateV1(Schema):
    """The shared shape of every leave.* payload, version 1."""

    leave_id = fields.String(required=True, validate=_ID)
    worker_id = fields.String(required=True, validate=_ID)
    days = fields.List(fields.Date(), required=True, validate=validate.Length(min=1, max=31))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    filed_on = fields.Date(required=True)
    limit_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    late = fields.Boolean(required=True, truthy={True}, falsy={False})
    late_days = _days()
    excused_days = _days()
    actor = fields.String(required=True, validate=_ID)


@register(LEAVE_FILED, 1, Topic.PATROL_DAILY)
class LeaveFiledV1(LeaveStateV1):
    """A worker, or centre staff for him, filed leave or a work clash (status ``requested``)."""


@register(LEAVE_APPROVED, 1, Topic.PATROL_DAILY)
class LeaveApprovedV1(LeaveStateV1):
    """Centre staff approved the filing; `excused_days` are the days it excuses."""


@register(LEAVE_REJECTED, 1, Topic.PATROL_DAILY)
class LeaveRejectedV1(LeaveStateV1):
    """Centre staff rejected the filing: it excuses nothing."""


@register(LEAVE_WITHDRAWN, 1, Topic.PATROL_DAILY)
class LeaveWithdrawnV1(LeaveStateV1):
    """The filer took the filing back before the centre decided: it excuses nothing."""
