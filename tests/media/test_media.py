"""The last frame of a clip, and poster frames."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

import veo_widgets as veo
from veo_widgets.media._media import poster, poster_path

from ..helpers import BLUE, GREEN, RED, handmade


def pixel(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    r, g, b = image.convert("RGB").getpixel((x, y))  # type: ignore[misc]
    return r, g, b


def test_last_frame_is_the_final_frame(tmp_path: Path) -> None:
    short = handmade(tmp_path / "short.mp4", [RED] * 23 + [BLUE])
    assert pixel(veo.last_frame(short), 80, 48)[2] > 180
    # Long, with one keyframe at the start: a seek near the end cannot land on the last frame.
    long = handmade(tmp_path / "long.mp4", [RED] * 95 + [GREEN], gop=300)
    image = veo.last_frame(veo.Job(id="x", status="completed", path=long))
    assert image.size == (160, 96) and image.mode == "RGB"
    assert pixel(image, 80, 48)[1] > 160


def test_a_poster_is_made_once_beside_the_video(clips: list[Path], tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(clips[1].read_bytes())
    made = poster(video)
    assert made == poster_path(video) and made.parent == tmp_path and made.name.startswith(".")
    with Image.open(made) as image:
        assert image.format == "JPEG" and image.width <= 320
        assert pixel(image, image.width // 2, image.height // 2)[1] > 160
    stamp = made.stat().st_mtime_ns
    assert poster(video) == made and made.stat().st_mtime_ns == stamp  # cached, not remade
    later = stamp / 1e9 + 5
    os.utime(video, (later, later))
    poster(video)
    assert made.stat().st_mtime_ns != stamp  # the video changed: a new poster
