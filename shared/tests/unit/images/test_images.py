"""Photos are judged by content, refused fast when hostile, and stored without location."""

from __future__ import annotations

import io
import random
import struct
import time
import zlib
from collections.abc import Mapping
from typing import Any

import pytest
from PIL import ExifTags, Image, ImageCms
from PIL.TiffImagePlugin import IFDRational

from shared import images
from shared.errors import ContentTooLarge, InvalidInput, UnsupportedContent
from shared.http.errors import to_problem
from shared.images import ImageTooLarge, ImageType, Location

MiB = 1_048_576
LIMITS: Mapping[str, int] = {"max_bytes": images.DEFAULT_MAX_BYTES, "max_pixels": images.MAX_PIXELS}
HANGZHOU = ((30, 1), (15, 1), (3600, 100)), ((120, 1), (9, 1), (0, 1))  # 30.26 N, 120.15 E


def noise(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Random-looking pixels, so encoded sizes are realistic and thumbnails smaller."""
    bands = [Image.effect_noise(size, 60) for _ in range(len(mode))]
    return Image.merge(mode, bands)


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def rationals(parts: Any) -> tuple[IFDRational, ...]:
    """Degrees, minutes, seconds as the EXIF rationals a camera writes."""
    return tuple(IFDRational(numerator, denominator) for numerator, denominator in parts)


def gps_exif(
    lat: Any = HANGZHOU[0], lon: Any = HANGZHOU[1], lat_ref: str = "N", lon_ref: str = "E"
) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Acme Phones"
    exif[ExifTags.Base.BodySerialNumber] = "SN-0042"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: lat_ref,
        ExifTags.GPS.GPSLatitude: rationals(lat),
        ExifTags.GPS.GPSLongitudeRef: lon_ref,
        ExifTags.GPS.GPSLongitude: rationals(lon),
    }
    return exif


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a pixel bomb's shape)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 4096, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def field_of(error: InvalidInput) -> str:
    return error.problems[0].field


# -- type by content -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "kind"), [("JPEG", ImageType.JPEG), ("PNG", ImageType.PNG), ("WEBP", ImageType.WEBP)]
)
def test_the_three_types_are_accepted_by_content(fmt: str, kind: ImageType) -> None:
    data = encode(noise((64, 48)), fmt)
    checked = images.inspect_image(data, **LIMITS)
    assert (checked.type, checked.content_type) == (kind, kind.value)
    assert (checked.width, checked.height, checked.size) == (64, 48, len(data))


def test_a_pdf_is_refused_as_unsupported_whatever_it_is_called() -> None:
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
    with pytest.raises(UnsupportedContent) as caught:
        images.inspect_image(pdf, **LIMITS)
    assert field_of(caught.value) == "file"
    problem = to_problem(caught.value)
    assert problem.status == 415
    assert [error.field for error in problem.errors] == ["file"]


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_image_types_are_unsupported(fmt: str) -> None:
    with pytest.raises(UnsupportedContent):
        images.inspect_image(encode(noise((8, 8)), fmt), **LIMITS)


def test_a_pdf_behind_a_jpeg_signature_is_corrupt_not_accepted() -> None:
    with pytest.raises(InvalidInput) as caught:
        images.inspect_image(b"\xff\xd8\xff\xe0" + b"%PDF-1.7 " * 50, **LIMITS)
    assert not isinstance(caught.value, UnsupportedContent | ImageTooLarge)
    assert field_of(caught.value) == "file"
    assert to_problem(caught.value).status == 422


def test_an_empty_file_is_422() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        images.inspect_image(b"", **LIMITS)


# -- limits --------------------------------------------------------------------------------


def test_over_max_bytes_is_413_before_any_decoding() -> None:
    data = encode(noise((64, 64)), "PNG")
    assert images.inspect_image(data, max_bytes=len(data), max_pixels=10_000).size == len(data)
    with pytest.raises(ContentTooLarge) as caught:
        images.inspect_image(data, max_bytes=len(data) - 1, max_pixels=10_000)
    assert to_problem(caught.value).status == 413
    # Size is judged first: an oversized PDF is "too large", not "unsupported".
    with pytest.raises(ContentTooLarge):
        images.inspect_image(b"%PDF" + b"x" * 100, max_bytes=50, max_pixels=10_000)


def test_more_pixels_than_allowed_is_refused_from_the_header() -> None:
    data = encode(noise((100, 100)), "PNG")
    with pytest.raises(ImageTooLarge) as caught:
        images.inspect_image(data, max_bytes=MiB, max_pixels=9_999)
    assert field_of(caught.value) == "file"
    assert to_problem(caught.value).status == 422


@pytest.mark.parametrize(
    ("width", "height"),
    [(8_000, 8_000), (50_000, 50_000)],  # under and over Pillow's own bomb error (179 MP)
)
def test_a_pixel_bomb_is_refused_fast(width: int, height: int) -> None:
    bomb = png_declaring(width, height)
    assert len(bomb) < 1_000
    started = time.perf_counter()
    with pytest.raises(ImageTooLarge, match="megapixels"):
        images.inspect_image(bomb, **LIMITS)
    assert time.perf_counter() - started < 0.5


def test_the_photo_limit_is_40_megapixels_judged_from_the_header() -> None:
    just_over = png_declaring(8_000, 5_001)
    with pytest.raises(ImageTooLarge, match="more than 40 megapixels"):
        images.inspect_image(just_over, **LIMITS)


def test_a_jpeg_with_too_many_scans_is_refused() -> None:
    data = encode(noise((32, 32)), "JPEG", progressive=True)
    assert images.inspect_image(data, **LIMITS).type is ImageType.JPEG
    hostile = data + b"\xff\xda" * images.MAX_JPEG_SCANS
    with pytest.raises(ImageTooLarge, match="scans"):
        images.inspect_image(hostile, **LIMITS)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_truncated_file_is_422_on_file(fmt: str) -> None:
    data = encode(noise((200, 150)), fmt)
    with pytest.raises(InvalidInput) as caught:
        images.inspect_image(data[: len(data) // 2], **LIMITS)
    assert not isinstance(caught.value, ContentTooLarge | UnsupportedContent | ImageTooLarge)
    assert field_of(caught.value) == "file"
    assert "damaged" in caught.value.reason


def test_the_field_name_can_be_chosen() -> None:
    with pytest.raises(UnsupportedContent) as caught:
        images.inspect_image(b"GIF89a....", **LIMITS, field="after_photo")
    assert field_of(caught.value) == "after_photo"


# -- location stripping --------------------------------------------------------------------


def test_gps_is_returned_apart_and_the_stored_jpeg_carries_no_metadata() -> None:
    exif = gps_exif()
    exif[ExifTags.Base.Orientation] = 6  # the phone was held upright: rotate 90 degrees
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>30,15.6N</exif:GPSLatitude>'
    original = encode(noise((80, 40)), "JPEG", exif=exif, xmp=xmp)
    assert images.inspect_image(original, **LIMITS).width == 80

    stripped = images.strip_location(images.inspect_image(original, **LIMITS))

    assert stripped.location == Location(lon=120.15, lat=30.26)
    image = stripped.image
    assert image.type is ImageType.JPEG
    assert (image.width, image.height) == (40, 80)  # orientation applied to the pixels
    reread = Image.open(io.BytesIO(image.data))
    assert reread.size == (40, 80)
    assert dict(reread.getexif()) == {}
    assert "exif" not in reread.info
    assert "xmp" not in reread.info
    for secret in (b"Exif", b"GPS", b"SN-0042", b"Acme", b"xmpmeta"):
        assert secret not in image.data


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_lose_their_exif_too(fmt: str) -> None:
    original = encode(noise((30, 20)), fmt, exif=gps_exif(lat_ref="S", lon_ref="W"))
    stripped = images.strip_location(images.inspect_image(original, **LIMITS))
    assert stripped.location == Location(lon=-120.15, lat=-30.26)
    assert stripped.image.type.pillow_format == fmt
    reread = Image.open(io.BytesIO(stripped.image.data))
    assert dict(reread.getexif()) == {}
    assert b"SN-0042" not in stripped.image.data


def test_a_photo_without_gps_has_no_location_and_keeps_its_size() -> None:
    stripped = images.strip_location(
        images.inspect_image(encode(noise((30, 20)), "JPEG"), **LIMITS)
    )
    assert stripped.location is None
    assert (stripped.image.width, stripped.image.height) == (30, 20)


@pytest.mark.parametrize(
    "exif",
    [
        gps_exif(lat=((0, 1), (0, 1), (0, 1)), lon=((0, 1), (0, 1), (0, 1))),  # no fix
        gps_exif(lat_ref="Q"),  # unknown reference
        gps_exif(lat=((95, 1), (0, 1), (0, 1))),  # out of range
        gps_exif(lat=((30, 0), (0, 1), (0, 1))),  # 30/0 is not a number
    ],
    ids=["zero", "bad-ref", "out-of-range", "zero-denominator"],
)
def test_an_unusable_gps_block_gives_no_location_and_no_error(exif: Image.Exif) -> None:
    original = encode(noise((16, 16)), "JPEG", exif=exif)
    stripped = images.strip_location(images.inspect_image(original, **LIMITS))
    assert stripped.location is None
    assert b"GPS" not in stripped.image.data


def test_the_colour_profile_is_kept() -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = encode(noise((16, 16)), "JPEG", icc_profile=profile)
    stripped = images.strip_location(images.inspect_image(original, **LIMITS))
    assert Image.open(io.BytesIO(stripped.image.data)).info.get("icc_profile") == profile


# -- thumbnails ----------------------------------------------------------------------------


def test_a_thumbnail_is_a_small_upright_jpeg() -> None:
    exif = gps_exif()
    exif[ExifTags.Base.Orientation] = 6
    original = encode(noise((1200, 800)), "JPEG", exif=exif, quality=95)
    stripped = images.strip_location(images.inspect_image(original, **LIMITS)).image

    thumb = images.thumbnail(stripped)

    assert thumb.type is ImageType.JPEG
    assert (thumb.width, thumb.height) == (213, 320)  # upright, longer side 320
    assert thumb.size < stripped.size / 4
    assert b"GPS" not in thumb.data
    assert Image.open(io.BytesIO(thumb.data)).size == (213, 320)


def test_a_transparent_png_thumbnail_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (400, 100), (255, 0, 0, 0))
    checked = images.inspect_image(encode(image, "PNG"), **LIMITS)
    thumb = images.thumbnail(checked, max_side=100)
    reread = Image.open(io.BytesIO(thumb.data))
    assert (reread.mode, reread.size) == ("RGB", (100, 25))
    assert reread.getpixel((50, 12)) == (255, 255, 255)


def test_a_small_image_is_not_enlarged() -> None:
    checked = images.inspect_image(encode(noise((40, 30)), "WEBP"), **LIMITS)
    thumb = images.thumbnail(checked)
    assert (thumb.width, thumb.height) == (40, 30)


# -- hostile bytes -------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin")
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_damaged_bytes_are_refused_as_input_never_as_a_crash(fmt: str) -> None:
    """Flipped bytes anywhere (headers, EXIF, pixel data) end in a photo or an InvalidInput."""
    exif = gps_exif()
    exif[ExifTags.Base.Orientation] = 3
    original = encode(noise((96, 64)), fmt, exif=exif)
    randomness = random.Random(f"{fmt}-damage")
    for _ in range(150):
        damaged = bytearray(original)
        for _ in range(randomness.randint(1, 8)):
            damaged[randomness.randrange(len(damaged))] = randomness.randrange(256)
        try:
            checked = images.inspect_image(bytes(damaged), **LIMITS)
            images.thumbnail(images.strip_location(checked).image)
        except InvalidInput:
            continue
