"""Visit photos (走访照片): photo bytes in GridFS, what is known about them in a document.

Write order, so that a crash never leaves a half photo anyone can see: the stored photo and
its thumbnail go into GridFS first, then the `VisitPhotoDocument` with its
`patrol.visit_photo_added` in its outbox, in one insert. Reads go through the document only,
so until it is written the files are invisible, and once it is written both are complete. A
crash between the two steps leaves files no document points to (harmless: nobody can reach
them); a duplicate refused by the unique index deletes its own files at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from bson import ObjectId
from pymongo.database import Database

from services.patrol_tracking.documents.visit_photos import PHOTO_BUCKET, VisitPhotoDocument
from services.patrol_tracking.domain.visit_photos import PhotoPosition, VisitPhoto
from shared.events.domain import DomainEvent
from shared.images import CheckedImage
from shared.mongo import TenantRepository
from shared.mongo.files import PHOTO, THUMBNAIL, ImageFiles, StoredImage

# PHOTO and THUMBNAIL are re-exported: the use cases and views name them from here.
__all__ = ["PHOTO", "THUMBNAIL", "VisitPhotoRepository"]

THUMBNAIL_TYPE = "image/jpeg"


class VisitPhotoRepository(TenantRepository[VisitPhotoDocument]):
    document = VisitPhotoDocument

    def photos_of_day(self, worker_id: str, day: date) -> list[VisitPhoto]:
        """The worker's photos taken on ``day`` (Asia/Shanghai), in the order taken (a day
        has a few dozen at most)."""
        docs = self._query(worker_id=worker_id, day=day.isoformat())
        return sorted((_to_domain(doc) for doc in docs), key=lambda p: (p.taken_at, p.photo_id))

    def find_photo(self, photo_id: str) -> VisitPhoto | None:
        doc = self.get(photo_id)
        return None if doc is None else _to_domain(doc)

    def same_file(self, worker_id: str, subject_id: str, sha256: str) -> VisitPhoto | None:
        """The photo stored from this very file for this subject, if any (a retried upload)."""
        for doc in self._query(worker_id=worker_id, subject_id=subject_id, sha256=sha256):
            return _to_domain(doc)
        return None

    def add_photo(
        self,
        photo: VisitPhoto,
        *,
        image: CheckedImage,
        thumbnail: CheckedImage,
        events: Sequence[DomainEvent],
    ) -> VisitPhoto:
        """Store the photo's bytes, then its document with ``events`` (see the module
        docstring). `Conflict` when the same file was just stored for the same subject."""

        def insert(file_id: ObjectId, thumbnail_id: ObjectId) -> None:
            self.add(_to_document(photo, file_id=file_id, thumbnail_id=thumbnail_id), events)

        self._files().add_photo(
            photo.photo_id,
            image=image,
            thumbnail=thumbnail,
            metadata={"worker_id": photo.worker_id},
            insert=insert,
            dry_run=self.dry_run,
        )
        return photo

    def image_of(self, photo_id: str, variant: str) -> tuple[VisitPhoto, StoredImage] | None:
        """The photo and the bytes of it (``variant`` `PHOTO`) or of its thumbnail
        (`THUMBNAIL`); None when this tenant has no such photo."""
        doc = self.get(photo_id)
        if doc is None:
            return None
        if variant == THUMBNAIL:
            stored = self._files().get(doc.thumbnail_id, THUMBNAIL_TYPE)
        else:
            stored = self._files().get(doc.file_id, doc.content_type)
        return None if stored is None else (_to_domain(doc), stored)

    def _files(self) -> ImageFiles:
        database: Database[Any] = self._collection().database
        return ImageFiles(database, PHOTO_BUCKET, self.tenant_id)


def _to_document(
    photo: VisitPhoto, *, file_id: ObjectId, thumbnail_id: ObjectId
) -> VisitPhotoDocument:
    return VisitPhotoDocument(
        photo_id=photo.photo_id,
        worker_id=photo.worker_id,
        subject_id=photo.subject_id,
        day=photo.day.isoformat(),
        taken_at=photo.taken_at,
        uploaded_at=photo.uploaded_at,
        content_type=photo.content_type,
        size=photo.size,
        width=photo.width,
        height=photo.height,
        lon=None if photo.position is None else photo.position.lon,
        lat=None if photo.position is None else photo.position.lat,
        sha256=photo.sha256,
        file_id=file_id,
        thumbnail_id=thumbnail_id,
    )


def _to_domain(doc: VisitPhotoDocument) -> VisitPhoto:
    position = None
    if doc.lon is not None and doc.lat is not None:
        position = PhotoPosition(lon=doc.lon, lat=doc.lat)
    return VisitPhoto(
        photo_id=doc.photo_id,
        worker_id=doc.worker_id,
        subject_id=doc.subject_id,
        taken_at=_aware(doc.taken_at),
        uploaded_at=_aware(doc.uploaded_at),
        content_type=doc.content_type,
        size=doc.size,
        width=doc.width,
        height=doc.height,
        position=position,
        sha256=doc.sha256,
    )


def _aware(moment: datetime) -> datetime:
    """The connection reads datetimes timezone-aware; one built in memory may be naive UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
