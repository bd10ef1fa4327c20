"""Image inputs become a small JPEG/PNG data URI (or stay a URL), or a clear ValidationError."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image

import veo_widgets as veo
from veo_widgets.schema._images import prepare_image, prepare_video
from veo_widgets.schema._models import Job

from ..conftest import image_bytes


def decoded(uri: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


def test_a_large_photo_is_scaled_to_cover_the_frame(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    Image.new("RGB", (6000, 4000), (120, 130, 140)).save(path, quality=95)
    prepared = prepare_image(path, aspect_ratio="16:9", resolution="720p")
    img = decoded(prepared.value)
    assert img.format == "JPEG" and img.width >= 1280 and img.height >= 720
    assert max(img.size) <= 1280 * 1.01 + 1 and prepared.nbytes < path.stat().st_size / 5


def test_portrait_target_and_1080p() -> None:
    prepared = prepare_image(image_bytes((4000, 3000), "JPEG"), aspect_ratio="9:16", resolution="1080p")
    assert (
        prepared.height is not None
        and prepared.height >= 1920
        and prepared.width is not None
        and prepared.width >= 1080
    )


def test_exif_rotation_is_applied(tmp_path: Path) -> None:
    img = Image.new("RGB", (400, 200), (10, 200, 10))
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90 degrees when shown
    path = tmp_path / "rotated.jpg"
    img.save(path, exif=exif)
    out = decoded(prepare_image(path).value)
    assert out.size == (200, 400)


def test_alpha_stays_png_and_small_jpegs_pass_through() -> None:
    rgba = io.BytesIO()
    Image.new("RGBA", (300, 300), (255, 0, 0, 128)).save(rgba, "PNG")
    assert prepare_image(rgba.getvalue()).mime == "image/png"
    small = image_bytes((1280, 720), "JPEG")
    prepared = prepare_image(small)
    assert base64.b64decode(prepared.value.split(",", 1)[1]) == small  # no needless re-encode


@pytest.mark.parametrize("fmt", ["WEBP", "GIF", "BMP", "TIFF"])
def test_other_formats_are_converted(fmt: str) -> None:
    prepared = prepare_image(image_bytes((640, 480), fmt))
    assert prepared.mime in ("image/jpeg", "image/png")


def test_every_input_kind(tmp_path: Path, image_file: Path) -> None:
    raw = image_file.read_bytes()
    uri = "data:image/png;base64," + base64.b64encode(raw).decode()
    kinds = [
        str(image_file),
        image_file,
        raw,
        bytearray(raw),
        io.BytesIO(raw),
        Image.open(image_file),
        uri,
        f"file://{image_file}",
    ]
    for kind in kinds:
        assert prepare_image(kind).value.startswith("data:image/"), kind
    assert prepare_image("https://example.com/cat.png").value == "https://example.com/cat.png"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (b"", "empty"),
        (b"GIF89a not really", "not an image"),
        (image_bytes((640, 480), "JPEG")[:300], "damaged"),
        ("data:image/png;base64,@@@", "base64"),
        ("ftp://example.com/a.png", "not supported"),
        ("https://", "not a complete URL"),
        (12, "cannot use a int"),
        (io.StringIO("text"), "binary mode"),
    ],
)
def test_bad_images_are_validation_errors(value: object, words: str) -> None:
    with pytest.raises(veo.ValidationError, match=words) as caught:
        prepare_image(value)
    assert caught.value.field == "image"


def test_a_forged_enormous_header_is_refused_before_decoding() -> None:
    # A valid PNG header claiming 100000 x 100000 pixels, with almost no data behind it.
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")
    with pytest.raises(veo.ValidationError, match="megapixels"):
        prepare_image(png)


def test_a_folder_or_unreadable_path(tmp_path: Path) -> None:
    with pytest.raises(veo.ValidationError, match="folder"):
        prepare_image(tmp_path)


def test_the_field_an_error_names_is_the_callers() -> None:
    with pytest.raises(veo.ValidationError, match="empty") as caught:
        prepare_image(b"", field="last_image")
    assert caught.value.field == "last_image"


def mp4_bytes(frames: int = 3, size: tuple[int, int] = (64, 36), fmt: str = "mp4", fps: int = 24) -> bytes:
    """A tiny real H.264 video, like a finished job's."""
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as out:
        stream: Any = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(frames):
            pixels = np.full((size[1], size[0], 3), (40 + i * 30) % 256, dtype=np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        out.mux(stream.encode(None))
    return buf.getvalue()


def test_a_local_video_becomes_an_mp4_data_uri(tmp_path: Path) -> None:
    data = mp4_bytes()
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    for value in (path, str(path), f"file://{path}", data, io.BytesIO(data)):
        prepared = prepare_video(value)
        assert prepared.value == "data:video/mp4;base64," + base64.b64encode(data).decode(), value
        assert (prepared.width, prepared.height) == (64, 36)
    assert prepare_video(path).source == str(path)
    assert prepare_video("https://cdn.example.com/v.mp4").value == "https://cdn.example.com/v.mp4"


def test_a_finished_job_is_extended_from_its_file_or_its_url(tmp_path: Path) -> None:
    path = tmp_path / "job.mp4"
    path.write_bytes(mp4_bytes())
    saved = Job("j1", "completed", video_url="https://cdn.example.com/j1.mp4", path=path)
    assert prepare_video(saved).value.startswith("data:video/mp4;base64,") and prepare_video(saved).source == "job j1"
    remote = Job("j2", "completed", video_url="https://cdn.example.com/j2.mp4")
    assert prepare_video(remote).value == "https://cdn.example.com/j2.mp4"
    with pytest.raises(veo.ValidationError, match="no video to extend yet"):
        prepare_video(Job("j3", "generating"))


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (b"", "empty"),
        (image_bytes(), "an image, not a video"),
        (b"\x00\x00\x00\x18ftypmp42 truncated", "not a video PyAV can read"),
        ("ftp://example.com/a.mp4", "not supported"),
        ("data:video/mp4,plain", "base64-encoded"),
        ("missing.mp4", "no such file"),
        (3.5, "cannot use a float"),
    ],
)
def test_a_video_that_cannot_be_extended_is_refused_clearly(value: object, words: str) -> None:
    with pytest.raises(veo.ValidationError, match=words) as caught:
        prepare_video(value)
    assert caught.value.field == "video"


@pytest.mark.parametrize(
    ("clip", "words"),
    [
        (lambda: mp4_bytes(frames=30, fps=30), "30 fps; extend takes 24 fps"),
        (lambda: mp4_bytes(size=(48, 36)), "48x36; extend takes 16:9 or 9:16"),
        (lambda: mp4_bytes(frames=142 * 24, size=(32, 18)), "142.0 s; extend takes clips of at most 141 s"),
    ],
    ids=["30 fps", "4:3", "142 s"],
)
def test_a_video_no_extend_provider_takes_is_refused_before_sending(clip: Any, words: str) -> None:
    with pytest.raises(veo.ValidationError, match=words) as caught:
        prepare_video(clip())
    assert caught.value.field == "video"
    portrait = prepare_video(mp4_bytes(size=(36, 64)))  # 9:16 is as good as 16:9
    assert (portrait.width, portrait.height) == (36, 64)


def test_a_video_in_another_container_is_refused_with_a_hint() -> None:
    with pytest.raises(veo.ValidationError, match="not an MP4"):
        prepare_video(mp4_bytes(fmt="matroska"))
