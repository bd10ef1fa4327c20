"""The panel as a static page: the saved view, the cover over an orphaned panel, the summary kept up to date."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.notebook.panel._panel import Panel
from veo_widgets.notebook.panel._summary import cover_html

from ...helpers import make, until

pytestmark = pytest.mark.timeout(120)


def test_the_saved_view_is_a_static_summary(panel_client: veo.Client, image_file: Path) -> None:
    panel = make(panel_client, image_file)
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # live where widgets run
    assert "Run the cell to use the panel" in bundle["text/html"] and "not live" in bundle["text/html"]
    assert "the lighthouse beam sweeps" in bundle["text/html"]
    panel.generate()
    job = panel.wait(timeout=60)
    summary = panel._repr_mimebundle_()["text/html"]
    assert "data:image/jpeg;base64," in summary and str(job.path) in summary  # the last clip's poster
    for claim in ("key", "billed", "generating"):
        assert claim not in summary.lower()


def test_a_saved_or_orphaned_panel_covers_itself(panel_client: veo.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from veo_widgets.notebook.panel import _summary as _panel_summary

    monkeypatch.setattr(_panel_summary, "BEAT", 0.05)
    panel = Panel(client=panel_client)
    first = panel.saved_cover.value
    assert "Run the cell to use the panel" in first and "not live" in first
    assert "animation:veo-saved-view" in first  # fades in only when the rewrites stop
    deadline = time.monotonic() + 5
    while panel.saved_cover.value == first and time.monotonic() < deadline:
        time.sleep(0.02)
    assert panel.saved_cover.value != first  # the kernel keeps it hidden while it runs


def test_the_summary_is_an_output_of_its_own_kept_up_to_date(panel_client: veo.Client, image_file: Path) -> None:
    from IPython.utils.capture import capture_output

    panel = make(panel_client, image_file)
    with capture_output() as cap:
        panel._ipython_display_()
    kinds = [set(o.data) for o in cap.outputs]
    assert "application/vnd.jupyter.widget-view+json" in kinds[0]
    assert "text/html" not in kinds[0]  # no copy of the summary frozen at the moment the cell ran
    assert "veo-static-summary" in cap.outputs[1].data["text/html"]  # shown where the widget cannot be
    with capture_output() as later:  # the summary's display is updated in place as the job goes
        panel.generate()
        job = panel.wait(timeout=60)
    shown_id = cap.outputs[1].transient["display_id"]
    updates = [o.data["text/html"] for o in later.outputs if o.update and o.transient["display_id"] == shown_id]
    assert updates and str(job.path) in updates[-1] and "data:image/jpeg" in updates[-1]


def test_the_saved_summary_counts_takes(panel_client: veo.Client, image_file: Path) -> None:
    # Regression (issue 21, 9): after 10 generations (some of them takes) it said "4 generations".
    from IPython.utils.capture import capture_output

    panel = make(panel_client, image_file)
    with capture_output() as cap:
        panel._ipython_display_()
    with capture_output() as later:
        panel.generate()  # one, then three takes
        panel.wait(timeout=60)
        panel.takes.value = 3
        panel.generate()
        panel.wait(timeout=90)
        until(lambda: all(card.done.is_set() for card in panel.cards))
    shown_id = cap.outputs[1].transient["display_id"]
    updates = [o.data["text/html"] for o in later.outputs if o.update and o.transient["display_id"] == shown_id]
    assert "4 generations" in updates[-1]


def test_the_not_live_message_sits_at_the_top_of_a_tall_panel() -> None:
    # Regression (issue 21, 9): centred in a 2,300 px panel, the message was off screen.
    cover = cover_html(0)
    assert "align-items:flex-start" in cover and "align-items:center" not in cover
    assert "position:sticky;top:" in cover  # and it stays in view while the panel scrolls
