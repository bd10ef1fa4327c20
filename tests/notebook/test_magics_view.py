"""What ``%%veo`` and ``%veo`` put under a cell: a static line when saved, a player and a history that read as text too, and a config that never shows the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import veo_widgets as veo

from ..conftest import SENTINEL_KEY
from ..helpers import html_of, magics_of, run

pytestmark = pytest.mark.timeout(120)


def test_a_finished_cell_leaves_a_static_line_and_a_running_one_says_so(ip: InteractiveShell, image_file: Path) -> None:
    with capture_output() as cap:
        job = run(ip, f"%%veo -i {image_file} -d 4 --seed 1\nstatic at the end")
    plains = [o.data.get("text/plain", "") for o in cap.outputs]
    assert any("when last saved" in p for p in plains)  # what a restarted notebook's copy says
    updates = [o for o in cap.outputs if 'data-status="' in o.data.get("text/html", "")]
    assert 'data-status="completed"' in updates[-1].data["text/html"]
    assert "live while" not in updates[-1].data["text/html"]
    assert "(estimate)" in "".join(o.data.get("text/html", "") for o in updates)
    assert job.ok


def test_history_and_the_player_read_as_text_too(ip: InteractiveShell, image_file: Path) -> None:
    with capture_output() as cap:
        job = run(ip, f"%%veo -i {image_file} -d 4 --seed 1\nplain text too")
    plain = [o.data.get("text/plain", "") for o in cap.outputs]
    assert f"video: {job.path}" in plain and not any("IPython.core.display" in p for p in plain)
    with capture_output() as cap:
        run(ip, "%veo history")
    text = cap.outputs[-1].data["text/plain"]
    assert "IPython.core.display" not in text and "plain text too" in text
    assert "".join(ch for ch in job.id if ch.isalnum())[:8] in text and "<table" in cap.outputs[-1].data["text/html"]


def test_embedding_is_capped_and_the_video_is_still_saved(
    ip: InteractiveShell, image_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("veo_widgets.views._display.EMBED_LIMIT", 1000)
    with capture_output() as cap:
        job = run(ip, f"%%veo -i {image_file} -d 4 --seed 1 --embed\ntoo big to embed")
    assert job.ok and job.path is not None and job.path.exists()
    assert "base64" not in html_of(cap) and "over the 0 MB embedding limit" in cap.stderr


def test_config_never_shows_the_key(ip: InteractiveShell, monkeypatch: pytest.MonkeyPatch) -> None:
    with veo.Client(SENTINEL_KEY, "http://127.0.0.1:9") as keyed:
        magics_of(ip).client = keyed
        with capture_output() as cap:
            run(ip, "%veo config")
    assert "API key:       set" in cap.stdout and SENTINEL_KEY not in cap.stdout
    assert "VeoMagics.resolution = None" in cap.stdout  # None: the chosen model's own default


def test_config_in_demo_mode_says_there_is_no_key(ip: InteractiveShell) -> None:
    with veo.Client() as demo:  # no key in the environment: demo mode
        magics_of(ip).client = demo
        with capture_output() as cap:
            run(ip, "%veo config")
    assert "API key:       demo mode (no key)" in cap.stdout and "API key:       set" not in cap.stdout
