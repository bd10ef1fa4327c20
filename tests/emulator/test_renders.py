"""Rendering jobs: equal inputs render once, a failed render says why, restarts render again."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from veo_widgets.emulator._jobs import Job
from veo_widgets.emulator._render import RenderFailure
from veo_widgets.emulator._renders import Renderer, fetch_loopback

from ..conftest import image_bytes

SHAPE = {"mode": "image", "prompt": "", "width": 160, "height": 90, "duration": 1, "audio": False}


def job(ident: str, seed: int = 1) -> Job:
    return Job(ident, {"model": "m"}, None, 0.0, 0.0, [], seed, "tok-" + ident)


def settle(renderer: Renderer, *jobs: Job) -> None:
    deadline = time.monotonic() + 60
    while any(renderer.state(j).pending for j in jobs) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_equal_inputs_render_once(tmp_path: Path) -> None:
    renderer = Renderer(tmp_path / "files", None, 1)
    a, b, c = job("a"), job("b"), job("c", seed=2)
    for each in (a, b, c):
        renderer.start(each, SHAPE, [image_bytes((64, 36))], None)
    settle(renderer, a, b, c)
    assert a.file == b.file != c.file
    assert Path(a.file or "").read_bytes()[4:8] == b"ftyp"
    assert len(list((tmp_path / "files").glob("*.mp4"))) == 2
    renderer.close()


def test_a_text_render_depends_on_its_prompt(tmp_path: Path) -> None:
    renderer = Renderer(tmp_path / "files", None, 1)
    one, two = job("one"), job("two")
    renderer.start(one, {**SHAPE, "mode": "text", "prompt": "a cat"}, [], None)
    renderer.start(two, {**SHAPE, "mode": "text", "prompt": "a dog"}, [], None)
    assert one.file != two.file
    settle(renderer, one, two)
    renderer.close()


def test_a_failed_render_says_why(tmp_path: Path) -> None:
    renderer = Renderer(tmp_path / "files", None, 1)
    broken = job("broken")
    renderer.start(broken, SHAPE, [b"not an image"], None)
    settle(renderer, broken)
    failure = renderer.state(broken).failure
    assert failure is not None and failure.startswith("image_url: not a readable image")
    renderer.close()


def test_a_render_interrupted_by_a_restart_runs_again(tmp_path: Path) -> None:
    first = Renderer(tmp_path / "files", tmp_path, 1)
    interrupted = job("x")
    first.start(interrupted, SHAPE, [image_bytes((64, 36))], None)
    first.close()
    settle(first, interrupted)
    Path(interrupted.file or "").unlink(missing_ok=True)  # as if killed before it was written
    assert interrupted.source is not None and Path(interrupted.source["images"][0]).is_file()
    second = Renderer(tmp_path / "files", tmp_path, 1)
    second.resume(interrupted)
    settle(second, interrupted)
    assert second.state(interrupted).failure is None and Path(interrupted.file or "").is_file()
    second.close()


def test_inputs_are_fetched_only_from_this_machine() -> None:
    with pytest.raises(RenderFailure, match="cannot reach the internet"):
        fetch_loopback("https://example.com/cat.png")
    with pytest.raises(RenderFailure, match="could not fetch"):
        fetch_loopback("http://127.0.0.1:1/cat.png")
