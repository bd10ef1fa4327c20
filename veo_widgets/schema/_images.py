"""Any image input becomes what the API takes: an http(s) URL, or a data URI of a JPEG or
PNG no larger than the requested video needs. A video to extend becomes an MP4 data URI
(checked with PyAV) or stays a URL.

A 24-megapixel phone photo is 8 MB of JPEG, 11 MB as base64; the video is 1280x720. We
decode it at reduced size (JPEG draft mode), honour its EXIF rotation, scale it so that it
still covers the frame, and re-encode it: a few hundred kilobytes on the wire.
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from PIL import Image, ImageOps, UnidentifiedImageError

from .._errors import ValidationError
from ._options import frame_size

__all__ = [
    "EXTEND_FPS",
    "SECONDS_SLACK",
    "FAL_MAX_SECONDS",
    "GOOGLE_MAX_SECONDS",
    "ImageInput",
    "PreparedImage",
    "PreparedVideo",
    "VideoFacts",
    "extendable",
    "is_remote",
    "prepare_image",
    "prepare_video",
    "video_facts",
]

ImageInput = str | Path | bytes | bytearray | IO[bytes] | Image.Image

#: Anything larger is refused before it is decoded: no photo needs it and a forged header
#: could otherwise ask for gigabytes of memory.
MAX_PIXELS = 120_000_000
#: An image file larger than this is refused before it is read: a 120-megapixel PNG fits.
MAX_IMAGE_BYTES = 400_000_000
#: Passed through untouched when already JPEG/PNG, small enough in pixels and in bytes.
PASS_THROUGH_BYTES = 1_500_000
JPEG_QUALITY = 90


@dataclass(frozen=True)
class _Prepared:
    value: str
    """A data URI, or the caller's http(s) URL."""
    source: str
    """Where it came from, for humans: a path, ``<bytes>``, ``<PIL image>``, a job, or the URL."""
    width: int | None = None
    height: int | None = None
    nbytes: int = 0
    """Bytes of the encoded file (not of the base64 text)."""

    @property
    def is_url(self) -> bool:
        return self.value.startswith(("http://", "https://"))


@dataclass(frozen=True)
class PreparedImage(_Prepared):
    """The image as it will be sent."""

    mime: str | None = None

    def __repr__(self) -> str:
        if self.is_url:
            return f"PreparedImage(url={self.value!r})"
        return f"PreparedImage({self.source!r}, {self.width}x{self.height} {self.mime}, {self.nbytes:,} bytes)"


@dataclass(frozen=True)
class _Located:
    """A media input sorted out: a URL to pass on, bytes in hand, or a file to read."""

    source: str
    url: str | None = None
    data: bytes | None = None
    path: Path | None = None


def is_remote(text: str) -> bool:
    """Whether an input given as text is sent as it is (an http(s) URL or a data URI) rather
    than read from a local file: the one rule the journal, plans, batches and gallery share."""
    return text.strip()[:8].lower().startswith(("http://", "https://", "data:"))


