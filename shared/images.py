"""Uploaded photos: checked by content, stored without their location, shrunk for lists.

Event photos (before/after, 事项前后照片) today, patrol and survey photos later all come through
here. Uploads are hostile until measured, as workbooks are (`shared.workbooks`):

* size first: over ``max_bytes`` is a `ContentTooLarge` (413) before a byte is decoded;
* type by content, never by name or declared Content-Type: the first bytes must be a JPEG,
  PNG or WebP signature and Pillow must read the file as that format (a PDF renamed .jpg is
  an `UnsupportedContent`, 415);
* pixels before decoding: the header's width x height over ``max_pixels`` (a 5 KB PNG can
  declare 50,000 x 50,000 pixels, 7.5 GB once decoded) is an `ImageTooLarge`, and so is a
  JPEG with more than `MAX_JPEG_SCANS` scans (each progressive scan re-reads the whole image,
  so thousands of them make a small file cost minutes of CPU); both 422 on ``file``, like an
  oversized workbook;
* then the whole image is decoded once: a truncated or corrupt file is a 422 on ``file``.

`strip_location` re-encodes the image with its EXIF orientation applied and no metadata at
all (EXIF with its GPS block, XMP, maker notes, camera serial numbers: a resident's doorstep
and a worker's phone are personal data), keeping only the ICC colour profile; the GPS
position it found is returned beside the image, for the caller to keep as a field. Re-encoding
also means what is served is pixels Pillow wrote, never the uploader's bytes (no polyglots).

Framework-free (Pillow only): use cases call it directly.
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from PIL import ExifTags, Image, ImageOps

from shared.errors import ContentTooLarge, FieldProblem, InvalidInput, UnsupportedContent

FILE_FIELD = "file"
# Room for a phone's full-quality photo; a service may set its own (``photo_max_bytes``).
DEFAULT_MAX_BYTES = 10 * 1_048_576
# 40 MP covers every phone's default photo (12-24 MP) with room; decoding one takes ~120 MB.
MAX_PIXELS = 40_000_000
# A real progressive JPEG has about 10 scans; libjpeg reads every one over the whole image.
MAX_JPEG_SCANS = 100
THUMBNAIL_MAX_SIDE = 320
_JPEG_QUALITY = 90
_THUMBNAIL_QUALITY = 80
_COORDINATE_PLACES = 7  # about 1 cm: more than any phone's GPS resolves


class ImageTooLarge(InvalidInput):
    """The image would cost more to decode than an upload may: too many pixels or scans
    (rendered like every `InvalidInput`: 422 on ``file``, with the limit in the reason)."""


class ImageType(StrEnum):
    """The image types accepted, by media type."""

    JPEG = "image/jpeg"
    PNG = "image/png"
    WEBP = "image/webp"

    @property
    def pillow_format(self) -> str:
        """Pillow's name of the format (``Image.open(..., formats=...)``, ``save``)."""
        return self.name

    @property
    def extension(self) -> str:
        return {ImageType.JPEG: "jpg", ImageType.PNG: "png", ImageType.WEBP: "webp"}[self]


ACCEPTED_TYPES = tuple(kind.value for kind in ImageType)


@dataclass(frozen=True, slots=True)
class CheckedImage:
    """An image whose bytes were measured and decoded whole: ``data`` is of ``type`` and
    decodes to ``width`` x ``height`` pixels (as stored, before any EXIF orientation)."""

    data: bytes
    type: ImageType
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return self.type.value

    @property
    def size(self) -> int:
        """Bytes."""
        return len(self.data)


@dataclass(frozen=True, slots=True)
class Location:
    """A WGS84 position read from a photo's EXIF GPS block."""

    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class StrippedImage:
    """What `strip_location` returns: the image to store and serve (no metadata, upright) and
    the GPS position the original carried, if any."""

    image: CheckedImage
    location: Location | None


# What Pillow (or zlib and struct under it) raises on a damaged file; DecompressionBombError
# is handled apart because it is about size, not damage.
_UNREADABLE = (
    OSError,  # UnidentifiedImageError, "image file is truncated", decoder errors
    ValueError,
    SyntaxError,  # Pillow's "not a PNG file" and friends
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ArithmeticError,
    struct.error,
    zlib.error,
)


