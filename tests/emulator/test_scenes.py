"""Each mode's picture: a person can tell text, first-last, references and extend apart."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from veo_widgets.emulator._render import RenderFailure, encode
from veo_widgets.emulator._scenes import last_frame, scene_for

from ..conftest import image_bytes

W, H = 160, 90


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(int)


def shape(mode: str, prompt: str = "") -> dict[str, object]:
    return {"mode": mode, "prompt": prompt, "width": W, "height": H, "duration": 1, "audio": False}


RED, BLUE, GREEN = (
    image_bytes((W, H), color=(220, 30, 30)),
    image_bytes((W, H), color=(30, 30, 220)),
    image_bytes((W, H), color=(30, 200, 30)),
)


def test_text_to_video_draws_the_prompt_and_differs_by_prompt() -> None:
    ocean = scene_for(shape("text", "a calm blue ocean at dawn"), [], None, 1)
    forest = scene_for(shape("text", "a burning forest under red skies"), [], None, 1)
    assert np.abs(pixels(ocean(0, 24)) - pixels(forest(0, 24))).mean() > 10
    assert np.abs(pixels(ocean(0, 24)) - pixels(ocean(23, 24))).mean() > 1  # the camera moves
    assert pixels(ocean(0, 24)).std() > 10  # a drawn scene, not a flat fill


def test_first_and_last_frame_starts_on_one_image_and_ends_on_the_other() -> None:
    scene = scene_for(shape("first-last"), [RED, BLUE], None, 1)
    first, middle, last = (pixels(scene(i, 24)).mean(axis=(0, 1)) for i in (0, 12, 23))
    assert first[0] > 200 and first[2] < 50 and last[2] > 200 and last[0] < 50
    assert 50 < middle[0] < 200 and 50 < middle[2] < 200  # a dissolve between them


def test_references_pan_from_one_to_the_next() -> None:
    scene = scene_for(shape("reference"), [RED, GREEN, BLUE], None, 1)
    first, last = pixels(scene(0, 24)).mean(axis=(0, 1)), pixels(scene(23, 24)).mean(axis=(0, 1))
    assert first[0] > 200 and last[2] > 200
    assert any(pixels(scene(i, 24)).mean(axis=(0, 1))[1] > 150 for i in range(24))  # passes the middle one


def test_extend_starts_on_the_last_frame_of_the_input(tmp_path: Path) -> None:
    clip = tmp_path / "in.mp4"
    source = scene_for(shape("first-last"), [RED, BLUE], None, 1)
    encode(source, clip, width=W, height=H, duration=1, seed=1, audio=False, label=None)
    end = last_frame(clip.read_bytes())
    assert pixels(end).mean(axis=(0, 1))[2] > 180  # the input ended blue
    scene = scene_for(shape("extend"), [], clip.read_bytes(), 1)
    assert np.abs(pixels(scene(0, 24)) - pixels(end.resize((W, H)))).mean() < 8


def test_unreadable_inputs_fail_with_the_field_named() -> None:
    with pytest.raises(RenderFailure, match="image_url: not a readable image"):
        scene_for(shape("image"), [b"not an image"], None, 1)
    with pytest.raises(RenderFailure, match="video_url"):
        scene_for(shape("extend"), [], b"not a video", 1)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "PNG")
    with pytest.raises(RenderFailure, match="video_url"):
        scene_for(shape("extend"), [], buf.getvalue(), 1)