def _locate(value: Any, field: str, noun: str) -> _Located | None:
    """Sort the input kinds images and videos share; None for anything else (a PIL image,
    a Job), which the caller handles."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _Located("<bytes>", data=bytes(value))
    if isinstance(value, Path):
        return _Located(str(value), path=value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValidationError(field, f"no {noun} given: pass a path, URL or bytes")
        if text[:5].lower() == "data:":
            return _Located("<data URI>", data=_decode_data_uri(text, field))
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme in ("http", "https"):
            if not parts.netloc:
                raise ValidationError(field, f"{text!r} is not a complete URL")
            return _Located(text, url=text)
        if scheme == "file":
            text = parts.path
        elif len(scheme) > 1:  # one letter is a Windows drive
            raise ValidationError(field, f"{scheme}: URLs are not supported; use http(s), a path or bytes")
        return _Located(str(Path(text).expanduser()), path=Path(text).expanduser())
    read = getattr(value, "read", None)
    if callable(read):
        data = read()
        if not isinstance(data, (bytes, bytearray)):
            raise ValidationError(field, "the file object must be opened in binary mode ('rb')")
        name = getattr(value, "name", None)
        return _Located(str(name) if isinstance(name, str) else "<file object>", data=bytes(data))
    return None


def _read(path: Path, field: str, noun: str, limit: int | None = None) -> bytes:
    try:
        if limit is not None and path.stat().st_size > limit:
            raise ValidationError(
                field, f"{path} is {path.stat().st_size / 1e6:.0f} MB; the limit is {limit // 1_000_000} MB"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(field, f"no such file: {path}") from None
    except IsADirectoryError:
        raise ValidationError(field, f"{path} is a folder, not {noun}") from None
    except OSError as exc:
        raise ValidationError(field, f"cannot read {path}: {exc.strerror or exc}") from None


def prepare_image(
    image: ImageInput | Any,
    *,
    aspect_ratio: str = "16:9",
    resolution: str = "720p",
    field: str = "image",
) -> PreparedImage:
    """Turn ``image`` into what the create request carries.

    ``field`` is what a ``ValidationError`` names (``last_image``, ``reference_images[1]``).

    >>> prepare_image("https://example.com/cat.png").value
    'https://example.com/cat.png'
    """
    target = frame_size(aspect_ratio, resolution)
    if isinstance(image, Image.Image):
        return _encode(image, target, source="<PIL image>", original=None, field=field)
    if image is None:
        raise ValidationError(field, "no image given: pass a path, URL, bytes or PIL image")
    found = _locate(image, field, "image")
    if found is None:
        raise ValidationError(field, f"cannot use a {type(image).__name__} as an image")
    if found.url is not None:
        return PreparedImage(value=found.url, source=found.url)
    data = found.data if found.data is not None else _read(found.path or Path(), field, "an image", MAX_IMAGE_BYTES)
    return _from_bytes_once(bytes(data), target, found.source, field)


@functools.lru_cache(maxsize=4)
def _from_bytes_once(data: bytes, target: tuple[int, int], source: str, field: str) -> PreparedImage:
    """:func:`_from_bytes`, remembered for the last few inputs: a batch of a thousand jobs
    from one photo scales and encodes it once (the bytes are the key, so a changed file is
    prepared afresh; a refused one raises every time, as errors are not remembered)."""
    return _from_bytes(data, target, source, field)


def _decode_data_uri(text: str, field: str) -> bytes:
    head, _, payload = text.partition(",")
    if ";base64" not in head.lower():
        raise ValidationError(field, "a data URI must be base64-encoded")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(field, "the data URI's base64 is damaged") from None


def _from_bytes(data: bytes, target: tuple[int, int], source: str, field: str) -> PreparedImage:
    if not data:
        raise ValidationError(field, f"{source} is empty")
    try:
        img = Image.open(io.BytesIO(data))
        width, height = img.size
        if width * height > MAX_PIXELS or width <= 0 or height <= 0:
            raise ValidationError(
                field, f"{source} is {width}x{height} pixels; the limit is {MAX_PIXELS // 1_000_000} megapixels"
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
            field, f"{source} claims more pixels than the {MAX_PIXELS // 1_000_000} megapixels limit"
        ) from None
    except UnidentifiedImageError:
        raise ValidationError(field, f"{source} is not an image this package can read") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(field, f"{source} is damaged or truncated ({exc})") from None
    return _encode(img, target, source=source, original=(data, fmt, (width, height)), field=field)


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
    field: str,
) -> PreparedImage:
    if img.width * img.height > MAX_PIXELS:
        raise ValidationError(field, f"{source} is {img.width}x{img.height} pixels; too large")
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


# ---------------------------------------------------------------------- videos (extend)

#: No limit is documented for extend's ``video_url``. A Veo clip is a few megabytes; a
#: data URI far larger than that is a mistake (a film, a screen recording) worth stopping.
MAX_VIDEO_BYTES = 200_000_000
#: What extend takes (shared/API.md, "Learned since"): an MP4 at 24 fps, 16:9 or 9:16, of
#: at most 8 s through fal (which ``provider`` ``auto`` may fall back to) and up to 141 s
#: through Google (20 extensions of 7 s from an 8 s clip end at 148 s).
EXTEND_FPS = 24
FAL_MAX_SECONDS = 8.0
GOOGLE_MAX_SECONDS = 141.0
#: A container's length rounds: an 8 s clip may say 8.04 s.
SECONDS_SLACK = 0.1


@dataclass(frozen=True)
class PreparedVideo(_Prepared):
    """A video to extend, as it will be sent."""

    seconds: float | None = None

    def __repr__(self) -> str:
        if self.is_url:
            return f"PreparedVideo(url={self.value!r})"
        return f"PreparedVideo({self.source!r}, {self.width}x{self.height}, {self.seconds} s, {self.nbytes:,} bytes)"


def prepare_video(video: Any, *, field: str = "video") -> PreparedVideo:
    """Turn a video input into what extend's ``video_url`` carries.

    Takes a finished ``Job`` (its saved file, else its result URL), a path, ``bytes``, a
    binary file object, a ``data:video/mp4`` URI or an http(s) URL (passed through: this
    layer does no network I/O; the client probes it, ``media/_remote``, and passes the
    ``PreparedVideo`` it made back in). Local videos must be MP4s PyAV can decode; anything
    else is a ``ValidationError`` saying so.
    """
    if isinstance(video, PreparedVideo):
        return video
    if hasattr(video, "video_url") and hasattr(video, "status"):  # a Job, without importing it
        saved = getattr(video, "path", None)
        if saved is not None and Path(saved).is_file():
            return _video_from_bytes(_read(Path(saved), field, "a video", MAX_VIDEO_BYTES), f"job {video.id}", field)
        if getattr(video, "video_url", None):
            return PreparedVideo(value=str(video.video_url), source=f"job {video.id}")
        raise ValidationError(field, f"job {video.id} has no video to extend yet (status {video.status!r})")
    found = _locate(video, field, "video") if video is not None else None
    if found is None:
        raise ValidationError(field, f"cannot use a {type(video).__name__} as a video")
    if found.url is not None:
        return PreparedVideo(value=found.url, source=found.url)
    data = found.data if found.data is not None else _read(found.path or Path(), field, "a video", MAX_VIDEO_BYTES)
    return _video_from_bytes(data, found.source, field)


def _video_from_bytes(data: bytes, source: str, field: str) -> PreparedVideo:
    if not data:
        raise ValidationError(field, f"{source} is empty")
    if len(data) > MAX_VIDEO_BYTES:
        raise ValidationError(
            field, f"{source} is {len(data) / 1e6:.0f} MB; the limit is {MAX_VIDEO_BYTES // 1_000_000} MB"
        )
    import av  # PyAV is heavy: only a local video to extend needs it

    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            facts = video_facts(container, source, field)
    except ValidationError:
        raise
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(field, f"{source} is not a video PyAV can read ({exc})") from None
    uri = "data:video/mp4;base64," + base64.b64encode(data).decode("ascii")
    return extendable(uri, source, field, facts, nbytes=len(data))


@dataclass(frozen=True)
class VideoFacts:
    """What extend's checks read of a video."""

    width: int
    height: int
    fps: float
    seconds: float | None


