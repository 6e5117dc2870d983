"""Image bytes in GridFS, one tenant's at a time, and the documents that name photos.

The order of writes is files first, then the document that names them, so a file is
reachable only once complete: `ImageFiles.add_photo` keeps it for a photo and its thumbnail,
whose document is a `PhotoDocument`. A crash between the two leaves files no document names
(harmless: nobody reaches them); a duplicate refused by the document's unique index deletes
its own files at once. Dry runs are the caller's: `put` and `delete` always write, and
`add_photo` is told.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import gridfs
import mongoengine as me
from bson import ObjectId
from pymongo.database import Database

from shared.errors import Conflict
from shared.images import ACCEPTED_TYPES, CheckedImage
from shared.mongo.documents import TenantDocument

# A photo's two files, by their ``metadata.variant``.
PHOTO = "photo"
THUMBNAIL = "thumbnail"

_RESERVED = frozenset({"tenant_id", "content_type"})
_RESERVED_FOR_PHOTOS = _RESERVED | {"photo_id", "variant"}

Inserted = TypeVar("Inserted")


@dataclass(frozen=True, slots=True)
class StoredImage:
    """Bytes to serve and their media type."""

    data: bytes
    content_type: str


class ImageFiles:
    """One tenant's images in the GridFS bucket ``bucket`` of ``database``.

    GridFS on FerretDB: this only inserts files and chunks and finds them by ``_id`` and
    ``files_id``, which FerretDB does; nothing here updates a GridFS document or queries by
    anything else. A bucket's collections are not `TenantDocument` collections, so the tenant
    guard does not watch them: instead every file carries ``metadata`` {tenant_id, ...} and
    a read checks the file's own tenant, so an id that reached the wrong tenant (a bug)
    serves nothing.
    """

    def __init__(self, database: Database[Any], bucket: str, tenant_id: str) -> None:
        self._files = gridfs.GridFS(database, collection=bucket)
        self.tenant_id = tenant_id

    def put(self, image: CheckedImage, *, filename: str, metadata: Mapping[str, Any]) -> ObjectId:
        """Store ``image``'s bytes as ``filename``; the file's metadata is ``metadata``
        between this tenant's ``tenant_id`` and the image's ``content_type`` (which
        ``metadata`` may not name: a `ValueError`)."""
        reserved = _RESERVED & metadata.keys()
        if reserved:
            raise ValueError(f"metadata may not set {sorted(reserved)}: ImageFiles sets them")
        file_id: ObjectId = self._files.put(
            image.data,
            filename=filename,
            metadata={
                "tenant_id": self.tenant_id,
                **metadata,
                "content_type": image.content_type,
            },
        )
        return file_id

    def add_photo(
        self,
        photo_id: str,
        *,
        image: CheckedImage,
        thumbnail: CheckedImage,
        metadata: Mapping[str, Any],
        insert: Callable[[ObjectId, ObjectId], Inserted],
        dry_run: bool = False,
    ) -> Inserted:
        """Put the photo ``image`` and its ``thumbnail``, then ``insert(file_id,
        thumbnail_id)`` the document that names them; ``insert``'s result.

        The files are ``{photo_id}-photo.<ext>`` and ``{photo_id}-thumbnail.<ext>``, their
        metadata ``photo_id``, ``metadata`` and the ``variant`` (`PHOTO`, `THUMBNAIL`) besides
        what `put` adds; ``metadata`` may name none of these (a `ValueError`, in a dry run
        too). When ``insert`` raises `Conflict` (a unique index refused a racing duplicate)
        both files are deleted before it propagates, so the photo stored first keeps the only
        files; any other error leaves them unnamed. A dry run puts and deletes nothing:
        ``insert`` gets fresh ids.
        """
        reserved = _RESERVED_FOR_PHOTOS & metadata.keys()
        if reserved:
            raise ValueError(f"metadata may not set {sorted(reserved)}: ImageFiles sets them")
        if dry_run:
            return insert(ObjectId(), ObjectId())
        file_id = self._put_variant(photo_id, PHOTO, image, metadata)
        thumbnail_id = self._put_variant(photo_id, THUMBNAIL, thumbnail, metadata)
        try:
            return insert(file_id, thumbnail_id)
        except Conflict:
            self.delete(file_id, thumbnail_id)
            raise

    def get(self, file_id: ObjectId, content_type: str) -> StoredImage | None:
        """The bytes of ``file_id``, to be served as ``content_type``; None when there is no
        such file or it is not this tenant's."""
        try:
            stored = self._files.get(file_id)
        except gridfs.NoFile:
            return None
        if (stored.metadata or {}).get("tenant_id") != self.tenant_id:
            return None
        data: bytes = stored.read()
        return StoredImage(data=data, content_type=content_type)

    def delete(self, *file_ids: ObjectId) -> None:
        """Remove ``file_ids``, ids this tenant's caller just put (their tenant is not read
        back); a missing one is no error."""
        for file_id in file_ids:
            self._files.delete(file_id)

    def _put_variant(
        self, photo_id: str, variant: str, image: CheckedImage, metadata: Mapping[str, Any]
    ) -> ObjectId:
        return self.put(
            image,
            filename=f"{photo_id}-{variant}.{image.type.extension}",
            metadata={"photo_id": photo_id, **metadata, "variant": variant},
        )


class PhotoDocument(TenantDocument):
    """What a service's photo document (`_id` = photo id) knows of every photo, and the ids
    of its two files in the service's bucket (`ImageFiles.add_photo`). Abstract: a service's
    document adds what the photo is of, its collection and its indexes."""

    meta: ClassVar[dict[str, Any]] = {"abstract": True}

    photo_id = me.StringField(primary_key=True)
    content_type = me.StringField(required=True, choices=ACCEPTED_TYPES)
    size = me.IntField(required=True, min_value=1)
    width = me.IntField(required=True, min_value=1)
    height = me.IntField(required=True, min_value=1)
    # The GPS position the original carried (WGS84), absent when it had none.
    lon = me.FloatField(min_value=-180, max_value=180)
    lat = me.FloatField(min_value=-90, max_value=90)
    uploaded_at = me.DateTimeField(required=True)
    sha256 = me.StringField(required=True, min_length=64, max_length=64)
    # GridFS file ids: the stored photo (no location metadata) and its JPEG thumbnail.
    file_id = me.ObjectIdField(required=True)
    thumbnail_id = me.ObjectIdField(required=True)
