"""Image uploads and their serving: the body cap raised per view, the file read one byte past
its limit, problems naming ``file``, and responses that cache, do not sniff and answer 304."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, Response, request
from flask.testing import FlaskClient

from shared.auth import require_roles
from shared.http import PROBLEM_CONTENT_TYPE, Blueprint, accepts
from shared.http.uploads import MULTIPART_OVERHEAD, image_response, photo_limit, uploaded_image
from shared.images import DEFAULT_MAX_BYTES
from shared.mongo.files import StoredImage
from shared.settings import PlatformSettings, setting

# Above Werkzeug's 64 KiB multipart read (MAX_FORM_MEMORY_SIZE is the app-wide cap too, and
# one read over it is a 413), as every real cap is; the conftest's 2 KiB is not.
APP_CAP = 128 * 1024
LIMIT = 192 * 1024
PICTURE = StoredImage(data=b"\xff\xd8\xff pretend jpeg", content_type="image/jpeg")

blp = Blueprint("images", __name__, url_prefix="/images", description="test image uploads")


@blp.route("", methods=["POST"])
@accepts("multipart/form-data")
@require_roles()
def upload() -> dict[str, Any]:
    data = uploaded_image(LIMIT)
    return {"bytes": len(data), "kind": request.form.get("kind")}


@blp.route("/picture")
@require_roles()
def picture() -> Response:
    return image_response(PICTURE, etag="picture-photo")


@blp.route("/draft")
@require_roles()
def draft() -> Response:
    return image_response(PICTURE, etag="draft-1", cache_control="private, no-cache")


@pytest.fixture
def settings() -> PlatformSettings:
    return PlatformSettings.from_env({}, service="things", http_max_body_bytes=APP_CAP)


@pytest.fixture
def images(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app(blueprints=[blp]).test_client()


def send(client: FlaskClient, headers: dict[str, str], form: dict[str, Any]) -> Any:
    return client.post("/images", data=form, content_type="multipart/form-data", headers=headers)


def fields_of(response: Any, status: int) -> list[str]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == PROBLEM_CONTENT_TYPE
    return [error["field"] for error in response.get_json(force=True)["errors"]]


def test_the_file_and_the_other_fields_are_read(
    images: FlaskClient, worker_headers: dict[str, str]
) -> None:
    form = {"file": (io.BytesIO(b"x" * 100), "a.jpg"), "kind": "before"}
    response = send(images, worker_headers, form)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"bytes": 100, "kind": "before"}


def test_a_file_over_the_app_wide_cap_but_within_the_raised_one_is_read_one_byte_past_its_limit(
    images: FlaskClient, worker_headers: dict[str, str]
) -> None:
    big = LIMIT + 1000
    assert APP_CAP < big < LIMIT + MULTIPART_OVERHEAD
    response = send(images, worker_headers, {"file": (io.BytesIO(b"x" * big), "a.jpg")})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["bytes"] == LIMIT + 1  # the caller refuses it (shared.images)


def test_a_body_declaring_more_than_the_raised_cap_is_413_on_file(
    images: FlaskClient, worker_headers: dict[str, str]
) -> None:
    huge = b"x" * (LIMIT + MULTIPART_OVERHEAD + 1)
    response = send(images, worker_headers, {"file": (io.BytesIO(huge), "a.jpg")})
    assert fields_of(response, 413) == ["file"]


def test_a_missing_file_is_422_on_file(images: FlaskClient, worker_headers: dict[str, str]) -> None:
    assert fields_of(send(images, worker_headers, {"kind": "before"}), 422) == ["file"]


def test_an_image_is_served_cached_unsniffed_and_tagged(
    images: FlaskClient, worker_headers: dict[str, str]
) -> None:
    response = images.get("/images/picture", headers=worker_headers)
    assert response.status_code == 200
    assert response.get_data() == PICTURE.data
    assert response.content_type == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"] == '"picture-photo"'


def test_a_client_that_has_the_image_gets_304(
    images: FlaskClient, worker_headers: dict[str, str]
) -> None:
    headers = {**worker_headers, "If-None-Match": '"picture-photo"'}
    response = images.get("/images/picture", headers=headers)
    assert response.status_code == 304
    assert response.get_data() == b""
    stale = images.get("/images/picture", headers={**worker_headers, "If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_the_cache_policy_can_be_chosen(
    images: FlaskClient, worker_headers: dict[str, str]
) -> None:
    response = images.get("/images/draft", headers=worker_headers)
    assert response.headers["Cache-Control"] == "private, no-cache"


@dataclass(frozen=True, kw_only=True)
class PhotoSettings(PlatformSettings):
    photo_max_bytes: int = setting(default=DEFAULT_MAX_BYTES, minimum=1)


def test_the_photo_limit_is_the_services_setting(make_app: Callable[..., Flask]) -> None:
    settings = PhotoSettings.from_env({}, service="things", photo_max_bytes=LIMIT)
    with make_app(settings=settings).app_context():
        assert photo_limit() == LIMIT


def test_a_service_without_the_setting_takes_the_default_photo_limit(
    make_app: Callable[..., Flask],
) -> None:
    with make_app().app_context():
        assert photo_limit() == DEFAULT_MAX_BYTES
