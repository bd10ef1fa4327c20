"""The panel's long takes: a length past 8 s for a model that can extend, the whole chain's
price before anything is sent (refused whole by a budget that cannot cover it), a card per
link with its poster, and the final clip played."""

from __future__ import annotations

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.notebook.panel._panel import Panel

from ...conftest import probe
from ...helpers import played, until

pytestmark = pytest.mark.timeout(300)


def test_lengths_past_8_seconds_are_offered_only_for_a_model_that_can_extend(panel_client: veo.Client) -> None:
    panel = Panel(client=panel_client, model="veo-3-fast-t2v")
    assert panel.long_take_box.layout.display == "none"
    panel.model.value = "google/veo-3.1-t2v-fast"
    assert panel.long_take_box.layout.display is None
    labels = [label for label, _ in panel.long_take.options]
    assert labels[:3] == ["one clip", "15 s as one long take", "22 s as one long take"]
    assert labels[-1] == "148 s as one long take"
    panel.long_take.value = 22
    until(lambda: "for the whole take, 3 links (8 + 7 + 7 s = 22 s)" in panel.estimate.value)
    assert panel.duration.disabled  # the chain chooses each link's length
    panel.show_code.value = True
    assert "veo.long_take(" in panel.code.value and "seconds=22" in panel.code.value


def test_a_chain_the_budget_cannot_cover_is_refused_whole_and_nothing_is_sent(
    panel_client: veo.Client, emulator: Emulator
) -> None:
    one = panel_client.estimate([{"model": "veo-3.1-fast-t2v", "duration": 8, "resolution": "720p"}]).usd
    assert one is not None
    panel_client.budget_usd = one * 2  # the first link would pass; the chain of three cannot
    panel = Panel(client=panel_client, prompt="A fox trots", model="google/veo-3.1-t2v-fast")
    panel.long_take.value = 22
    until(lambda: "budget" in panel.estimate.value)  # said before Generate
    before = emulator.stats.create_attempts
    panel.generate()
    assert panel.status == "error" and "budget" in panel.form_message.value
    assert emulator.stats.create_attempts == before and panel.cards == []


def test_a_long_take_shows_a_card_per_link_and_plays_the_whole_clip(
    panel_client: veo.Client, emulator: Emulator
) -> None:
    before = emulator.stats.creates
    panel = Panel(client=panel_client, prompt="Rain on a window", model="google/veo-3.1-t2v-fast")
    panel.long_take.value = 15
    panel.generate()
    job = panel.wait(timeout=240)
    assert emulator.stats.creates - before == 2
    assert job.path is not None and probe(job.path)["duration"] == pytest.approx(15, abs=0.5)
    (card,) = panel.cards
    assert card.status == "completed"
    links = card.widget.children[-1]
    rows = [row for row in links.children if "veo-link-card" in row._dom_classes]
    assert [row.children[0].value.split("</b>")[0] for row in rows] == [
        "<small><b>Link 1 of 2",
        "<small><b>Link 2 of 2",
    ]
    assert all('data-status="completed"' in row.children[1].value for row in rows)
    until(lambda: all(row.children[2].value[:2] == b"\xff\xd8" for row in rows))  # a JPEG poster each
    assert job.path.name in played(panel)


def test_resuming_a_stopped_chain_says_on_its_card_what_is_left_and_its_price(
    panel_client: veo.Client, emulator: Emulator
) -> None:
    panel = Panel(client=panel_client, prompt="Leaves falling", model="google/veo-3.1-t2v-fast")
    panel.long_take.value = 15
    panel.generate()
    (card,) = panel.cards
    run = card.run

    @run.on_update
    def stop_after_the_first(r: veo.LongTakeRun) -> None:
        if r.links[0].status == "completed":
            r.cancel()

    until(lambda: card.done.is_set())
    assert card.status == "stopped"
    card.resume_button.click()
    notes = card.widget.children[-1].children[-1]  # the link rows' note, under the rows
    until(lambda: "1 of 2 links still to make, estimated at" in notes.value)
    job = panel.wait(timeout=240)
    assert job.path is not None and probe(job.path)["duration"] == pytest.approx(15, abs=0.5)
