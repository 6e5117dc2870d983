"""Raw GPS points and heartbeats as stored (轨迹点 / 心跳): one document per entry.

Written only by the consumer of `Topic.PATROL_POINTS`, in unordered bulk inserts, and never
updated: the `_id` is ``<tenant>|<worker>|<client id>``, so a resent batch or a redelivered
message inserts nothing new (the insert's duplicate-key error is the dedup). Read by equality
on tenant, worker and Asia/Shanghai day; dropped per day bucket after the tenant's
retention. The points are already on Kafka: these documents record no events.
"""

from __future__ import annotations

from typing import Any, ClassVar

import mongoengine as me

from services.patrol_tracking.domain.intake import CLIENT_ID_MAX
from services.patrol_tracking.domain.points import Network, Provider
from shared.mongo import TenantDocument

ID_MAX = 64
# The one index of an append-only log written 4,000 entries a second: every read is a
# worker's day, and the retention's per-day delete (tenant, day) is a subset of its columns,
# which the GIN index behind it answers as well. Never read by `_id` (no index on it but
# FerretDB's own unique one, the dedup), never an outbox (no index on that either).
_DAY_INDEXES = [("tenant_id", "worker_id", "day")]
_META = {"indexes": _DAY_INDEXES, "reads_by_id": False}


class PatrolPointDocument(TenantDocument):
    """One GPS fix of a worker (`_id` = tenant|worker|point id)."""

    publishes_events: ClassVar[bool] = False
    meta: ClassVar[dict[str, Any]] = {"collection": "patrol_points", **_META}

    key = me.StringField(primary_key=True)
    worker_id = me.StringField(required=True, max_length=ID_MAX)
    point_id = me.StringField(required=True, max_length=CLIENT_ID_MAX)
    # ISO day (YYYY-MM-DD, Asia/Shanghai) of `at`: the bucket every read filters on.
    day = me.StringField(required=True, max_length=10)
    at = me.DateTimeField(required=True)
    at_ms = me.IntField(required=True)  # epoch ms: numeric time windows without decoding
    lat = me.FloatField(required=True, min_value=-90, max_value=90)
    lon = me.FloatField(required=True, min_value=-180, max_value=180)
    accuracy_m = me.FloatField(required=True, min_value=0)
    provider = me.StringField(required=True, choices=[p.value for p in Provider])
    speed_mps = me.FloatField()
    bearing_deg = me.FloatField()
    battery_pct = me.IntField(min_value=0, max_value=100)
    batch_id = me.StringField(required=True, max_length=36)
    received_at = me.DateTimeField(required=True)


class PatrolHeartbeatDocument(TenantDocument):
    """One heartbeat of a worker's app (`_id` = tenant|worker|heartbeat id)."""

    publishes_events: ClassVar[bool] = False
    meta: ClassVar[dict[str, Any]] = {"collection": "patrol_heartbeats", **_META}

    key = me.StringField(primary_key=True)
    worker_id = me.StringField(required=True, max_length=ID_MAX)
    heartbeat_id = me.StringField(required=True, max_length=CLIENT_ID_MAX)
    day = me.StringField(required=True, max_length=10)
    at = me.DateTimeField(required=True)
    at_ms = me.IntField(required=True)
    app_alive = me.BooleanField(required=True)
    gps_permission = me.BooleanField(required=True)
    battery_saver = me.BooleanField(required=True)
    network = me.StringField(required=True, choices=[n.value for n in Network])
    battery_pct = me.IntField(min_value=0, max_value=100)
    batch_id = me.StringField(required=True, max_length=36)
    received_at = me.DateTimeField(required=True)
