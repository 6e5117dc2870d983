"""Event photos in process, on the real FerretDB: upload, strip, serve, thumbnails, walls."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import gridfs
import mongoengine
import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from services.event_intake.documents.photos import PHOTO_BUCKET, EventPhotoDocument
from services.event_intake.settings import EventIntakeSettings
from services.event_intake.tests.integration.support import seed_registry, square
from services.event_intake.views import events, photos

pytestmark = pytest.mark.integration

WORKER = {"subject": "worker-1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
OTHER_WORKER = {"subject": "worker-2", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
CENTRE = {"subject": "centre-1", "tenant_id": "tenant-a", "roles": ("center-staff",)}
TENANT_B = {"subject": "centre-b", "tenant_id": "tenant-b", "roles": ("center-staff",)}
OVERSEER = {"subject": "overseer", "tenant_id": "tenant-a", "roles": ("district-overseer",)}
IN_G01 = {"lon": 120.005, "lat": 31.705}
MiB = 1_048_576


@pytest.fixture
def api(api_client):
    seed_registry(
        "tenant-a",
        grids=[
            ("g-1", "div-1", "G01", square(120.00, 31.70), date(2026, 1, 1)),
            ("g-2", "div-1", "G02", square(120.02, 31.70), date(2026, 1, 1)),
        ],
        teams={
            "g-1": [("worker-1", "full_time_worker", date(2026, 1, 1), None)],
            "g-2": [("worker-2", "full_time_worker", date(2026, 1, 1), None)],
        },
    )
    seed_registry(
        "tenant-b", grids=[("g-b", "div-b", "B01", square(120.00, 31.70), date(2026, 1, 1))]
    )
    return api_client((events.blp, photos.blp))


def report(api) -> str:
    body = {
        "source": "grid_app",
        "category": "city_management",
        "title": "井盖缺失",
        "description": "人民路12号井盖缺失",
        "address": "人民路12号",
        "position": IN_G01,
    }
    answer = api.post("/events", json=body, as_user=WORKER)
    assert answer.status_code == 201, answer.json
    event_id: str = answer.json["event_id"]
    return event_id


def jpeg_with_gps(size: tuple[int, int] = (1200, 800)) -> bytes:
    """A phone photo: noisy pixels, held upright (orientation 6), taken at 30.26 N 120.15 E."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Model] = "Acme X1"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (IFDRational(30), IFDRational(15), IFDRational(36)),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (IFDRational(120), IFDRational(9), IFDRational(0)),
    }
    pixels = Image.merge("RGB", [Image.effect_noise(size, 50) for _ in range(3)])
    out = io.BytesIO()
    pixels.save(out, "JPEG", exif=exif, quality=92)
    return out.getvalue()


def upload(api, event_id: str, data: bytes, *, kind: Any = "before", as_user=WORKER, name="a.jpg"):
    form: dict[str, Any] = {"file": (io.BytesIO(data), name)}
    if kind is not None:
        form["kind"] = kind
    return api.post(
        f"/events/{event_id}/photos",
        data=form,
        content_type="multipart/form-data",
        as_user=as_user,
    )


def errors_of(response) -> list[str]:
    return [error["field"] for error in response.json["errors"]]


def photo_files() -> gridfs.GridFS:
    return gridfs.GridFS(mongoengine.get_db(), collection=PHOTO_BUCKET)


def test_a_photo_is_served_without_gps_and_its_position_kept_as_a_field(api) -> None:
    event_id = report(api)
    original = jpeg_with_gps()

    created = upload(api, event_id, original)

    assert created.status_code == 201, created.json
    photo = created.json
    assert photo["event_id"] == event_id
    assert photo["kind"] == "before"
    assert photo["position"] == {"lon": 120.15, "lat": 30.26}
    assert (photo["width"], photo["height"]) == (800, 1200)  # upright
    assert photo["content_type"] == "image/jpeg"
    assert photo["uploaded_by"] == "worker-1"
    assert len(photo["sha256"]) == 64

    served = api.get(f"/events/{event_id}/photos/{photo['photo_id']}", as_user=CENTRE)
    assert served.status_code == 200
    assert served.content_type == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    data = served.get_data()
    assert len(data) == photo["size"]
    image = Image.open(io.BytesIO(data))
    assert image.size == (800, 1200)
    assert dict(image.getexif()) == {}
    for secret in (b"Exif", b"GPS", b"Acme X1"):
        assert secret not in data

    thumbnail = api.get(f"/events/{event_id}/photos/{photo['photo_id']}/thumbnail", as_user=WORKER)
    assert thumbnail.status_code == 200
    assert thumbnail.content_type == "image/jpeg"
    small = Image.open(io.BytesIO(thumbnail.get_data()))
    assert max(small.size) == 320
    assert len(thumbnail.get_data()) < len(data) / 4

    listed = api.get(f"/events/{event_id}/photos", as_user=CENTRE)
    assert listed.status_code == 200
    assert listed.json["total"] == 1
    assert listed.json["items"] == [photo]

    # One document with its event; what is published has no position and no uploader.
    stored = EventPhotoDocument.objects(tenant_id="tenant-a").get()
    (entry,) = stored.outbox
    envelope = json.loads(entry.envelope)
    assert envelope["type"] == "event.photo_added"
    assert envelope["payload"] == {
        "photo_id": photo["photo_id"],
        "event_id": event_id,
        "grid_id": "g-1",
        "kind": "before",
        "uploaded_at": photo["uploaded_at"],
    }
    assert "120.15" not in entry.envelope
    assert "worker-1" not in entry.envelope
    # The bytes are GridFS files of the tenant, both complete.
    files = list(mongoengine.get_db()[f"{PHOTO_BUCKET}.files"].find({}))
    assert sorted(f["metadata"]["variant"] for f in files) == ["photo", "thumbnail"]
    assert {f["metadata"]["tenant_id"] for f in files} == {"tenant-a"}


