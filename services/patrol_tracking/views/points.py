"""轨迹点与心跳上传 (GPS points and heartbeats from the phone app): Kafka first."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from services.patrol_tracking.schemas.points import (
    AcceptedSchema,
    HeartbeatBatchSchema,
    PointBatchSchema,
)
from services.patrol_tracking.use_cases import points as use_cases
from services.patrol_tracking.use_cases.points import Accepted
from services.patrol_tracking.views import PATROLLERS, context
from shared.auth import require_roles
from shared.http import Blueprint
from shared.http.ratelimit import ingestion

blp = Blueprint("points", __name__, description="轨迹点与心跳上传 (GPS points and heartbeats)")

_UNAVAILABLE = "Kafka did not take the upload in time: keep it and retry after Retry-After"


@blp.route("/points")
class Points(MethodView):
    @blp.arguments(PointBatchSchema)
    @blp.response(202, AcceptedSchema)
    @blp.alt_response(503, description=_UNAVAILABLE)
    @require_roles(*PATROLLERS)
    @ingestion
    def post(self, body: dict[str, Any]) -> Accepted:
        """Upload the caller's GPS fixes (上传轨迹点); 202 once Kafka holds them. Any bad fix
        refuses the whole upload with 422 naming each one (``points.7.lat``): first every
        fix out of shape or range, then, once all are well formed, every fix too far in the
        future, older than the tenant's upload window or repeating an id of the batch. A
        resend is harmless (same ``batch_id``, stored once)."""
        return use_cases.receive_points(context(), **body)


@blp.route("/heartbeats")
class Heartbeats(MethodView):
    @blp.arguments(HeartbeatBatchSchema)
    @blp.response(202, AcceptedSchema)
    @blp.alt_response(503, description=_UNAVAILABLE)
    @require_roles(*PATROLLERS)
    @ingestion
    def post(self, body: dict[str, Any]) -> Accepted:
        """Upload the app's heartbeats (心跳: alive, location permission, battery saver,
        network), so a silent phone is told from a worker who stopped; 202 once Kafka holds
        them."""
        return use_cases.receive_heartbeats(context(), **body)
