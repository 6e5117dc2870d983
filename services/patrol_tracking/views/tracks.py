"""巡查轨迹 (a worker's track of a day) as GeoJSON, raw or simplified for a map."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.views import MethodView

from services.patrol_tracking.domain.intake import TrackSession
from services.patrol_tracking.schemas.points import TrackQuerySchema, TrackSchema
from services.patrol_tracking.use_cases import points as use_cases
from services.patrol_tracking.views import READERS, context
from shared.auth import require_roles
from shared.http import Blueprint

blp = Blueprint("tracks", __name__, description="巡查轨迹 (a worker's track of a day)")


@blp.route("/workers/<string:worker_id>/track")
class WorkerTrack(MethodView):
    @blp.arguments(TrackQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, TrackSchema)
    @require_roles(*READERS)
    def get(self, worker_id: str, simplify: float, day: date | None = None) -> dict[str, Any]:
        """The worker's fixes of ``day`` as a GeoJSON FeatureCollection: one LineString per
        session (split at the tenant's session gap; a lone fix is a Point), simplified by
        ``simplify`` metres when above 0. A worker reads his own track; the centre,
        inspectors, grid leaders and instructors any worker's of the tenant."""
        track = use_cases.worker_track(context(), worker_id=worker_id, day=day, simplify=simplify)
        return {
            "type": "FeatureCollection",
            "worker_id": track.worker_id,
            "day": track.day,
            "simplify_m": track.simplify_m,
            "points": track.points,
            "features": [_feature(session) for session in track.sessions],
        }


def _feature(session: TrackSession) -> dict[str, Any]:
    positions = [list(position) for position in session.coordinates]
    geometry = (
        {"type": "Point", "coordinates": positions[0]}
        if len(positions) == 1
        else {"type": "LineString", "coordinates": positions}
    )
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {
            "session": session.index,
            "start": session.start,
            "end": session.end,
            "points": session.points,
        },
    }
