"""The gallery (issue 14) in a real browser: every clip with its poster, one played, one re-run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from . import drive
from .servers import Server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.mark.parametrize("server", ["lab", "voila"], indirect=True)
def test_the_gallery_lists_clips_with_posters_plays_one_and_reruns_it(server: Server, page: Any) -> None:
    drive.open_notebook(page, server, "gallery.ipynb")
    if server.kind != "voila":
        drive.run_cell(page, 0)
    gallery = page.locator(".veo-gallery").first
    gallery.wait_for(timeout=90_000)
    newest = gallery.locator(".veo-card", has_text="Gulls over the sea").first
    older = gallery.locator(".veo-card", has_text="A lighthouse at dusk").first
    newest.wait_for()
    older.wait_for()
    for card in (newest, older):  # posters are made in the background, then shown
        page.wait_for_function(
            "c => [...c.querySelectorAll('img')].some(i => i.complete && i.naturalWidth > 0)",
            arg=card.element_handle(),
            timeout=30_000,
        )

    # Every poster sits in the same fitted box, so cards of a row line up whatever the clip's shape.
    boxes = page.evaluate(
        """g => [...g.querySelectorAll('.veo-card img')].map(i => {
            const r = i.getBoundingClientRect();
            return [Math.round(r.width), Math.round(r.height), getComputedStyle(i).objectFit];
        })""",
        gallery.element_handle(),
    )
    assert boxes and {tuple(b) for b in boxes} == {(180, 101, "contain")}, boxes

    drive.button(older, "Open").click()
    video = gallery.locator("video").first
    drive.check_plays(page, video, seconds=4)
    assert "A lighthouse at dusk" in gallery.inner_text()

    drive.button(gallery, "Re-run").click()
    panel = gallery.locator(".veo-panel").first
    panel.wait_for(timeout=30_000)
    assert panel.locator(drive.PROMPT).first.input_value() == "A lighthouse at dusk"
    drive.button(panel, "Generate").click()
    card = panel.locator(drive.CARD).first
    card.wait_for(timeout=30_000)
    assert drive.follow(card)[-1] == "completed", card.inner_text()
    drive.check_plays(page, panel.locator("video").first, seconds=4)


@pytest.mark.parametrize("server", ["lab"], indirect=True)
def test_play_starts_the_selected_clip(server: Server, page: Any, shots: Path) -> None:
    """Regression (issue 21, 8): Play only selected the clip; its video stayed at 0:00."""
    drive.open_notebook(page, server, "play.ipynb")
    drive.run_cell(page, 0)
    gallery = page.locator(".veo-gallery").first
    gallery.wait_for(timeout=90_000)
    older = gallery.locator(".veo-card", has_text="A lighthouse at dusk").first
    drive.button(older, "Open").click()
    drive.button(gallery, "Play").click()
    video = gallery.locator("video").first
    video.wait_for(timeout=30_000)
    # Nothing here calls play(): the clip must start by itself and its time advance.
    moved = drive.poll(video, "v => v.currentTime > 0.5", timeout=30)
    assert moved, f"Play did not start the clip: {drive.video_info(video)}"
    gallery.screenshot(path=str(shots / "gallery-play.png"))
