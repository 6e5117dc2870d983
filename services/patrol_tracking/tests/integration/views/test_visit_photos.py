"""Visit photos in process, on the real FerretDB: a worker's photo of a visit, matched to the
visit his track shows; retries, bad input, who reads them, tenant walls."""

from __future__ import annotations

import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from services.patrol_tracking.documents.visit_photos import PHOTO_BUCKET, VisitPhotoDocument
from services.patrol_tracking.domain.intake import PointsReceived, patrol_day
from services.patrol_tracking.domain.points import Point, Provider
from services.patrol_tracking.repository.points import PointRepository
from services.patrol_tracking.use_cases import patrol_days
from services.patrol_tracking.use_cases.context import PatrolContext
from services.patrol_tracking.use_cases.points import StoredBatch
from services.patrol_tracking.views import visit_photos
from shared.access import AccountStates
from shared.access.repository import user_key
from shared.registry.testing import seed_registry, square

pytestmark = pytest.mark.integration

WORKER = {"subject": "u-w1", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
OTHER_WORKER = {"subject": "u-w2", "tenant_id": "tenant-a", "roles": ("grid-worker",)}
CENTRE = {"subject": "u-centre", "tenant_id": "tenant-a", "roles": ("center-staff",)}
TENANT_B = {"subject": "u-centre-b", "tenant_id": "tenant-b", "roles": ("tenant-admin",)}
DOOR = (120.01, 31.705)  # key person s-door's home, inside grid g-1


def jpeg(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def arrived() -> datetime:
    """When u-w1 reached the door today: an hour ago, or the day's start."""
    now = datetime.now(UTC)
    start_of_day = datetime.combine(patrol_day(now), datetime.min.time(), tzinfo=UTC) - timedelta(
        hours=8
    )
    return max(now - timedelta(hours=1), start_of_day + timedelta(minutes=1))


@pytest.fixture
def api(api_client, arrived: datetime):
    """u-w1 of tenant A stood at s-door's home for 5 minutes (a visit) and walked on."""
    valid = date(2026, 1, 1)
    patrol_days.GEOMETRIES.clear()
    seed_registry(
        "tenant-a",
        grids=[("g-1", "div-1", "G01", square(120.0, 31.7, 0.02), valid)],
        teams={"g-1": [("u-w1", "full_time_worker", valid, None)]},
        subjects=[("s-door", "g-1", "key_person", "weekly", DOOR)],
    )
    seed_registry(
        "tenant-b",
        grids=[("g-b", "div-b", "B01", square(120.0, 31.7, 0.02), valid)],
        subjects=[("s-b", "g-b", "key_person", "weekly", DOOR)],
    )
    for tenant_id in ("tenant-a", "tenant-b"):
        AccountStates(tenant_id).record(
            user_key("u-w1"),
            revoked=False,
            changed_at=datetime(2020, 1, 1, tzinfo=UTC),
            event_id=f"invited-{tenant_id}",
        )
    stay = [
        Point(f"d{i}", arrived + timedelta(seconds=30 * i), DOOR[1], DOOR[0], 5.0, Provider.GPS)
        for i in range(11)
    ]
    away = [
        Point(
            f"w{i}",
            stay[-1].at + timedelta(seconds=30 * i),
            DOOR[1] + 0.0005 * i,
            DOOR[0],
            5.0,
            Provider.GPS,
        )
        for i in range(1, 6)
    ]
    points = stay + away
    ctx = PatrolContext(tenant_id="tenant-a", actor="test")
    PointRepository("tenant-a").insert_points(
        [PointsReceived("u-w1", "b1", arrived, tuple(points))]
    )
    day = patrol_day(arrived)
    patrol_days.fold_stored(ctx, StoredBatch("tenant-a", "u-w1", day, tuple(points), (), 0, 1))
    return api_client([visit_photos.blp])


def upload(api, data: bytes, *, as_user=WORKER, **form: Any):
    body: dict[str, Any] = {"file": (io.BytesIO(data), "visit.jpg"), **form}
    return api.post(
        "/visits/photos", data=body, content_type="multipart/form-data", as_user=as_user
    )


def visits(api, *, as_user=CENTRE, worker: str = "u-w1", day: date | None = None):
    query = "" if day is None else f"?day={day.isoformat()}"
    return api.get(f"/workers/{worker}/visits{query}", as_user=as_user)


def test_a_photo_taken_at_the_visit_is_shown_with_it(api, arrived: datetime) -> None:
    taken = (arrived + timedelta(minutes=2)).isoformat()
    answer = upload(api, jpeg(), subject_id="s-door", taken_at=taken)
    assert answer.status_code == 201, answer.json
    photo = answer.json
    assert (photo["worker_id"], photo["subject_id"]) == ("u-w1", "s-door")
    assert photo["day"] == patrol_day(arrived).isoformat()
    assert photo["content_type"] == "image/jpeg"

    day = visits(api, day=patrol_day(arrived))
    assert day.status_code == 200, day.json
    (visit,) = day.json["visits"]
    assert visit["subject_id"] == "s-door"
    assert [p["photo_id"] for p in visit["photos"]] == [photo["photo_id"]]
    assert day.json["unmatched"] == []
    # The worker reads his own day (today by default) and his photo.
    assert (
        visits(api, as_user=WORKER).json["visits"][0]["photos"][0]["photo_id"]
        == (photo["photo_id"])
    )
    image = api.get(f"/visits/photos/{photo['photo_id']}", as_user=WORKER)
    assert image.status_code == 200
    assert image.headers["Content-Type"] == "image/jpeg"
    thumbnail = api.get(f"/visits/photos/{photo['photo_id']}/thumbnail", as_user=CENTRE)
    assert thumbnail.status_code == 200


def test_the_photo_is_published_without_where_it_was_taken(api, arrived: datetime) -> None:
    taken = (arrived + timedelta(minutes=1)).isoformat()
    photo_id = upload(api, jpeg(), subject_id="s-door", taken_at=taken).json["photo_id"]
    doc = VisitPhotoDocument.objects.get(tenant_id="tenant-a", photo_id=photo_id)
    (entry,) = doc.outbox
    envelope = json.loads(entry.envelope)
    assert envelope["type"] == "patrol.visit_photo_added"
    assert set(envelope["payload"]) == {
        "photo_id",
        "worker_id",
        "subject_id",
        "day",
        "taken_at",
        "sha256",
    }


def test_a_retried_upload_is_the_same_photo_and_a_photo_without_a_stay_is_unmatched(
    api, arrived: datetime
) -> None:
    taken = (arrived + timedelta(minutes=2)).isoformat()
    first = upload(api, jpeg(), subject_id="s-door", taken_at=taken).json
    again = upload(api, jpeg(), subject_id="s-door", taken_at=taken)
    assert again.status_code == 201
    assert again.json["photo_id"] == first["photo_id"]
    # Taken long after the stay: no visit explains it, the centre sees it apart.
    late = (arrived + timedelta(minutes=40)).isoformat()
    other = upload(api, jpeg("blue"), subject_id="s-door", taken_at=late).json
    day = visits(api, day=patrol_day(arrived)).json
    assert [p["photo_id"] for p in day["visits"][0]["photos"]] == [first["photo_id"]]
    assert [p["photo_id"] for p in day["unmatched"]] == [other["photo_id"]]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"taken_at": "2026-03-02T10:00:00+08:00"}, "subject_id"),
        ({"subject_id": "s-unknown", "taken_at": "now"}, "subject_id"),
        ({"subject_id": "s-b", "taken_at": "now"}, "subject_id"),  # tenant B's subject
        ({"subject_id": "s-\x00door", "taken_at": "now"}, "subject_id"),
        ({"subject_id": "s-door"}, "taken_at"),
        ({"subject_id": "s-door", "taken_at": "yesterday"}, "taken_at"),
        ({"subject_id": "s-door", "taken_at": "2026-03-02T10:00:00"}, "taken_at"),  # no offset
        ({"subject_id": "s-door", "taken_at": "2020-01-01T10:00:00+08:00"}, "taken_at"),
        ({"subject_id": "s-door", "taken_at": "2099-01-01T10:00:00+08:00"}, "taken_at"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(api, form: dict[str, str], field: str) -> None:
    if form.get("taken_at") == "now":
        form = {**form, "taken_at": datetime.now(UTC).isoformat()}
    answer = upload(api, jpeg(), **form)
    assert answer.status_code == 422, answer.json
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in answer.json["errors"]] == [field]
    assert VisitPhotoDocument.objects(tenant_id="tenant-a").count() == 0


