"""走访拍照 (visit photos): the worker adds the photo of a visit; a worker-day's visits with
their photos; the photos and their thumbnails."""

from __future__ import annotations

from datetime import date

from flask import Response, request
from flask.views import MethodView

from services.patrol_tracking.domain.visit_photos import DayVisits, VisitPhoto
from services.patrol_tracking.repository.visit_photos import PHOTO, THUMBNAIL
from services.patrol_tracking.schemas.visit_photos import (
    UPLOAD_BODY,
    DayVisitsSchema,
    VisitDayQuerySchema,
    VisitPhotoSchema,
)
from services.patrol_tracking.use_cases import visit_photos as use_cases
from services.patrol_tracking.views import PATROLLERS, READERS, context
from shared.auth import require_roles
from shared.http import Blueprint, accepts
from shared.http.uploads import (
    PHOTO_RESPONSE,
    THUMBNAIL_RESPONSE,
    image_response,
    photo_limit,
    uploaded_image,
)

blp = Blueprint("visit_photos", __name__, description="走访拍照 (photos of visits)")


@blp.route("/visits/photos")
class VisitPhotos(MethodView):
    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.response(201, VisitPhotoSchema)
    @blp.alt_response(422, description="an unknown subject, a bad instant, a damaged image")
    @accepts("multipart/form-data")
    @require_roles(*PATROLLERS)
    def post(self) -> tuple[VisitPhoto, int]:
        """Add the caller's photo of a visit (multipart ``file``, ``subject_id``,
        ``taken_at``): stored without its location metadata, its GPS position kept as
        ``position``; publishes `patrol.visit_photo_added`. The same file sent again for the
        same subject answers the photo stored the first time. A photo never makes a visit:
        the track's dwell does."""
        limit = photo_limit()
        data = uploaded_image(limit)
        photo = use_cases.add_visit_photo(
            context(),
            subject_id=request.form.get("subject_id"),
            taken_at=request.form.get("taken_at"),
            data=data,
            max_bytes=limit,
        )
        return photo, 201


@blp.route("/workers/<string:worker_id>/visits")
class WorkerDayVisits(MethodView):
    @blp.arguments(VisitDayQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, DayVisitsSchema)
    @require_roles(*READERS)
    def get(self, worker_id: str, day: date | None = None) -> DayVisits:
        """The worker's visits of the day as his track shows them, each with the photos
        taken during it, and the day's photos no visit explains. A worker reads his own; the
        centre, inspectors, grid leaders and instructors any worker's of the tenant."""
        return use_cases.day_visits(context(), worker_id=worker_id, day=day)


# ``visit_photo_id``, not ``photo_id``: an event's photo is another object (event_intake's).
@blp.route("/visits/photos/<string:visit_photo_id>")
class VisitPhotoImage(MethodView):
    @blp.doc(responses=PHOTO_RESPONSE)
    @require_roles(*READERS)
    def get(self, visit_photo_id: str) -> Response:
        """The photo's bytes, upright and without EXIF/XMP metadata."""
        stored = use_cases.photo_image(context(), photo_id=visit_photo_id, variant=PHOTO)
        return image_response(stored, etag=f"{visit_photo_id}-{PHOTO}")


@blp.route("/visits/photos/<string:visit_photo_id>/thumbnail")
class VisitPhotoThumbnail(MethodView):
    @blp.doc(responses=THUMBNAIL_RESPONSE)
    @require_roles(*READERS)
    def get(self, visit_photo_id: str) -> Response:
        """A small JPEG of the photo for lists."""
        stored = use_cases.photo_image(context(), photo_id=visit_photo_id, variant=THUMBNAIL)
        return image_response(stored, etag=f"{visit_photo_id}-{THUMBNAIL}")
