"""Voila on the notebooks as shipped (issue 21, 14): the panel is on screen while the cells
that wait for clips still run, not after them.

The page records two events with ``performance.now()``: the panel's first paint (the first
animation frame in which a ``.veo-panel`` has a box) and the moment the notebook's first
checked output appears (each notebook's panel comes first; that output is printed once clips
are made). The test asserts their order, never a wall-clock bound, and prints both times.
``bench/bench_voila.py`` measures how soon the panel shows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .servers import ROOT, Server, start_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

NOTEBOOKS = ROOT / "notebooks"
#: The shipped notebooks with a panel, each its first output.
PANEL_FIRST = ["quickstart.ipynb", "studio.ipynb", "veo_family.ipynb"]

#: Installed before the page's own scripts: the panel's first painted frame, and when the
#: last output (``MARKER``) arrives.
FIRST_PAINT = """
(() => {
  const seen = () => {
    const panel = document.querySelector('.veo-panel');
    if (panel && panel.getBoundingClientRect().height > 50 && window.veoPanelSeen === undefined) {
      window.veoPanelSeen = true;
      requestAnimationFrame(() => { window.veoPanelPainted = performance.now(); });
    }
    if (window.veoLastOutput === undefined && document.body && document.body.textContent.includes(MARKER)) {
      window.veoLastOutput = performance.now();
    }
  };
  new MutationObserver(seen).observe(document, {childList: true, subtree: true, characterData: true});
})();
"""


def first_checked_output(notebook: Path) -> str:
    """The last line of the notebook's first stored stream output: a cell after the clips."""
    nb = json.loads(notebook.read_text())
    texts = [
        "".join(o.get("text", ""))
        for c in nb["cells"]
        if c["cell_type"] == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream"
    ]
    return texts[0].strip().splitlines()[-1]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    files = (*(NOTEBOOKS / name for name in PANEL_FIRST), NOTEBOOKS / "voila.json")
    server = start_server("voila", tmp_path_factory.mktemp("voila-shipped"), shipped=files)
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("notebook", PANEL_FIRST)
def test_the_panel_paints_before_the_clips_are_made(shipped: Server, page: Any, notebook: str, shots: Path) -> None:
    marker = first_checked_output(NOTEBOOKS / notebook)
    page.add_init_script(FIRST_PAINT.replace("MARKER", json.dumps(marker)))
    page.goto(shipped.page_url(notebook))
    page.wait_for_function("() => window.veoPanelPainted !== undefined", timeout=300_000)
    painted = page.evaluate("() => window.veoPanelPainted")
    print(f"voila {notebook}: panel painted at {painted / 1000:.1f} s", flush=True)
    page.screenshot(path=str(shots / f"voila-first-paint-{notebook.removesuffix('.ipynb')}.png"))
    page.wait_for_function("() => window.veoLastOutput !== undefined", timeout=540_000, polling=500)
    finished = page.evaluate("() => window.veoLastOutput")
    print(f"voila {notebook}: first output after the clips at {finished / 1000:.1f} s")
    assert painted < finished, f"the panel only showed once the clips were made ({painted=} {finished=})"
