"""ImageFiles against the real FerretDB: put, get, delete, a file only its tenant reads, and a
photo refused as a duplicate leaving no file behind."""

from __future__ import annotations

import io

import mongoengine
import pytest
from bson import ObjectId
from PIL import Image

from shared.errors import Conflict
from shared.images import CheckedImage, inspect_image
from shared.mongo.files import ImageFiles, StoredImage

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("mongo_db")]

BUCKET = "it_image_files"


def jpeg() -> CheckedImage:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), "teal").save(out, "JPEG")
    return inspect_image(out.getvalue(), max_bytes=65_536, max_pixels=1_000)


def files_of(tenant_id: str) -> ImageFiles:
    return ImageFiles(mongoengine.get_db(), BUCKET, tenant_id)


def raw_file(file_id: ObjectId) -> dict[str, object] | None:
    found: dict[str, object] | None = mongoengine.get_db()[f"{BUCKET}.files"].find_one(
        {"_id": file_id}
    )
    return found


def test_a_put_image_reads_back_tagged_with_its_tenant() -> None:
    image = jpeg()
    files = files_of("tenant-a")

    file_id = files.put(image, filename="p-1-photo.jpg", metadata={"photo_id": "p-1"})

    assert files.get(file_id, "image/jpeg") == StoredImage(image.data, "image/jpeg")
    stored = raw_file(file_id)
    assert stored is not None
    assert stored["filename"] == "p-1-photo.jpg"
    assert stored["metadata"] == {
        "tenant_id": "tenant-a",
        "photo_id": "p-1",
        "content_type": "image/jpeg",
    }


def test_the_content_type_served_is_the_callers() -> None:
    files = files_of("tenant-a")
    file_id = files.put(jpeg(), filename="t.jpg", metadata={})
    served = files.get(file_id, "image/png")
    assert served is not None
    assert served.content_type == "image/png"


def test_another_tenant_gets_none_for_the_same_id() -> None:
    file_id = files_of("tenant-a").put(jpeg(), filename="p.jpg", metadata={})
    assert files_of("tenant-b").get(file_id, "image/jpeg") is None
    assert files_of("tenant-a").get(file_id, "image/jpeg") is not None


def test_metadata_cannot_name_the_tenant_or_the_content_type() -> None:
    files = files_of("tenant-a")
    with pytest.raises(ValueError, match="tenant_id"):
        files.put(jpeg(), filename="p.jpg", metadata={"tenant_id": "tenant-b"})
    with pytest.raises(ValueError, match="content_type"):
        files.put(jpeg(), filename="p.jpg", metadata={"content_type": "text/html"})


def test_delete_removes_every_file_named_and_its_chunks() -> None:
    files = files_of("tenant-a")
    kept = files.put(jpeg(), filename="kept.jpg", metadata={})
    gone = [files.put(jpeg(), filename=f"{n}.jpg", metadata={}) for n in range(2)]

    files.delete(*gone)

    for file_id in gone:
        assert files.get(file_id, "image/jpeg") is None
        assert raw_file(file_id) is None
        assert mongoengine.get_db()[f"{BUCKET}.chunks"].find_one({"files_id": file_id}) is None
    assert files.get(kept, "image/jpeg") is not None


def test_an_unknown_id_reads_none_and_deletes_quietly() -> None:
    files = files_of("tenant-a")
    unknown = ObjectId()
    assert files.get(unknown, "image/jpeg") is None
    files.delete(unknown)


def test_a_photo_refused_as_a_duplicate_leaves_only_the_first_photos_files() -> None:
    files = files_of("tenant-a")
    given: list[tuple[ObjectId, ObjectId]] = []

    def insert(file_id: ObjectId, thumbnail_id: ObjectId) -> None:
        given.append((file_id, thumbnail_id))
        if len(given) > 1:  # what a unique index says to a racing second upload
            raise Conflict("duplicate key")

    def add(photo_id: str) -> None:
        files.add_photo(
            photo_id, image=jpeg(), thumbnail=jpeg(), metadata={"event_id": "e-1"}, insert=insert
        )

    add("p-1")
    with pytest.raises(Conflict):
        add("p-2")

    first, refused = given
    for file_id in first:
        assert files.get(file_id, "image/jpeg") is not None
    for file_id in refused:
        assert raw_file(file_id) is None
        assert mongoengine.get_db()[f"{BUCKET}.chunks"].find_one({"files_id": file_id}) is None
