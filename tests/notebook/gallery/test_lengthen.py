"""The gallery lengthens a finished clip by more links: the resulting length and the price
are said before anything is sent, each link gets a row, and the long clip is selected."""

from __future__ import annotations

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator

from ...conftest import QUICK_POLLS, probe
from ...helpers import until

pytestmark = pytest.mark.timeout(300)


def test_a_finished_clip_is_lengthened_by_links_with_its_length_and_price_said_first(emulator: Emulator) -> None:
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
        first = client.generate("Waves roll in", model="veo-3.1-fast-t2v", resolution="720p", duration=4)
        gallery = veo.Gallery(client)
        assert "lengthen" in gallery.select(first.id).actions
        form = gallery.act("lengthen")
        prompt, (links, go), about = form.children[1], form.children[2].children, form.children[3]
        assert [label for label, _ in links.options][:2] == ["+7 s (1 link) = 11 s", "+14 s (2 links) = 18 s"]
        links.value = 1
        until(lambda: "makes a 11 s clip" in about.value and "$" in about.value)
        before = emulator.stats.creates
        prompt.value = "The tide goes out"
        go.click()
        until(lambda: gallery.selected is not None and gallery.selected.id != first.id)
        longer = gallery.selected
        assert longer is not None and longer.path is not None
        assert emulator.stats.creates - before == 1
        assert probe(longer.path)["duration"] == pytest.approx(11, abs=0.5)
        assert (longer.parent_id, longer.relation) == (first.id, "extend")
        card = form.children[5].children[0]
        (row,) = [r for r in card.children[-1].children if "veo-link-card" in r._dom_classes]
        assert "Link 1 of 1" in row.children[0].value and 'data-status="completed"' in row.children[1].value
