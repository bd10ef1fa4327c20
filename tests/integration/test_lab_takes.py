"""Takes in JupyterLab: four takes of one request side by side, each playing, one chosen."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from . import drive
from .servers import Server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def test_four_takes_play_side_by_side_and_one_is_chosen(lab_server: Server, page: Any, shots: Path) -> None:
    panel = drive.open_panel(page, lab_server, "takes.ipynb")
    assert "demo mode" in panel.inner_text()
    panel.locator(".veo-estimate", has_text="for 4 takes").wait_for()  # priced once the catalogue is read
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


#: What a person sees of an element, by IntersectionObserver against the window after every
#: scrolling ancestor's clipping (the notebook scrolls, not the page): how many pixels of
#: its height, and whether its top edge is among them.
SEEN_JS = """
e => new Promise(done => {
  const o = new IntersectionObserver(([entry]) => {
    o.disconnect();
    const seen = entry.isIntersecting ? entry.intersectionRect : null;
    done({px: seen ? seen.height : 0, top: !!seen && Math.abs(seen.top - entry.boundingClientRect.top) < 1,
          height: entry.boundingClientRect.height});
  });
  o.observe(e);
})
"""
#: Whether an element starts below what the notebook shows (for one with no height yet).
BELOW_JS = """
e => { const c = e.closest('.jp-WindowedPanel-outer, .jp-Notebook');
       return e.getBoundingClientRect().top >= Math.min(innerHeight, c.getBoundingClientRect().bottom); }
"""


def found(seen: dict[str, float]) -> bool:
    """A row of takes a person has found: its top in sight, and some of its pictures."""
    return bool(seen["top"]) and seen["px"] >= min(150, seen["height"])


def test_takes_started_below_the_fold_come_into_view(lab_server: Server, page: Any) -> None:
    """At a laptop's window the row of takes starts under the whole form, out of sight:
    Generate with four takes must bring it into view, not leave a person wondering."""
    page.set_viewport_size({"width": 1280, "height": 800})
    panel = drive.open_panel(page, lab_server, "fold.ipynb")
    panel.locator(".veo-takes-count select").select_option("4")
    estimate = panel.locator(".veo-estimate")
    page.wait_for_function("e => e.textContent.includes('for 4 takes')", arg=estimate.element_handle())
    # Down just far enough to reach Generate, as a person scrolls (Playwright's own scroll
    # centres it, which would bring the row into view by itself).
    generate = drive.button(panel, "Generate")
    generate.evaluate("b => b.scrollIntoView({block: 'end'})")
    rows = panel.locator(".veo-take-rows").first
    assert rows.evaluate(BELOW_JS), "the takes row starts in view: this window checks nothing"
    generate.click()
    row = panel.locator(".veo-take-rows .veo-takes").first
    row.wait_for(timeout=15_000)
    deadline = time.monotonic() + 10  # it scrolls smoothly
    while not found(seen := row.evaluate(SEEN_JS)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert found(seen), f"the takes row stayed out of sight: {seen}, {row.bounding_box()}"
    assert "4 takes started" in panel.locator(".veo-takes-note").inner_text()
    cells = row.locator(".veo-take")
    cells.nth(3).wait_for(timeout=15_000)
    for i in range(4):
        assert drive.follow(cells.nth(i))[-1] == "completed", cells.nth(i).inner_text()
        drive.check_plays(page, cells.nth(i).locator("video"), seconds=4)
