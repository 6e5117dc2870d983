"""The patrol-day document (巡查日): one per worker and Asia/Shanghai day.

`_id` is ``<worker>|<day>`` within the tenant, so the consumer's fold and the cut-off's
finalisation of one worker-day meet on one document and take turns through its write lease.
The fold state (`state`, the domain's own plain-JSON form) is stored whole; the figures and
the verdict also sit as top-level scalars, so the summary lists filter by equality (day,
worker, grid, division, status) and read a page without decoding states.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from shared.mongo import TenantDocument


class FoldedOffsetDocument(me.EmbeddedDocument):  # type: ignore[misc]  # mongoengine is untyped
    """The last Kafka offset of one partition folded into the day (a redelivery at or before
    it changes nothing)."""

    partition = me.IntField(required=True, min_value=0)
    offset = me.IntField(required=True, min_value=0)


class PatrolDayDocument(TenantDocument):
    meta: ClassVar[dict[str, Any]] = {
        "collection": "patrol_days",
        "indexes": [
            ("tenant_id", "day"),
            ("tenant_id", "worker_id"),
            ("tenant_id", "grid_id"),
            ("tenant_id", "division_id"),
            ("tenant_id", "status"),
        ],
    }

    key = me.StringField(primary_key=True)
    worker_id = me.StringField(required=True, max_length=64)
    day = me.StringField(required=True, max_length=10)  # ISO, Asia/Shanghai
    month = me.StringField(required=True, max_length=7)  # YYYY-MM: a month is one equality
    state = me.DictField(required=True)
    folded = me.EmbeddedDocumentListField(FoldedOffsetDocument, default=list)
    assignment_seen = me.ListField(me.StringField(max_length=64), default=list)
    subjects_seen = me.StringField(default="", max_length=32)
    published = me.StringField(default="", max_length=32)  # digest of the last facts published
    # What the list pages show, kept beside the state (whole seconds and metres).
    online_s = me.IntField(required=True, default=0)
    patrol_s = me.IntField(required=True, default=0)
    distance_m = me.IntField(required=True, default=0)
    own_grid_s = me.IntField(required=True, default=0)
    own_grid_m = me.IntField(required=True, default=0)
    morning = me.BooleanField(required=True, default=False)
    afternoon = me.BooleanField(required=True, default=False)
    last_fix_ms = me.IntField()  # epoch ms of the newest accepted fix ("patrolling now")
    last_lon = me.FloatField()
    last_lat = me.FloatField()
    # The judgement, once the day is finalised (version >= 1).
    version = me.IntField(required=True, default=0, min_value=0)
    status = me.StringField(required=True, default="open", max_length=16)
    short = me.BooleanField()
    reasons = me.ListField(me.DictField(), default=list)
    workday = me.BooleanField()
    leave_id = me.StringField(max_length=64)
    grid_id = me.StringField(max_length=64)  # the first of `grid_ids`: the summary's grid
    grid_ids = me.ListField(me.StringField(max_length=64), default=list)
    division_id = me.StringField(max_length=64)
    division_ids = me.ListField(me.StringField(max_length=64), default=list)
    grid_type = me.StringField(max_length=32)
    finalised_at = me.DateTimeField()


class FinalisationMarkDocument(TenantDocument):
    """One per tenant (`_id` = tenant id): the last day whose cut-off run finished, so the
    worker's job knows which days are still to finalise after a pause or an outage, and what
    its last full re-check saw."""

    publishes_events: ClassVar[bool] = False  # progress of a job, not a business fact
    meta: ClassVar[dict[str, Any]] = {"collection": "patrol_finalisation_marks"}

    key = me.StringField(primary_key=True)
    last_day = me.StringField(required=True, max_length=10)
    # The registry fingerprint (`RegistryStamps.fingerprints`) and the instant of the last run
    # that re-checked the whole upload window: an unchanged registry after that needs no re-check.
    checked = me.StringField(max_length=140)
    checked_at = me.DateTimeField()
