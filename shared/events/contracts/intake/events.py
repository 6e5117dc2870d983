"""Event (事项) contracts published by event_intake on `Topic.INTAKE_EVENTS`.

Every event.* message carries the event's scoring-relevant state AFTER the change (not a
diff), so scoring rebuilds its view from any single message by upserting on `event_id`:
category, source, level, state, timestamps, deadlines, on-time flags, review outcome and the
shirked (推诿) flag, plus what happened (`action`, `previous_state`, `actor`, `acting_as`).

No personal data: never the title, description, address, position, reporter or reason text.
`event.overdue` adds which deadline passed (`acceptance` or `closure`); its actor is
``system``.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

EVENT_REPORTED = "event.reported"
EVENT_ACCEPTED = "event.accepted"
EVENT_DISPATCHED = "event.dispatched"
EVENT_ESCALATED = "event.escalated"
EVENT_STARTED = "event.started"
EVENT_RETURNED = "event.returned"
EVENT_REOPENED = "event.reopened"
EVENT_REJECTED = "event.rejected"
EVENT_SUSPENDED = "event.suspended"
EVENT_RESUMED = "event.resumed"
EVENT_EXTENDED = "event.extended"
EVENT_RESOLVED = "event.resolved"
EVENT_CLOSED = "event.closed"
EVENT_REVIEWED = "event.reviewed"
EVENT_MARKED_SHIRKED = "event.marked_shirked"
EVENT_OVERDUE = "event.overdue"
EVENT_MERGED = "event.merged"
EVENT_LATE_REPORT_FLAGGED = "event.late_report_flagged"

SOURCES = (
    "grid_app",
    "web",
    "hotline_12345",
    "inspector_patrol",
    "inspector_spot_check",
    "resident_complaint",
    "centre_dispatch",
)
LEVELS = ("grid", "village", "town", "district")
STATES = (
    "reported",
    "accepted",
    "dispatched",
    "escalated",
    "in_progress",
    "resolved",
    "closed",
    "returned",
    "rejected",
    "suspended",
    "merged",
)
ACTIONS = (
    "report",
    "accept",
    "dispatch",
    "escalate",
    "start",
    "resolve",
    "close",
    "return",
    "reopen",
    "reject_invalid",
    "suspend",
    "resume",
    "extend",
    "review",
    "mark_shirked",
    "merge",
    "flag_late_report",
)
ACTING_AS = ("grid_worker", "centre", "department", "inspector", "system")
REVIEW_OUTCOMES = ("valid", "unqualified", "false")
UNQUALIFIED_REASONS = ("incomplete", "photo_missing", "unclear", "title_mismatch", "duplicate")
DEADLINES = ("acceptance", "closure")

_ID = validate.Length(min=1, max=64)


class EventStateV1(Schema):
    """The shared shape of every event.* payload, version 1."""

    event_id = fields.String(required=True, validate=_ID)
    grid_id = fields.String(required=True, validate=_ID)
    division_id = fields.String(required=True, allow_none=True, validate=_ID)
    category = fields.String(required=True, validate=validate.Length(min=1, max=64))
    source = fields.String(required=True, validate=validate.OneOf(SOURCES))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    previous_state = fields.String(required=True, allow_none=True, validate=validate.OneOf(STATES))
    action = fields.String(required=True, allow_none=True, validate=validate.OneOf(ACTIONS))
    actor = fields.String(required=True, validate=_ID)
    acting_as = fields.String(required=True, validate=validate.OneOf(ACTING_AS))
    department_id = fields.String(required=True, allow_none=True, validate=_ID)
    reported_at = fields.AwareDateTime(required=True)
    accepted_at = fields.AwareDateTime(required=True, allow_none=True)
    resolved_at = fields.AwareDateTime(required=True, allow_none=True)
    closed_at = fields.AwareDateTime(required=True, allow_none=True)
    acceptance_deadline = fields.AwareDateTime(required=True)
    closure_deadline = fields.AwareDateTime(required=True, allow_none=True)
    accepted_on_time = fields.Boolean(required=True, allow_none=True, truthy={True}, falsy={False})
    closed_on_time = fields.Boolean(required=True, allow_none=True, truthy={True}, falsy={False})
    review_outcome = fields.String(
        required=True, allow_none=True, validate=validate.OneOf(REVIEW_OUTCOMES)
    )
    unqualified_reason = fields.String(
        required=True, allow_none=True, validate=validate.OneOf(UNQUALIFIED_REASONS)
    )
    shirked = fields.Boolean(required=True, truthy={True}, falsy={False})
    late_report = fields.Boolean(required=True, truthy={True}, falsy={False})
    merged_into = fields.String(required=True, allow_none=True, validate=_ID)


@register(EVENT_REPORTED, 1, Topic.INTAKE_EVENTS)
class EventReportedV1(EventStateV1):
    """A new event was reported (state ``reported``, acceptance deadline set)."""


@register(EVENT_ACCEPTED, 1, Topic.INTAKE_EVENTS)
class EventAcceptedV1(EventStateV1):
    """Accepted (受理); `accepted_on_time` and the closure deadline are set."""


@register(EVENT_DISPATCHED, 1, Topic.INTAKE_EVENTS)
class EventDispatchedV1(EventStateV1):
    """Dispatched (派单) to the department `department_id`."""


@register(EVENT_ESCALATED, 1, Topic.INTAKE_EVENTS)
class EventEscalatedV1(EventStateV1):
    """Escalated (上报); `level` is the level it was escalated to."""


@register(EVENT_STARTED, 1, Topic.INTAKE_EVENTS)
class EventStartedV1(EventStateV1):
    """Handling started (state ``in_progress``)."""


@register(EVENT_RETURNED, 1, Topic.INTAKE_EVENTS)
class EventReturnedV1(EventStateV1):
    """Returned (回退) to the centre by its handler."""


@register(EVENT_REOPENED, 1, Topic.INTAKE_EVENTS)
class EventReopenedV1(EventStateV1):
    """Reopened (重办) after resolution or closure; closure facts are cleared."""


@register(EVENT_REJECTED, 1, Topic.INTAKE_EVENTS)
class EventRejectedV1(EventStateV1):
    """Rejected as invalid (state ``rejected``, final)."""


@register(EVENT_SUSPENDED, 1, Topic.INTAKE_EVENTS)
class EventSuspendedV1(EventStateV1):
    """Suspended (挂起): its deadline clocks stand still until it is resumed."""


@register(EVENT_RESUMED, 1, Topic.INTAKE_EVENTS)
class EventResumedV1(EventStateV1):
    """Resumed; the deadlines are pushed by the suspension."""


@register(EVENT_EXTENDED, 1, Topic.INTAKE_EVENTS)
class EventExtendedV1(EventStateV1):
    """An extension (延期) was approved; `closure_deadline` is the new one."""


@register(EVENT_RESOLVED, 1, Topic.INTAKE_EVENTS)
class EventResolvedV1(EventStateV1):
    """Resolved by its handler; waiting for the centre to close it."""


@register(EVENT_CLOSED, 1, Topic.INTAKE_EVENTS)
class EventClosedV1(EventStateV1):
    """Closed (办结); `closed_on_time` is set."""


@register(EVENT_REVIEWED, 1, Topic.INTAKE_EVENTS)
class EventReviewedV1(EventStateV1):
    """The report was reviewed: `review_outcome` and, when unqualified, `unqualified_reason`."""


@register(EVENT_MARKED_SHIRKED, 1, Topic.INTAKE_EVENTS)
class EventMarkedShirkedV1(EventStateV1):
    """The centre found a returned event was the grid's own job (推诿)."""


@register(EVENT_MERGED, 1, Topic.INTAKE_EVENTS)
class EventMergedV1(EventStateV1):
    """Merged into the earlier report `merged_into` (重复上报), which keeps the credit; final."""


@register(EVENT_LATE_REPORT_FLAGGED, 1, Topic.INTAKE_EVENTS)
class EventLateReportFlaggedV1(EventStateV1):
    """The centre found a major event reported late (迟报): `late_report` is true."""


@register(EVENT_OVERDUE, 1, Topic.INTAKE_EVENTS)
class EventOverdueV1(EventStateV1):
    """A deadline passed unmet (recorded once per deadline and event)."""

    deadline = fields.String(required=True, validate=validate.OneOf(DEADLINES))