def _corrupt(field: str, kind: ImageType | None = None) -> InvalidInput:
    what = f"a {kind.name} image" if kind else "an image"
    return InvalidInput.of(
        field, f"图片已损坏或不完整 / {what} that is damaged or cut short (upload it again)"
    )


def _too_many_pixels(field: str, max_pixels: int | None) -> ImageTooLarge:
    if max_pixels is None:  # Pillow's own bomb guard, past a check that did not run
        return ImageTooLarge([FieldProblem(field, "图片像素过多 / too many megapixels")])
    megapixels = max_pixels / 1_000_000
    reason = f"图片像素超过 {megapixels:g} 百万 / more than {megapixels:g} megapixels"
    return ImageTooLarge([FieldProblem(field, reason)])


def sniff(data: bytes) -> ImageType | None:
    """The accepted type ``data`` starts like, by its signature; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return ImageType.JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ImageType.PNG
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ImageType.WEBP
    return None


def inspect_image(
    data: bytes, *, max_bytes: int, max_pixels: int, field: str = FILE_FIELD
) -> CheckedImage:
    """``data`` checked as an uploaded photo (see the module docstring for the order).

    Raises `ContentTooLarge` (413), `UnsupportedContent` (415), `ImageTooLarge` or
    `InvalidInput` (422), each naming ``field``.
    """
    if len(data) > max_bytes:
        raise ContentTooLarge(
            [
                FieldProblem(
                    field,
                    f"文件超过 {_megabytes(max_bytes)} / larger than {_megabytes(max_bytes)}",
                )
            ]
        )
    if not data:
        raise InvalidInput.of(field, "文件为空 / the file is empty")
    kind = sniff(data)
    if kind is None:
        raise UnsupportedContent(
            [
                FieldProblem(
                    field,
                    "只接受 JPEG、PNG、WebP 图片 / only JPEG, PNG or WebP images "
                    "(judged by the content, not the file name)",
                )
            ]
        )
    if kind is ImageType.JPEG and data.count(b"\xff\xda") > MAX_JPEG_SCANS:
        # 0xFF 0xDA (start of scan) cannot occur inside entropy-coded data (a 0xFF there is
        # always followed by 0x00 or a restart marker), so the count is the scans, give or
        # take an embedded EXIF thumbnail's few.
        raise ImageTooLarge(
            [FieldProblem(field, f"JPEG 扫描过多 / more than {MAX_JPEG_SCANS} JPEG scans")]
        )
    with _opened(data, kind, max_pixels=max_pixels, field=field) as image:
        width, height = image.size
    return CheckedImage(data=data, type=kind, width=width, height=height)


def strip_location(image: CheckedImage, *, field: str = FILE_FIELD) -> StrippedImage:
    """``image`` re-encoded upright (EXIF orientation applied) without any metadata but its
    ICC colour profile, and the GPS position its EXIF carried (None when absent or unusable).
    """
    with _opened(image.data, image.type, max_pixels=None, field=field) as original:
        location = _gps_location(original)
        try:
            upright = ImageOps.exif_transpose(original)
        except _UNREADABLE:
            upright = original  # an unreadable orientation tag: keep the pixels as stored
        data = _encode(upright, image.type, icc_profile=original.info.get("icc_profile"))
        width, height = upright.size
    return StrippedImage(CheckedImage(data, image.type, width, height), location)


def thumbnail(
    image: CheckedImage, *, max_side: int = THUMBNAIL_MAX_SIDE, field: str = FILE_FIELD
) -> CheckedImage:
    """A JPEG at most ``max_side`` pixels on its longer side, upright, without metadata;
    transparency is flattened onto white. Meant for `strip_location`'s output."""
    with _opened(image.data, image.type, max_pixels=None, field=field, lazy=True) as source:
        if image.type is ImageType.JPEG:
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: a 12 MP photo then costs ~1/64.
            source.draft("RGB", (max_side, max_side))
        try:
            upright = ImageOps.exif_transpose(source)
            upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        except _UNREADABLE:
            raise _corrupt(field, image.type) from None
        flat = _on_white(upright)
        out = io.BytesIO()
        flat.save(out, "JPEG", quality=_THUMBNAIL_QUALITY, exif=b"")
    width, height = flat.size
    return CheckedImage(out.getvalue(), ImageType.JPEG, width, height)


