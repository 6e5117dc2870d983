"""Image bytes in GridFS, one tenant's at a time (event photos today, patrol photos next).

The caller owns the order of writes: files first, then the document that names them, so a
file is reachable only once complete (see `services.event_intake.repository.photos`). Dry
runs are the caller's too: `ImageFiles` always writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import gridfs
from bson import ObjectId
from pymongo.database import Database

from shared.images import CheckedImage

_RESERVED = frozenset({"tenant_id", "content_type"})


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