def test_a_retried_upload_is_the_same_photo_and_a_conditional_get_is_304(api) -> None:
    event_id = report(api)
    original = jpeg_with_gps((200, 100))
    first = upload(api, event_id, original)
    again = upload(api, event_id, original)
    assert again.status_code == 201
    assert again.json["photo_id"] == first.json["photo_id"]
    assert EventPhotoDocument.objects(tenant_id="tenant-a").count() == 1
    as_after = upload(api, event_id, original, kind="after")
    assert as_after.status_code == 422
    assert errors_of(as_after) == ["file"]

    path = f"/events/{event_id}/photos/{first.json['photo_id']}"
    etag = api.get(path, as_user=WORKER).headers["ETag"]
    cached = api.get(path, as_user=WORKER, headers={"If-None-Match": etag})
    assert cached.status_code == 304


def test_an_oversized_photo_is_413_early_and_while_reading(api) -> None:
    event_id = report(api)
    # Over the default 10 MiB by more than the multipart framing: refused from Content-Length.
    huge = b"\xff\xd8\xff\xe0" + bytes(10 * MiB + 100_000)
    early = upload(api, event_id, huge)
    assert early.status_code == 413
    assert early.content_type == "application/problem+json"
    assert errors_of(early) == ["file"]
    # Within the framing allowance but one byte over the limit: refused by the exact check.
    just_over = b"\xff\xd8\xff\xe0" + bytes(10 * MiB - 3)
    assert len(just_over) == 10 * MiB + 1
    assert upload(api, event_id, just_over).status_code == 413

    # The limit is the service's setting.
    api.app.extensions["gridgov"]["settings"] = EventIntakeSettings.from_env(
        {"GRIDGOV_PHOTO_MAX_BYTES": "50000"}, service="test"
    )
    small_limit = upload(api, event_id, jpeg_with_gps((400, 400)))
    assert small_limit.status_code == 413
    assert errors_of(small_limit) == ["file"]
    assert EventPhotoDocument.objects(tenant_id="tenant-a").count() == 0


def test_other_types_are_415_and_damaged_files_422_naming_file(api) -> None:
    event_id = report(api)
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    renamed = upload(api, event_id, pdf, name="photo.jpg")
    assert renamed.status_code == 415
    assert errors_of(renamed) == ["file"]

    original = jpeg_with_gps((300, 200))
    truncated = upload(api, event_id, original[: len(original) // 2])
    assert truncated.status_code == 422
    assert errors_of(truncated) == ["file"]

    bomb = upload(api, event_id, _png_declaring(60_000, 60_000), name="bomb.png")
    assert bomb.status_code == 422
    assert errors_of(bomb) == ["file"]

    no_file = api.post(
        f"/events/{event_id}/photos",
        data={"kind": "before"},
        content_type="multipart/form-data",
        as_user=WORKER,
    )
    assert no_file.status_code == 422
    assert errors_of(no_file) == ["file"]
    bad_kind = upload(api, event_id, original, kind="during")
    assert bad_kind.status_code == 422
    assert errors_of(bad_kind) == ["kind"]
    assert upload(api, event_id, original, kind=None).status_code == 422
    assert EventPhotoDocument.objects(tenant_id="tenant-a").count() == 0
    assert photo_files().find_one() is None


def test_photos_are_behind_the_event_wall(api) -> None:
    event_id = report(api)
    photo_id = upload(api, event_id, jpeg_with_gps((64, 64))).json["photo_id"]
    for path in (
        f"/events/{event_id}/photos",
        f"/events/{event_id}/photos/{photo_id}",
        f"/events/{event_id}/photos/{photo_id}/thumbnail",
    ):
        assert api.get(path, as_user=TENANT_B).status_code == 404, path
        # A worker of another grid does not see the event, nor its photos.
        assert api.get(path, as_user=OTHER_WORKER).status_code == 404, path
        assert api.get(path, as_user=OVERSEER).status_code == 403, path
        assert api.get(path, as_user=CENTRE).status_code == 200, path
    assert upload(api, event_id, jpeg_with_gps((32, 32)), as_user=TENANT_B).status_code == 404
    assert upload(api, event_id, jpeg_with_gps((32, 32)), as_user=OTHER_WORKER).status_code == 404
    # Tenant B's own event with a photo does not show A's, and the ids do not cross.
    assert api.get(f"/events/{event_id}/photos", as_user=CENTRE).json["total"] == 1
    assert api.get(f"/events/{event_id}/photos/no-such-photo", as_user=CENTRE).status_code == 404


def test_no_photo_once_the_event_is_closed(api) -> None:
    event_id = report(api)
    assert upload(api, event_id, jpeg_with_gps((64, 48))).status_code == 201
    for action, who in (("accept", CENTRE), ("start", WORKER), ("resolve", WORKER)):
        done = api.post(f"/events/{event_id}/actions", json={"action": action}, as_user=who)
        assert done.status_code == 200, done.json
    # Resolved: the after photo is still welcome.
    assert upload(api, event_id, jpeg_with_gps((48, 64)), kind="after").status_code == 201
    closed = api.post(f"/events/{event_id}/actions", json={"action": "close"}, as_user=CENTRE)
    assert closed.status_code == 200, closed.json

    late = upload(api, event_id, jpeg_with_gps((50, 50)), kind="after")

    assert late.status_code == 409
    assert api.get(f"/events/{event_id}/photos", as_user=CENTRE).json["total"] == 2


def _png_declaring(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(4096)))
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")
