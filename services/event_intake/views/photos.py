"""事项照片 (event photos): upload before/after photos, list them, serve them and thumbnails.

An upload may be larger than a JSON body: the app-wide body cap is raised for the upload view
only, per request, to the photo limit (``GRIDGOV_PHOTO_MAX_BYTES``) plus the multipart framing,
so a Content-Length above it is a 413 before a byte is read, and the form parser stops there
too (`shared.http.uploads`). The file itself is then held to the photo limit exactly
(`shared.images`). A body sent chunked (without Content-Length) is still held to the app-wide
cap, read before any view runs.
"""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from services.event_intake.domain.photos import Photo
from services.event_intake.repository.photos import PHOTO, THUMBNAIL
from services.event_intake.schemas.photos import (
    UPLOAD_BODY,
    PhotoPageQuerySchema,
    PhotoSchema,
)
from services.event_intake.use_cases import photos as use_cases
from services.event_intake.views import READERS, context
from shared.auth import require_roles
from shared.http import Blueprint, PageRequest, PageResponse, accepts, page_schema
from shared.http.uploads import (
    PHOTO_RESPONSE,
    THUMBNAIL_RESPONSE,
    image_response,
    photo_limit,
    uploaded_image,
)

blp = Blueprint("photos", __name__, description="事项照片 (event photos): before and after")


@blp.route("/events/<string:event_id>/photos")
class EventPhotos(MethodView):
    @blp.arguments(PhotoPageQuerySchema, location="query")
    @blp.response(200, page_schema(PhotoSchema))
    @require_roles(*READERS)
    def get(self, paging: PageRequest, event_id: str) -> PageResponse[Photo]:
        """The event's photos (metadata), oldest first."""
        found = use_cases.list_photos(
            context(), event_id=event_id, offset=paging.offset, limit=paging.limit
        )
        return paging.page_of(found.items, found.total)

    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.response(201, PhotoSchema)
    @blp.alt_response(409, description="the event is closed or rejected, or has enough photos")
    @blp.alt_response(422, description="a damaged image, too many pixels, or a bad kind")
    @accepts("multipart/form-data")
    @require_roles(*READERS)
    def post(self, event_id: str) -> tuple[Photo, int]:
        """Add a before/after photo (multipart ``file``, ``kind``); stored without its location
        metadata, its GPS position kept as ``position``; publishes `event.photo_added`. The same
        file sent again as the same kind answers the photo stored the first time."""
        limit = photo_limit()
        data = uploaded_image(limit)
        photo = use_cases.add_photo(
            context(), event_id=event_id, kind=request.form.get("kind"), data=data, max_bytes=limit
        )
        return photo, 201


@blp.route("/events/<string:event_id>/photos/<string:photo_id>")
class EventPhoto(MethodView):
    @blp.doc(responses=PHOTO_RESPONSE)
    @require_roles(*READERS)
    def get(self, event_id: str, photo_id: str) -> Response:
        """The photo's bytes, upright and without EXIF/XMP metadata."""
        stored = use_cases.photo_image(
            context(), event_id=event_id, photo_id=photo_id, variant=PHOTO
        )
        return image_response(stored, etag=f"{photo_id}-{PHOTO}")


@blp.route("/events/<string:event_id>/photos/<string:photo_id>/thumbnail")
class EventPhotoThumbnail(MethodView):
    @blp.doc(responses=THUMBNAIL_RESPONSE)
    @require_roles(*READERS)
    def get(self, event_id: str, photo_id: str) -> Response:
        """A small JPEG of the photo for lists."""
        stored = use_cases.photo_image(
            context(), event_id=event_id, photo_id=photo_id, variant=THUMBNAIL
        )
        return image_response(stored, etag=f"{photo_id}-{THUMBNAIL}")
