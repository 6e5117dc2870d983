"""`ImageFiles.add_photo` against an in-memory stand-in for GridFS (no server), and the shared
photo document. The real-store proof is in shared/tests/integration/mongo/test_files.py."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any, ClassVar

import mongoengine as me
import pytest
from bson import ObjectId
from PIL import Image

from shared.errors import Conflict
from shared.images import CheckedImage, inspect_image
from shared.mongo.documents import tenant_documents
from shared.mongo.files import PHOTO, THUMBNAIL, ImageFiles, PhotoDocument


class FakeGridFS:
    """The calls `ImageFiles` makes, on a dict: ``put`` and ``delete``."""

    def __init__(self, database: object, collection: str) -> None:
        self.collection = collection
        self.files: dict[ObjectId, dict[str, Any]] = {}

    def put(self, data: bytes, **fields: Any) -> ObjectId:
        file_id = ObjectId()
        self.files[file_id] = {"data": data, **fields}
        return file_id

    def delete(self, file_id: ObjectId) -> None:
        self.files.pop(file_id, None)


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch) -> ImageFiles:
    monkeypatch.setattr("shared.mongo.files.gridfs.GridFS", FakeGridFS)
    return ImageFiles(database=None, bucket="unit_photo_files", tenant_id="tenant-a")  # type: ignore[arg-type]


def stored(files: ImageFiles) -> dict[ObjectId, dict[str, Any]]:
    fake: FakeGridFS = files._files  # type: ignore[assignment]
    return fake.files


def image(fmt: str) -> CheckedImage:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), "teal").save(out, fmt)
    return inspect_image(out.getvalue(), max_bytes=65_536, max_pixels=1_000)


PICTURE = image("PNG")
THUMB = image("JPEG")


class Inserts:
    """An ``insert`` that records the ids it was given and answers, or raises, ``outcome``."""

    def __init__(self, outcome: object = "the document") -> None:
        self.outcome = outcome
        self.calls: list[tuple[ObjectId, ObjectId]] = []

    def __call__(self, file_id: ObjectId, thumbnail_id: ObjectId) -> object:
        self.calls.append((file_id, thumbnail_id))
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def add(files: ImageFiles, insert: Inserts, *, dry_run: bool = False) -> object:
    return files.add_photo(
        "p-1",
        image=PICTURE,
        thumbnail=THUMB,
        metadata={"event_id": "e-1"},
        insert=insert,
        dry_run=dry_run,
    )


def test_both_files_are_put_before_the_document_that_names_them(files: ImageFiles) -> None:
    def insert(file_id: ObjectId, thumbnail_id: ObjectId) -> str:
        # The document goes in only once both files are complete.
        assert set(stored(files)) == {file_id, thumbnail_id}
        return "the document"

    assert (
        files.add_photo(
            "p-1", image=PICTURE, thumbnail=THUMB, metadata={"event_id": "e-1"}, insert=insert
        )
        == "the document"
    )
    written = {f["metadata"]["variant"]: f for f in stored(files).values()}
    assert written[PHOTO]["filename"] == "p-1-photo.png"
    assert written[THUMBNAIL]["filename"] == "p-1-thumbnail.jpg"
    assert written[PHOTO]["data"] == PICTURE.data
    assert written[THUMBNAIL]["metadata"] == {
        "tenant_id": "tenant-a",
        "photo_id": "p-1",
        "event_id": "e-1",
        "variant": THUMBNAIL,
        "content_type": "image/jpeg",
    }


def test_the_ids_are_passed_photo_first(files: ImageFiles) -> None:
    insert = Inserts()
    add(files, insert)
    [(file_id, thumbnail_id)] = insert.calls
    assert stored(files)[file_id]["metadata"]["variant"] == PHOTO
    assert stored(files)[thumbnail_id]["metadata"]["variant"] == THUMBNAIL


def test_a_refused_duplicate_deletes_its_own_files_and_stays_a_conflict(
    files: ImageFiles,
) -> None:
    add(files, Inserts())
    first = dict(stored(files))
    refused = Conflict("duplicate key")

    with pytest.raises(Conflict) as caught:
        add(files, Inserts(refused))

    assert caught.value is refused
    assert stored(files) == first


def test_any_other_failure_leaves_the_files_unnamed(files: ImageFiles) -> None:
    with pytest.raises(ConnectionError):
        add(files, Inserts(ConnectionError("the process died here")))
    assert sorted(f["metadata"]["variant"] for f in stored(files).values()) == [PHOTO, THUMBNAIL]


def test_a_dry_run_puts_nothing_and_inserts_with_fresh_ids(files: ImageFiles) -> None:
    insert = Inserts()
    assert add(files, insert, dry_run=True) == "the document"
    [(file_id, thumbnail_id)] = insert.calls
    assert file_id != thumbnail_id
    assert stored(files) == {}


def test_a_dry_runs_conflict_deletes_nothing(files: ImageFiles) -> None:
    with pytest.raises(Conflict):
        add(files, Inserts(Conflict("duplicate key")), dry_run=True)
    assert stored(files) == {}


@pytest.mark.parametrize("name", ["photo_id", "variant", "tenant_id", "content_type"])
@pytest.mark.parametrize("dry_run", [False, True])
def test_metadata_cannot_name_what_image_files_sets(
    files: ImageFiles, name: str, dry_run: bool
) -> None:
    with pytest.raises(ValueError, match=name):
        files.add_photo(
            "p-1",
            image=PICTURE,
            thumbnail=THUMB,
            metadata={name: "x"},
            insert=Inserts(),
            dry_run=dry_run,
        )
    assert stored(files) == {}


class UnitPhoto(PhotoDocument):
    meta: ClassVar[dict[str, Any]] = {
        "collection": "unit_photos",
        "indexes": [{"fields": ("tenant_id", "album_id", "sha256"), "unique": True}],
    }

    album_id = me.StringField(required=True)


def test_the_photo_document_is_abstract_and_its_subclasses_are_tenant_documents() -> None:
    documents = set(tenant_documents())
    assert PhotoDocument not in documents
    assert UnitPhoto in documents
    assert UnitPhoto._get_collection_name() == "unit_photos"
    assert UnitPhoto._meta["indexes"] == [
        {"fields": ("tenant_id", "album_id", "sha256"), "unique": True}
    ]


def a_photo(**fields: Any) -> UnitPhoto:
    valid: dict[str, Any] = {
        "tenant_id": "tenant-a",
        "photo_id": "p-1",
        "album_id": "a-1",
        "content_type": "image/png",
        "size": 100,
        "width": 8,
        "height": 6,
        "lon": 120.15,
        "lat": 30.26,
        "uploaded_at": datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
        "sha256": "a" * 64,
        "file_id": ObjectId(),
        "thumbnail_id": ObjectId(),
    }
    return UnitPhoto(**{**valid, **fields})


def test_a_photo_is_stored_under_the_shared_field_names() -> None:
    doc = a_photo()
    doc.validate()
    # The names the services' photo collections already hold: renaming one orphans stored data.
    photo_fields = {"content_type", "size", "width", "height", "lon", "lat", "uploaded_at"}
    photo_fields |= {"sha256", "file_id", "thumbnail_id"}
    tenant_fields = {"tenant_id", "revision", "outbox", "outbox_pending"}
    assert set(doc.to_mongo()) == {"_id", "album_id"} | photo_fields | tenant_fields
    assert doc.to_mongo()["_id"] == "p-1"


def test_the_position_is_optional_and_the_rest_required() -> None:
    a_photo(lon=None, lat=None).validate()
    for name in ("content_type", "size", "width", "height", "uploaded_at", "sha256", "file_id"):
        with pytest.raises(me.ValidationError, match=name):
            a_photo(**{name: None}).validate()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("content_type", "image/gif"),
        ("size", 0),
        ("width", 0),
        ("lon", 181.0),
        ("lat", -91.0),
        ("sha256", "a" * 63),
    ],
)
def test_the_shared_fields_keep_their_rules(field: str, value: object) -> None:
    with pytest.raises(me.ValidationError, match=field):
        a_photo(**{field: value}).validate()
