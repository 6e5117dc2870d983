"""Patrol period contracts published by patrol_tracking on `Topic.PATROL_DAILY` (周/月汇总).

When the last day of an ISO week or a calendar month is judged, `patrol.period_totals` sums a
worker's days: the days by verdict, failing days (failed or not patrolled) and the longest run
of consecutive failing working days (seed 004: 连续3天未达标或当月累计5天未达标), the week's
hours and kilometres against its requirement (seed 001: 18 h and 8 km a week for community
grids), and the key subjects not visited in a window of their cycle (seed 001:
未按周期巡查或未巡查, one per subject and window). A correction of one of its days publishes
the totals again with the next `version` (keep the highest per worker, kind and period).
Ids, counts and flags only.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

PATROL_PERIOD_TOTALS = "patrol.period_totals"
PERIOD_KINDS = ("week", "month")
_ID = validate.Length(min=1, max=64)


def _count() -> fields.Integer:
    return fields.Integer(required=True, validate=validate.Range(min=0))


class MissedVisitV1(Schema):
    subject_id = fields.String(required=True, validate=_ID)
    category = fields.String(required=True, validate=validate.Length(min=1, max=32))
    cycle = fields.String(required=True, validate=validate.OneOf(("daily", "weekly", "monthly")))
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)


@register(PATROL_PERIOD_TOTALS, 1, Topic.PATROL_DAILY)
class PatrolPeriodTotalsV1(Schema):
    """One worker's week or month of judged days, as it stands at `version`."""

    worker_id = fields.String(required=True, validate=_ID)
    kind = fields.String(required=True, validate=validate.OneOf(PERIOD_KINDS))
    period = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(W\d{2}|\d{2})$"))
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    grid_ids = fields.List(fields.String(validate=_ID), required=True)
    days_passed = _count()
    days_failed = _count()
    days_not_patrolled = _count()
    days_short = _count()
    days_excused = _count()
    rest_days = _count()
    failing_days = _count()
    longest_failing_streak = _count()
    patrol_s = _count()
    distance_m = _count()
    required_minutes = fields.Integer(
        required=True, allow_none=True, validate=validate.Range(min=0)
    )
    required_km = fields.Decimal(required=True, allow_none=True, as_string=True)
    requirement_met = fields.Boolean(required=True, allow_none=True)
    reasons = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True)
    forfeits_subsidy = fields.Boolean(required=True, allow_none=True)
    missed_visits = fields.List(fields.Nested(MissedVisitV1), required=True)
    computed_at = fields.AwareDateTime(required=True)
