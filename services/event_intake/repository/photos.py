"""The event photo repository: photo bytes in GridFS, what is known about them in a document.

Write order, so that a crash never leaves a half photo anyone can see: the stored photo and
its thumbnail go into GridFS first, then the `EventPhotoDocument` with its `event.photo_added`
in its outbox, in one insert. Reads go through the document only, so until it is written the
files are invisible, and once it is written both files are complete.

A crash (or a racing duplicate upload, refused by the document's unique index) between the
two steps leaves GridFS files no document points to: harmless, nobody can reach them, they
only take space. Each file carries ``metadata`` {tenant_id, photo_id, variant}; a sweep can
delete the files older than an hour whose photo_id has no document (list
``event_photo_files.files`` by ``uploadDate``, look the ids up in ``event_photos``, delete
through ``GridFS.delete``). A duplicate refused here deletes its own files at once.

The bytes go through `shared.mongo.files.ImageFiles` (why GridFS works on FerretDB is there).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.database import Database

from services.event_intake.documents.photos import (
    PHOTO_BUCKET,
    THUMBNAIL_TYPE,
    EventPhotoDocument,
)
from services.event_intake.domain.events import Position
from services.event_intake.domain.photos import Photo, PhotoKind
from shared.events.domain import DomainEvent
from shared.images import CheckedImage
from shared.mongo import Page, TenantRepository
from shared.mongo.files import PHOTO, THUMBNAIL, ImageFiles, StoredImage

# PHOTO, THUMBNAIL and StoredImage are re-exported: the use cases and views name them from here.
__all__ = ["PHOTO", "THUMBNAIL", "PhotoRepository", "StoredImage"]


class PhotoRepository(TenantRepository[EventPhotoDocument]):
    document = EventPhotoDocument

    def photos_of(self, event_id: str) -> list[Photo]:
        """Every photo of ``event_id`` in this tenant, oldest first (at most a few dozen)."""
        docs = self._query(event_id=event_id).order_by("uploaded_at", "photo_id")
        return [_to_domain(doc) for doc in docs]

    def list_photos(self, event_id: str, *, offset: int, limit: int) -> Page[Photo]:
        """One page of the photos of ``event_id``, oldest first."""
        page = self.list(
            offset=offset, limit=limit, order_by=("uploaded_at", "photo_id"), event_id=event_id
        )
        return page.map(_to_domain)

    def find_photo(self, event_id: str, photo_id: str) -> Photo | None:
        """The photo ``photo_id`` of ``event_id`` in this tenant, or None."""
        doc = self._photo_document(event_id, photo_id)
        return None if doc is None else _to_domain(doc)

    def add_photo(
        self,
        photo: Photo,
        *,
        image: CheckedImage,
        thumbnail: CheckedImage,
        events: Sequence[DomainEvent],
    ) -> Photo:
        """Store the photo's bytes, then its document with ``events`` (see the module
        docstring). `Conflict` when the same file was just stored as the same kind."""

        def insert(file_id: ObjectId, thumbnail_id: ObjectId) -> None:
            doc = _to_document(
                photo, file_id=file_id, thumbnail=thumbnail, thumbnail_id=thumbnail_id
            )
            self.add(doc, events)

        self._files().add_photo(
            photo.photo_id,
            image=image,
            thumbnail=thumbnail,
            metadata={"event_id": photo.event_id},
            insert=insert,
            dry_run=self.dry_run,
        )
        return photo

    def image_of(self, event_id: str, photo_id: str, variant: str) -> StoredImage | None:
        """The bytes of the photo (``variant`` `PHOTO`) or its thumbnail (`THUMBNAIL`);
        None when this tenant has no such photo of ``event_id``."""
        doc = self._photo_document(event_id, photo_id)
        if doc is None:
            return None
        if variant == THUMBNAIL:
            file_id, content_type = doc.thumbnail_id, THUMBNAIL_TYPE.value
        else:
            file_id, content_type = doc.file_id, doc.content_type
        # Reached through this tenant's document, the file's own tenant is checked too, so a
        # wrong id written by a bug could never serve another tenant's photo. Only a dry
        # run's pretended photo has no bytes (None).
        return self._files().get(file_id, content_type)

    def _photo_document(self, event_id: str, photo_id: str) -> EventPhotoDocument | None:
        doc: EventPhotoDocument | None = self.get(photo_id)
        if doc is None or doc.event_id != event_id:
            return None
        return doc

    def _files(self) -> ImageFiles:
        database: Database[Any] = self._collection().database
        return ImageFiles(database, PHOTO_BUCKET, self.tenant_id)


def _to_document(
    photo: Photo, *, file_id: ObjectId, thumbnail: CheckedImage, thumbnail_id: ObjectId
) -> EventPhotoDocument:
    return EventPhotoDocument(
        photo_id=photo.photo_id,
        event_id=photo.event_id,
        kind=photo.kind.value,
        content_type=photo.content_type,
        size=photo.size,
        width=photo.width,
        height=photo.height,
        lon=None if photo.position is None else photo.position.lon,
        lat=None if photo.position is None else photo.position.lat,
        uploaded_by=photo.uploaded_by,
        uploaded_at=photo.uploaded_at,
        sha256=photo.sha256,
        file_id=file_id,
        thumbnail_id=thumbnail_id,
        thumbnail_size=thumbnail.size,
    )


def _to_domain(doc: EventPhotoDocument) -> Photo:
    position = None
    if doc.lon is not None and doc.lat is not None:
        position = Position(lon=doc.lon, lat=doc.lat)
    return Photo(
        photo_id=doc.photo_id,
        event_id=doc.event_id,
        kind=PhotoKind(doc.kind),
        content_type=doc.content_type,
        size=doc.size,
        width=doc.width,
        height=doc.height,
        position=position,
        uploaded_by=doc.uploaded_by,
        uploaded_at=_aware(doc.uploaded_at),
        sha256=doc.sha256,
    )


def _aware(moment: datetime) -> datetime:
    """The connection reads datetimes timezone-aware; one built in memory may be naive UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
