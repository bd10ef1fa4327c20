"""``veo.Storyboard`` in the notebook: a row per scene, edits saved beside the notebook and
reopened where they were, Make film stitching only what is not made, a scene that extends
the one before, and Re-take paying for one scene alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.notebook._storyboard_view import Storyboard

from ..conftest import QUICK_POLLS, probe
from ..helpers import until

pytestmark = pytest.mark.timeout(400)


def test_the_editor_edits_reorders_and_saves_the_board_beside_the_notebook(tmp_path: Path, emulator: Emulator) -> None:
    saved = tmp_path / "film.json"
    with veo.Client(emulator.api_key, emulator.url) as client:
        board = veo.Storyboard(["A kite on the beach", "It climbs", "It dives"], path=saved, client=client)
        assert isinstance(board, Storyboard)
        assert len(board.widget.children[1].children) == 3
        board.add_button.click()
        assert [s.prompt for s in board.scenes] == ["A kite on the beach", "It climbs", "It dives", "It dives"]
        last = board.rows.children[3]
        last.children[-2].click()  # Remove
        second = board.rows.children[1]
        second.children[6].click()  # Up
        assert [s.prompt for s in board.scenes] == ["It climbs", "A kite on the beach", "It dives"]
        board.rows.children[2].children[3].value = "extend"  # the third scene extends the second
        assert board.scenes[2].mode == "extend" and board.scenes[2].seconds == 7
        assert "a film of 23 s" in board.about.value  # 8 + 8 + 7, no crossfade chosen
        data = json.loads(saved.read_text())
        assert [(s["prompt"], s["mode"]) for s in data["scenes"]] == [
            ("It climbs", "continue"),
            ("A kite on the beach", "continue"),
            ("It dives", "extend"),
        ]
        again = veo.Storyboard(path=saved, client=client)  # reopened where it was
        assert [(s.prompt, s.mode, s.seconds) for s in again.scenes] == [
            (s.prompt, s.mode, s.seconds) for s in board.scenes
        ]
        with pytest.raises(veo.ValidationError) as caught:
            veo.Storyboard([{"prompt": "a", "mode": "extend"}], client=client)
        assert caught.value.field == "scenes[0].mode"


def test_scenes_do_not_change_while_the_film_is_being_made(tmp_path: Path, emulator: Emulator) -> None:
    saved = tmp_path / "film.json"
    with veo.Client(emulator.api_key, emulator.url) as client:
        board = veo.Storyboard(["A kite on the beach", "It climbs"], path=saved, client=client)
        board.save()
        before = saved.read_text()
        board._busy.acquire()  # what Make film holds while its thread works through the scenes
        try:
            board.rows.children[1].children[6].click()  # Up
            board.add_button.click()
        finally:
            board._busy.release()
        assert [s.prompt for s in board.scenes] == ["A kite on the beach", "It climbs"]
        assert "making its film" in board.status.value and saved.read_text() == before
        board.rows.children[1].children[6].click()  # done making: the edit goes through
        assert [s.prompt for s in board.scenes] == ["It climbs", "A kite on the beach"]


def test_make_film_stitches_three_scenes_and_a_retake_sends_one_create(tmp_path: Path, emulator: Emulator) -> None:
    saved = tmp_path / "tide.json"
    scenes = [
        {"prompt": "Waves roll in", "seconds": 4},
        {"prompt": "The tide rises", "mode": "extend"},
        {"prompt": "Night falls on the sea", "seconds": 4},
    ]
    before = emulator.stats.creates
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
        board = veo.Storyboard(scenes, path=saved, client=client)
        board.crossfade_choice.value = 0.5
        assert board.seconds == 4 + 7 + 4 - 0.5  # the extend is no cut: one crossfade
        board.make_button.click()
        assert board.thread is not None
        board.thread.join(300)
        assert emulator.stats.creates - before == 3
        assert board.film is not None and probe(board.film)["duration"] == pytest.approx(14.5, abs=0.3)
        assert str(Path(board.film).name) in board.player.outputs[0]["data"]["text/plain"]
        second = client.journal.find(str(board.scenes[1].job))
        assert second is not None and (second.relation, second.parent_id) == ("extend", board.scenes[0].job)

        rerun = veo.Storyboard(scenes, path=saved, client=client)  # the cell run again: nothing to make
        assert [s.job for s in rerun.scenes] == [s.job for s in board.scenes]
        assert "every scene is made" in rerun.widget.children[2].children[3].value
        old = rerun.scenes[2].job
        rerun.rows.children[2].children[-1].click()  # Re-take the last scene
        assert rerun.thread is not None
        rerun.thread.join(300)
        until(lambda: not rerun.make_button.disabled)
        assert emulator.stats.creates - before == 4  # that scene alone
        assert rerun.scenes[2].job != old and [s.job for s in rerun.scenes][:2] == [s.job for s in board.scenes][:2]
        assert probe(str(rerun.film))["duration"] == pytest.approx(14.5, abs=0.3)


def test_the_price_line_counts_scenes_in_words(tmp_path: Path, emulator: Emulator) -> None:
    with veo.Client(emulator.api_key, emulator.url) as client:
        one = veo.Storyboard(["A kite on the beach"], path=tmp_path / "one.json", client=client)
        until(lambda: "$" in one.about.value or "unknown" in one.about.value)
        assert "1 scene to make," in one.about.value
        three = veo.Storyboard(["A kite", "It climbs", "It dives"], path=tmp_path / "three.json", client=client)
        until(lambda: "$" in three.about.value or "unknown" in three.about.value)
        assert "3 scenes to make," in three.about.value and "(s)" not in three.about.value
