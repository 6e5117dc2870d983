"""Photo bytes go to GridFS before the document readers go through: no half photo is visible."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import gridfs
import mongoengine
import pytest
from PIL import Image

from services.event_intake.documents.photos import PHOTO_BUCKET, EventPhotoDocument
from services.event_intake.domain.events import Position
from services.event_intake.domain.photos import Photo, PhotoAdded, PhotoKind
from services.event_intake.repository.photos import PHOTO, THUMBNAIL, PhotoRepository
from services.event_intake.use_cases.context import IntakeContext
from shared import images
from shared.errors import Conflict
from shared.images import CheckedImage

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
LIMITS = {"max_bytes": 1_048_576, "max_pixels": 1_000_000}


def context(tenant_id: str = "tenant-a", *, dry_run: bool = False) -> IntakeContext:
    ctx = IntakeContext(tenant_id=tenant_id, actor="worker-1", clock=lambda: NOW)
    return ctx.as_dry_run() if dry_run else ctx


def stored_image() -> tuple[CheckedImage, CheckedImage]:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "teal").save(out, "PNG")
    stripped = images.strip_location(images.inspect_image(out.getvalue(), **LIMITS)).image
    return stripped, images.thumbnail(stripped)


def photo(photo_id: str = "p-1", sha256: str = "a" * 64) -> tuple[Photo, PhotoAdded]:
    item = Photo(
        photo_id=photo_id,
        event_id="e-1",
        kind=PhotoKind.BEFORE,
        content_type="image/png",
        size=100,
        width=400,
        height=300,
        position=Position(lon=120.15, lat=30.26),
        uploaded_by="worker-1",
        uploaded_at=NOW,
        sha256=sha256,
    )
    added = PhotoAdded(
        photo_id=photo_id, event_id="e-1", grid_id="g-1", kind=PhotoKind.BEFORE, occurred_at=NOW
    )
    return item, added


def add(repo: PhotoRepository, photo_id: str = "p-1", sha256: str = "a" * 64) -> Photo:
    image, thumbnail = stored_image()
    item, added = photo(photo_id, sha256)
    return repo.add_photo(item, image=image, thumbnail=thumbnail, events=[added])


def files() -> list[dict[str, object]]:
    return list(mongoengine.get_db()[f"{PHOTO_BUCKET}.files"].find({}))


def test_a_stored_photo_reads_back_with_both_files(fresh_db: str) -> None:
    repo = context().photos
    stored = add(repo)
    assert repo.photos_of("e-1") == [stored]
    assert repo.find_photo("e-1", "p-1") == stored
    assert repo.find_photo("e-other", "p-1") is None
    image = repo.image_of("e-1", "p-1", PHOTO)
    thumbnail = repo.image_of("e-1", "p-1", THUMBNAIL)
    assert image is not None
    assert thumbnail is not None
    assert (image.content_type, thumbnail.content_type) == ("image/png", "image/jpeg")
    assert Image.open(io.BytesIO(image.data)).size == (400, 300)
    assert repo.list_photos("e-1", offset=0, limit=10).total == 1


def test_a_crash_before_the_document_leaves_only_unreachable_files(
    fresh_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = context().photos

    def crash(*_: object, **__: object) -> None:
        raise ConnectionError("the process died here")

    monkeypatch.setattr(repo, "add", crash)
    with pytest.raises(ConnectionError):
        add(repo)

    # The files were written first and are orphans: tagged, but nothing reaches them.
    assert sorted(f["metadata"]["variant"] for f in files()) == ["photo", "thumbnail"]
    assert {f["metadata"]["photo_id"] for f in files()} == {"p-1"}
    assert repo.photos_of("e-1") == []
    assert repo.image_of("e-1", "p-1", PHOTO) is None
    assert EventPhotoDocument.objects(tenant_id="tenant-a").count() == 0


def test_a_racing_duplicate_is_a_conflict_that_removes_its_own_files(fresh_db: str) -> None:
    repo = context().photos
    add(repo, "p-1")
    with pytest.raises(Conflict):
        add(repo, "p-2")  # same event, kind and file: the unique index refuses it
    assert {f["metadata"]["photo_id"] for f in files()} == {"p-1"}
    assert len(files()) == 2
    assert [p.photo_id for p in repo.photos_of("e-1")] == ["p-1"]


def test_a_dry_run_stores_no_bytes(fresh_db: str) -> None:
    add(context(dry_run=True).photos)
    assert files() == []
    assert EventPhotoDocument.objects(tenant_id="tenant-a").count() == 0


def test_another_tenant_reaches_neither_the_document_nor_the_bytes(fresh_db: str) -> None:
    add(context().photos)
    other = context("tenant-b").photos
    assert other.photos_of("e-1") == []
    assert other.find_photo("e-1", "p-1") is None
    assert other.image_of("e-1", "p-1", PHOTO) is None
    assert other.image_of("e-1", "p-1", THUMBNAIL) is None
    # The GridFS files of tenant-a are tagged with it.
    assert {f["metadata"]["tenant_id"] for f in files()} == {"tenant-a"}
    assert gridfs.GridFS(mongoengine.get_db(), collection=PHOTO_BUCKET).find_one() is not None
