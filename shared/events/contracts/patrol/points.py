"""Raw GPS points and heartbeats published by patrol_tracking on `Topic.PATROL_POINTS`.

Ingestion is Kafka first (no outbox): one message is one accepted upload of one worker, keyed
``tenant_id:worker_id`` so a worker's uploads stay in order on one partition. The API answers
202 only after Kafka acknowledged the message; patrol_tracking's own consumer stores the
points (idempotent on tenant, worker and the phone's id of each entry) and folds the day.

`batch_id` is a uuid5 of the worker and the sorted entry ids: a phone resending a batch sends
the same id, and the same entries, again. Instants are ISO 8601 UTC. The positions are the
worker's own on duty, which is what patrol records are; no resident's data, no free text.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.events.contracts import register
from shared.events.topics import Topic

PATROL_POINTS_RECEIVED = "patrol.points_received"
PATROL_HEARTBEATS_RECEIVED = "patrol.heartbeats_received"

PROVIDERS = ("gps", "network", "fused")
NETWORKS = ("wifi", "cellular", "none")
MAX_POINTS = 500
MAX_HEARTBEATS = 100

_ID = validate.Length(min=1, max=64)


class PointV1(Schema):
    """One GPS fix as the phone recorded it."""

    point_id = fields.String(required=True, validate=_ID)
    at = fields.AwareDateTime(required=True)
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    accuracy_m = fields.Float(required=True, validate=validate.Range(min=0, max=10_000))
    provider = fields.String(required=True, validate=validate.OneOf(PROVIDERS))
    speed_mps = fields.Float(
        required=True, allow_none=True, validate=validate.Range(min=0, max=150)
    )
    bearing_deg = fields.Float(
        required=True, allow_none=True, validate=validate.Range(min=0, max=360)
    )
    battery_pct = fields.Integer(
        required=True, allow_none=True, strict=True, validate=validate.Range(min=0, max=100)
    )


def _flag() -> fields.Boolean:
    return fields.Boolean(required=True, truthy={True}, falsy={False})


class HeartbeatV1(Schema):
    """The app's state at one instant: alive, location permission, battery saver, network."""

    heartbeat_id = fields.String(required=True, validate=_ID)
    at = fields.AwareDateTime(required=True)
    app_alive = _flag()
    gps_permission = _flag()
    battery_saver = _flag()
    network = fields.String(required=True, validate=validate.OneOf(NETWORKS))
    battery_pct = fields.Integer(
        required=True, allow_none=True, strict=True, validate=validate.Range(min=0, max=100)
    )


@register(PATROL_POINTS_RECEIVED, 1, Topic.PATROL_POINTS)
class PointsReceivedV1(Schema):
    """An upload of 1 to 500 fixes was accepted for `worker_id` at `received_at`."""

    # Checked when the API publishes it and again when the consumer reads it, 450 values an
    # upload of 50: compiled (shared/fastload.py).
    fast_load = True

    worker_id = fields.String(required=True, validate=_ID)
    batch_id = fields.UUID(required=True)
    received_at = fields.AwareDateTime(required=True)
    points = fields.List(
        fields.Nested(PointV1), required=True, validate=validate.Length(min=1, max=MAX_POINTS)
    )


@register(PATROL_HEARTBEATS_RECEIVED, 1, Topic.PATROL_POINTS)
class HeartbeatsReceivedV1(Schema):
    """An upload of 1 to 100 heartbeats was accepted for `worker_id` at `received_at`."""

    fast_load = True

    worker_id = fields.String(required=True, validate=_ID)
    batch_id = fields.UUID(required=True)
    received_at = fields.AwareDateTime(required=True)
    heartbeats = fields.List(
        fields.Nested(HeartbeatV1),
        required=True,
        validate=validate.Length(min=1, max=MAX_HEARTBEATS),
    )
