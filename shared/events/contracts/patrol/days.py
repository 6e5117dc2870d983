"""Patrol-day contracts published by patrol_tracking on `Topic.PATROL_DAILY` (巡查日结).

A worker's day is finalised once, at the tenant's cut-off after midnight: `patrol.day_finalised`
carries the day's figures and verdict. A late upload inside the tenant's window, or a leave
approved afterwards, revises the day: `patrol.day_corrected` carries the whole day again with
a higher `version` (upsert on worker and day, keep the highest version). Scoring's patrol lines
follow from these alone — seed 001: −0.5 a workday not patrolled without leave, −0.2 a day
short; seed 004: −25 yuan a failing day — without reading raw points.

Figures are whole seconds and metres; no positions, no names, no leave reasons.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

PATROL_DAY_FINALISED = "patrol.day_finalised"
PATROL_DAY_CORRECTED = "patrol.day_corrected"

DAY_STATUSES = ("passed", "failed", "not_patrolled", "excused", "rest_day")
_ID = validate.Length(min=1, max=64)


def _seconds() -> fields.Integer:
    return fields.Integer(required=True, validate=validate.Range(min=0, max=86_400))


def _count() -> fields.Integer:
    return fields.Integer(required=True, validate=validate.Range(min=0))


class PatrolDayV1(Schema):
    """One worker's patrol day (Asia/Shanghai) with its verdict, as it stands at `version`."""

    worker_id = fields.String(required=True, validate=_ID)
    day = fields.Date(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    previous_status = fields.String(
        required=True, allow_none=True, validate=validate.OneOf(DAY_STATUSES)
    )
    grid_ids = fields.List(fields.String(validate=_ID), required=True)
    division_ids = fields.List(fields.String(validate=_ID), required=True)
    grid_type = fields.String(required=True, allow_none=True, validate=validate.Length(max=32))
    workday = fields.Boolean(required=True)
    status = fields.String(required=True, validate=validate.OneOf(DAY_STATUSES))
    short = fields.Boolean(required=True)
    reasons = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True)
    leave_id = fields.String(required=True, allow_none=True, validate=_ID)
    online_s = _seconds()
    patrol_s = _seconds()
    distance_m = _count()
    own_grid_s = _seconds()
    own_grid_m = _count()
    morning = fields.Boolean(required=True)
    afternoon = fields.Boolean(required=True)
    sessions = _count()
    points_accepted = _count()
    points_rejected = _count()
    phone_silent_s = _seconds()
    gps_off_s = _seconds()
    battery_saver_s = _seconds()
    not_patrolling_s = _seconds()
    # Why the track has a hole (the whole day for a day without a fix; else its longest gap):
    # the phone silent (killed, off, no signal), GPS off, battery saver, or the worker not
    # patrolling while his phone reported all was well; null for a day without gaps. Added
    # to version 1 after days were published without it: an older message reads null (a
    # replay of the topic, scoring's ledger rebuild, must still take it).
    gap_class = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(("phone_silent", "gps_off", "battery_saver", "not_patrolling")),
    )
    key_person_visits = _count()
    special_group_visits = _count()
    care_recipient_visits = _count()
    hazard_place_visits = _count()
    visited_subject_ids = fields.List(fields.String(validate=_ID), required=True)
    finalised_at = fields.AwareDateTime(required=True)


@register(PATROL_DAY_FINALISED, 1, Topic.PATROL_DAILY)
class PatrolDayFinalisedV1(PatrolDayV1):
    """The day was judged at the tenant's cut-off (version 1, previous_status null)."""


@register(PATROL_DAY_CORRECTED, 1, Topic.PATROL_DAILY)
class PatrolDayCorrectedV1(PatrolDayV1):
    """A finalised day changed: late points inside the upload window, a leave decided later."""
