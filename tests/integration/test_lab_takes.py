"""Takes in JupyterLab: four takes of one request side by side, each playing, one chosen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from . import drive
from .servers import Server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def test_four_takes_play_side_by_side_and_one_is_chosen(lab_server: Server, page: Any, shots: Path) -> None:
    panel = drive.open_panel(page, lab_server, "takes.ipynb")
    assert "demo mode" in panel.inner_text() and "for 4 takes" in panel.locator(".veo-estimate").inner_text()
    drive.button(panel, "Generate").click()
    cells = panel.locator(".veo-take")
    cells.nth(3).wait_for(timeout=30_000)
    assert cells.count() == 4
    for i in range(4):
        assert drive.follow(cells.nth(i))[-1] == "completed", cells.nth(i).inner_text()
    tops = {round(cells.nth(i).bounding_box()["y"]) for i in range(4)}
    assert len(tops) == 1, f"the takes are not side by side at 1400 px: {tops}"  # one row
    seeds = [cells.nth(i).locator(".veo-take-seed").inner_text() for i in range(4)]
    assert len(set(seeds)) == 4 and all(s.startswith("seed ") for s in seeds), seeds
    for i in range(4):
        drive.check_plays(page, cells.nth(i).locator("video"), seconds=4)

    drive.button(cells.nth(1), "Use this take").click()
    page.wait_for_function(
        "c => c.classList.contains('veo-take-chosen')", arg=cells.nth(1).element_handle(), timeout=10_000
    )
    chosen = [("veo-take-chosen" in (cells.nth(i).get_attribute("class") or "")) for i in range(4)]
    assert chosen == [False, True, False, False]
    page.set_viewport_size({"width": 1400, "height": 1600})
    panel.scroll_into_view_if_needed()
    panel.screenshot(path=str(shots / "panel-takes.png"))
