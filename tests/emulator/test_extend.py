"""Extend as the API does it: the input plus 7 s as one clip, in the input's orientation,
refused as its provider would refuse it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from veo_widgets.emulator import Emulator

from ..conftest import probe
from ..helpers import HTTP, handmade, rendered
from .conftest import create, data_uri, wait_done

pytestmark = pytest.mark.timeout(300)

EXTEND = "google/veo3-1-fast-extend-video"


def extend_body(video: str, **extra: Any) -> dict[str, Any]:
    return {"model": EXTEND, "prompt": "and then", "video_url": video, **extra}


def extended(emu: Emulator, video: str, tmp_path: Path, name: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    """Extend ``video``; the result's URL and what a person would check of its file."""
    answer = create(emu, extend_body(video, **extra))
    assert answer.status_code == 200, answer.text
    done = wait_done(emu, answer.json()["id"], timeout=240)
    assert done["status"] == "completed", done
    url = str(done["video"]["url"])
    path = tmp_path / name
    path.write_bytes(HTTP.get(url, timeout=60).content)
    return url, probe(path)


def test_an_extension_is_the_whole_clip_plus_seven_seconds_and_extends_again(
    emulator: Emulator, tmp_path: Path
) -> None:
    base = rendered(tmp_path / "base.mp4", (200, 120, 40), (320, 180), 8)
    url, once = extended(emulator, data_uri(base.read_bytes(), "video/mp4"), tmp_path, "15.mp4")
    assert once["duration"] == pytest.approx(15, abs=0.15) and (once["width"], once["height"]) == (1280, 720)
    _, twice = extended(emulator, url, tmp_path, "22.mp4", provider="google")  # 15 s: Google's extend
    assert twice["duration"] == pytest.approx(22, abs=0.15) and twice["fps"] == pytest.approx(24)


def test_a_portrait_clip_stays_portrait(emulator: Emulator, tmp_path: Path) -> None:
    base = rendered(tmp_path / "tall.mp4", (40, 160, 200), (180, 320), 4, audio=False)
    for extra in ({}, {"aspect_ratio": "16:9"}):  # the input's orientation, whatever is asked
        _, got = extended(emulator, data_uri(base.read_bytes(), "video/mp4"), tmp_path, "tall-ext.mp4", **extra)
        assert (got["width"], got["height"]) == (720, 1280) and got["duration"] == pytest.approx(11, abs=0.15)


def test_an_input_longer_than_eight_seconds_needs_provider_google(emulator: Emulator, tmp_path: Path) -> None:
    long = data_uri(rendered(tmp_path / "long.mp4", (90, 90, 90), (160, 90), 10, audio=False).read_bytes(), "video/mp4")
    before = emulator.stats.creates
    for extra in ({}, {"provider": "auto"}, {"provider": "fal"}):
        refused = create(emulator, extend_body(long, **extra))
        assert refused.status_code == 400, refused.text
        body = refused.json()
        assert 'provider "google"' in body["message"] and "8 s" in body["message"]
        assert {"message", "path", "statusCode", "requestId", "timestamp"} <= set(body)  # the API's error shape
    assert emulator.stats.creates == before  # no job made, nothing charged
    accepted = create(emulator, extend_body(long, provider="google"))
    assert accepted.status_code == 200, accepted.text


def test_inputs_google_does_not_take_are_refused(emulator: Emulator, tmp_path: Path) -> None:
    thirty = handmade(tmp_path / "30fps.mp4", [(100, 100, 100)] * 60, fps=30, size=(320, 180))
    square = handmade(tmp_path / "square.mp4", [(100, 100, 100)] * 48, size=(240, 240))
    for clip, words in ((thirty, "24 fps"), (square, "16:9 or 9:16")):
        refused = create(emulator, extend_body(data_uri(clip.read_bytes(), "video/mp4"), provider="google"))
        assert refused.status_code == 400 and words in refused.json()["message"], refused.text