def video_facts(container: Any, source: str, field: str) -> VideoFacts:
    """Read an open PyAV container (a file's bytes or a URL's header) as extend needs it: a
    ``ValidationError`` if it is not an MP4 with a picture to continue from. PyAV's own
    errors (unreadable data, a failed read) are left to the caller, who knows the source."""
    formats = set(container.format.name.split(","))
    if any(f.endswith("_pipe") or f.startswith("image2") for f in formats):
        raise ValidationError(field, f"{source} is an image, not a video; extend needs an MP4 clip")
    if not formats & {"mp4", "mov"}:
        raise ValidationError(field, f"{source} is {container.format.long_name}, not an MP4; convert it first")
    if not container.streams.video:
        raise ValidationError(field, f"{source} has no video track (audio only?)")
    stream = container.streams.video[0]
    first = next(container.decode(stream), None)
    if first is None:
        raise ValidationError(field, f"{source} has a video track with no frame to continue from")
    seconds = container.duration / 1_000_000 if container.duration else None  # in microseconds (AV_TIME_BASE)
    fps = float(stream.average_rate or stream.base_rate or 0)
    return VideoFacts(first.width, first.height, fps, seconds)


def extendable(value: str, source: str, field: str, facts: VideoFacts, *, nbytes: int = 0) -> PreparedVideo:
    """``value`` (a data URI or the URL) as extend's input, once ``facts`` pass the checks
    every extend provider makes; a ``ValidationError`` before anything is sent otherwise."""
    if round(facts.fps) != EXTEND_FPS:
        raise ValidationError(
            field,
            f"{source} is {facts.fps:g} fps; extend takes {EXTEND_FPS} fps clips (a Veo clip is): convert it first",
        )
    width, height, seconds = facts.width, facts.height, facts.seconds
    if not any(abs(width / max(height, 1) - wanted) < 0.02 for wanted in (16 / 9, 9 / 16)):
        raise ValidationError(field, f"{source} is {width}x{height}; extend takes 16:9 or 9:16 clips")
    if seconds is not None and seconds > GOOGLE_MAX_SECONDS + SECONDS_SLACK:
        raise ValidationError(
            field,
            f"{source} is {seconds:.1f} s; extend takes clips of at most {GOOGLE_MAX_SECONDS:g} s "
            "(20 extensions of an 8 s clip)",
        )
    return PreparedVideo(value=value, source=source, width=width, height=height, seconds=seconds, nbytes=nbytes)