def test_a_file_that_is_not_an_image_is_refused(api) -> None:
    now = datetime.now(UTC).isoformat()
    answer = upload(api, b"%PDF-1.4 not a photo", subject_id="s-door", taken_at=now)
    assert answer.status_code == 415, answer.json


def test_other_workers_and_tenant_b_cannot_read_them(api, arrived: datetime) -> None:
    taken = (arrived + timedelta(minutes=2)).isoformat()
    photo_id = upload(api, jpeg(), subject_id="s-door", taken_at=taken).json["photo_id"]
    assert visits(api, as_user=OTHER_WORKER).status_code == 404
    assert api.get(f"/visits/photos/{photo_id}", as_user=OTHER_WORKER).status_code == 404
    assert api.get(f"/visits/photos/{photo_id}", as_user=TENANT_B).status_code == 404
    assert api.get(f"/visits/photos/{photo_id}/thumbnail", as_user=TENANT_B).status_code == 404
    # Tenant B's own u-w1 has no visits and no photos: never tenant A's.
    day = visits(api, as_user=TENANT_B, day=patrol_day(arrived)).json
    assert (day["visits"], day["unmatched"]) == ([], [])
    # Only a patrolling role uploads.
    now = datetime.now(UTC).isoformat()
    assert upload(api, jpeg(), as_user=CENTRE, subject_id="s-door", taken_at=now).status_code == 403


def test_the_same_photo_sent_four_times_at_once_is_stored_once(api, arrived: datetime) -> None:
    """A phone retrying over a flaky network: the copies race to the store. One document and
    one photo's files remain; every copy is answered with that photo."""
    taken = (arrived + timedelta(minutes=2)).isoformat()
    data = jpeg("green")
    token = api.token(**WORKER)
    barrier = threading.Barrier(4)

    def send(_: int) -> tuple[int, str]:
        client = api.app.test_client()
        body = {"file": (io.BytesIO(data), "visit.jpg"), "subject_id": "s-door", "taken_at": taken}
        barrier.wait()
        answer = client.post(
            "/visits/photos",
            data=body,
            content_type="multipart/form-data",
            headers={"Authorization": f"Bearer {token}"},
        )
        return answer.status_code, answer.get_json()["photo_id"]

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(send, range(4)))

    assert [status for status, _ in answers] == [201] * 4
    assert len({photo_id for _, photo_id in answers}) == 1
    assert VisitPhotoDocument.objects(tenant_id="tenant-a").count() == 1
    files = VisitPhotoDocument._get_db()[f"{PHOTO_BUCKET}.files"]
    assert files.count_documents({"metadata.tenant_id": "tenant-a"}) == 2  # photo, thumbnail
