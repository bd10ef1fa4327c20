"""Any image input becomes what the API takes: an http(s) URL, or a data URI of a JPEG or
PNG no larger than the requested video needs.

A 24-megapixel phone photo is 8 MB of JPEG, 11 MB as base64; the video is 1280x720. We
decode it at reduced size (JPEG draft mode), honour its EXIF rotation, scale it so that it
still covers the frame, and re-encode it: a few hundred kilobytes on the wire.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from PIL import Image, ImageOps, UnidentifiedImageError

from ._errors import ValidationError
from ._models import frame_size

__all__ = ["ImageInput", "PreparedImage", "prepare_image"]

ImageInput = str | Path | bytes | bytearray | IO[bytes] | Image.Image

#: Anything larger is refused before it is decoded: no photo needs it and a forged header
#: could otherwise ask for gigabytes of memory.
MAX_PIXELS = 120_000_000
#: Passed through untouched when already JPEG/PNG, small enough in pixels and in bytes.
PASS_THROUGH_BYTES = 1_500_000
JPEG_QUALITY = 90

_DATA_URI = re.compile(r"^data:(?P<mime>image/[\w.+-]+)?(?P<params>(;[\w-]+=[\w.-]+)*)(?P<b64>;base64)?,", re.I)


@dataclass(frozen=True)
class PreparedImage:
    """The image as it will be sent."""

    value: str
    """A data URI, or the caller's http(s) URL."""
    source: str
    """Where it came from, for humans: a path, ``<bytes>``, ``<PIL image>``, or the URL."""
    width: int | None = None
    height: int | None = None
    mime: str | None = None
    nbytes: int = 0
    """Bytes of the encoded image (not of the base64 text)."""

    @property
    def is_url(self) -> bool:
        return self.value.startswith(("http://", "https://"))

    def __repr__(self) -> str:
        if self.is_url:
            return f"PreparedImage(url={self.value!r})"
        return f"PreparedImage({self.source!r}, {self.width}x{self.height} {self.mime}, {self.nbytes:,} bytes)"


def prepare_image(
    image: ImageInput | Any,
    *,
    aspect_ratio: str = "16:9",
    resolution: str = "720p",
) -> PreparedImage:
    """Turn ``image`` into what the create request carries.

    >>> prepare_image("https://example.com/cat.png").value
    'https://example.com/cat.png'
    """
    target = frame_size(aspect_ratio, resolution)
    if isinstance(image, Image.Image):
        return _encode(image, target, source="<PIL image>", original=None)
    if isinstance(image, (bytes, bytearray, memoryview)):
        return _from_bytes(bytes(image), target, "<bytes>")
    if isinstance(image, Path):
        return _from_path(image, target)
    if isinstance(image, str):
        text = image.strip()
        if not text:
            raise ValidationError("image", "no image given: pass a path, URL, bytes or PIL image")
        if _DATA_URI.match(text):
            return _from_bytes(_decode_data_uri(text), target, "<data URI>")
        scheme = urlsplit(text).scheme.lower()
        if scheme in ("http", "https"):
            if not urlsplit(text).netloc:
                raise ValidationError("image", f"{text!r} is not a complete URL")
            return PreparedImage(value=text, source=text)
        if scheme and len(scheme) > 1 and scheme not in ("file",):
            raise ValidationError("image", f"{scheme}: URLs are not supported; use http(s), a path or bytes")
        if scheme == "file":
            text = urlsplit(text).path
        return _from_path(Path(text).expanduser(), target)
    read = getattr(image, "read", None)
    if callable(read):
        data = read()
        if not isinstance(data, (bytes, bytearray)):
            raise ValidationError("image", "the file object must be opened in binary mode ('rb')")
        name = getattr(image, "name", None)
        return _from_bytes(bytes(data), target, str(name) if isinstance(name, str) else "<file object>")
    if image is None:
        raise ValidationError("image", "no image given: pass a path, URL, bytes or PIL image")
    raise ValidationError("image", f"cannot use a {type(image).__name__} as an image")


def _from_path(path: Path, target: tuple[int, int]) -> PreparedImage:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError("image", f"no such file: {path}") from None
    except IsADirectoryError:
        raise ValidationError("image", f"{path} is a folder, not an image") from None
    except OSError as exc:
        raise ValidationError("image", f"cannot read {path}: {exc.strerror or exc}") from None
    return _from_bytes(data, target, str(path))


def _decode_data_uri(text: str) -> bytes:
    head, _, payload = text.partition(",")
    if ";base64" not in head.lower():
        raise ValidationError("image", "a data URI must be base64-encoded")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("image", "the data URI's base64 is damaged") from None


def _from_bytes(data: bytes, target: tuple[int, int], source: str) -> PreparedImage:
    if not data:
        raise ValidationError("image", f"{source} is empty")
    try:
        img = Image.open(io.BytesIO(data))
        width, height = img.size
        if width * height > MAX_PIXELS or width <= 0 or height <= 0:
            raise ValidationError(
                "image", f"{source} is {width}x{height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels"
            )
        fmt = img.format
        if img.format == "JPEG":
            # Decode at a reduced scale when the photo is far larger than the frame: a 24 MP
            # JPEG then costs a fraction of a full decode.
            img.draft("RGB", _cover_size((width, height), target))
        img.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError(
            "image", f"{source} claims more pixels than the {MAX_PIXELS // 1_000_000} megapixels limit"
        ) from None
    except UnidentifiedImageError:
        raise ValidationError("image", f"{source} is not an image this package can read") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError("image", f"{source} is damaged or truncated ({exc})") from None
    return _encode(img, target, source=source, original=(data, fmt, (width, height)))


def _cover_size(size: tuple[int, int], target: tuple[int, int]) -> tuple[int, int]:
    """The smallest size, same proportions, that still covers the target frame."""
    w, h = size
    scale = min(1.0, max(target[0] / w, target[1] / h))
    return max(1, round(w * scale)), max(1, round(h * scale))


def _encode(
    img: Image.Image,
    target: tuple[int, int],
    *,
    source: str,
    original: tuple[bytes, str | None, tuple[int, int]] | None,
) -> PreparedImage:
    if img.width * img.height > MAX_PIXELS:
        raise ValidationError("image", f"{source} is {img.width}x{img.height} pixels; too large")
    upright = _orientation(img) in (None, 1)
    if original is not None:
        data, fmt, full_size = original
        if (
            fmt in ("JPEG", "PNG")
            and upright
            and _cover_size(full_size, target) == full_size
            and len(data) <= PASS_THROUGH_BYTES
        ):
            mime = "image/jpeg" if fmt == "JPEG" else "image/png"
            return _prepared(data, mime, full_size, source)
    if not upright:
        img = ImageOps.exif_transpose(img)
    size = _cover_size(img.size, target)
    if size != img.size:
        img = img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    buf = io.BytesIO()
    if has_alpha:
        img.convert("RGBA").save(buf, "PNG", optimize=False)
        mime = "image/png"
    else:
        img.convert("RGB").save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True)
        mime = "image/jpeg"
    return _prepared(buf.getvalue(), mime, img.size, source)


def _orientation(img: Image.Image) -> int | None:
    try:
        value = img.getexif().get(0x0112)
    except Exception:  # a damaged EXIF block must not stop the upload
        return None
    return int(value) if isinstance(value, int) else None


def _prepared(data: bytes, mime: str, size: tuple[int, int], source: str) -> PreparedImage:
    uri = f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
    return PreparedImage(value=uri, source=source, width=size[0], height=size[1], mime=mime, nbytes=len(data))