@contextmanager
def _opened(
    data: bytes, kind: ImageType, *, max_pixels: int | None, field: str, lazy: bool = False
) -> Iterator[Image.Image]:
    """``Image.open`` restricted to ``kind``'s decoder, refused above ``max_pixels`` before
    decoding, then (unless ``lazy``) decoded whole so a damaged file fails here; closed on
    leaving."""
    try:
        image = Image.open(io.BytesIO(data), formats=[kind.pillow_format])
    except Image.DecompressionBombError:
        raise _too_many_pixels(field, max_pixels) from None
    except _UNREADABLE:
        # Starts like the type but is not one (a PDF with a JPEG's first bytes pasted on).
        raise _corrupt(field, kind) from None
    with image:
        width, height = image.size
        if width < 1 or height < 1:
            raise _corrupt(field, kind)
        if max_pixels is not None and width * height > max_pixels:
            raise _too_many_pixels(field, max_pixels)
        if not lazy:
            try:
                image.load()
            except Image.DecompressionBombError:
                raise _too_many_pixels(field, max_pixels) from None
            except _UNREADABLE:
                raise _corrupt(field, kind) from None
        yield image


def _encode(image: Image.Image, kind: ImageType, *, icc_profile: bytes | None) -> bytes:
    """``image`` as ``kind`` with no EXIF, XMP or text chunks (Pillow writes metadata only
    when asked; ``exif=b""`` says so explicitly)."""
    options: dict[str, Any] = {"exif": b""}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if kind is ImageType.JPEG:
        if image.mode not in ("L", "RGB", "CMYK"):
            image = image.convert("RGB")
        options.update(quality=_JPEG_QUALITY)
    elif kind is ImageType.WEBP:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if _has_alpha(image) else "RGB")
        options.update(quality=_JPEG_QUALITY)
    out = io.BytesIO()
    image.save(out, kind.pillow_format, **options)
    return out.getvalue()


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _on_white(image: Image.Image) -> Image.Image:
    if not _has_alpha(image):
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, "white")
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _gps_location(image: Image.Image) -> Location | None:
    """The EXIF GPS position of ``image``; None when there is none, or it is damaged, out of
    range or the 0/0 some cameras write without a fix (a bad tag never refuses a photo)."""
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
        lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    except _UNREADABLE:
        return None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    if lat == 0 and lon == 0:
        return None
    return Location(lon=round(lon, _COORDINATE_PLACES), lat=round(lat, _COORDINATE_PLACES))


def _degrees(value: Any, ref: Any) -> float | None:
    """Degrees, minutes, seconds (EXIF rationals) and a N/S/E/W reference as signed degrees."""
    if not isinstance(value, tuple | list) or len(value) != 3:
        return None
    degrees, minutes, seconds = (float(part) for part in value)
    total = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(total) or min(degrees, minutes, seconds) < 0:
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    ref = str(ref or "").strip("\x00 ").upper()
    if ref not in ("N", "S", "E", "W"):
        return None
    return -total if ref in ("S", "W") else total


def _megabytes(limit: int) -> str:
    return f"{limit / 1_048_576:g} MiB"


__all__ = [
    "ACCEPTED_TYPES",
    "DEFAULT_MAX_BYTES",
    "FILE_FIELD",
    "MAX_JPEG_SCANS",
    "MAX_PIXELS",
    "THUMBNAIL_MAX_SIDE",
    "CheckedImage",
    "ImageTooLarge",
    "ImageType",
    "Location",
    "StrippedImage",
    "inspect_image",
    "sniff",
    "strip_location",
    "thumbnail",
]
