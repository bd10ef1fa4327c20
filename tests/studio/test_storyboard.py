"""A storyboard: three scenes become one film, the board reopens where it was, and re-taking
one scene pays for that scene alone."""

from __future__ import annotations

from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator

from ..conftest import QUICK_POLLS, probe


def test_three_scenes_make_one_film_and_a_retake_sends_one_create(emulator: Emulator, tmp_path: Path) -> None:
    before = emulator.stats.creates
    saved = tmp_path / "kite.json"
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
        board = veo.Storyboard(
            [{"prompt": "A kite on the beach", "seconds": 4}, "It climbs", {"prompt": "It dives", "seconds": 6}],
            path=saved,
            client=client,
        )
        film = board.make(crossfade=0.5)
        assert emulator.stats.creates - before == 3
        assert probe(film)["duration"] == pytest.approx(4 + 8 + 6 - 2 * 0.5, abs=0.3)  # less two crossfades
        scene_ids = [scene.job for scene in board.scenes]
        second = client.journal.find(str(scene_ids[1]))
        assert second is not None and (second.parent_id, second.relation) == (scene_ids[0], "continue")

    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:  # a new kernel
        again = veo.Storyboard.open(saved, client=client)
        assert [scene.job for scene in again.scenes] == scene_ids and again.film == str(film)
        assert again.make() == film
        assert emulator.stats.creates - before == 3  # reopened: nothing made again
        again.retake(1)
        assert emulator.stats.creates - before == 4  # the middle scene alone
        assert [scene.job for scene in again.scenes][::2] == scene_ids[::2]
        assert again.scenes[1].job != scene_ids[1]
        assert probe(film)["duration"] == pytest.approx(17, abs=0.3)


def test_a_scene_of_an_unmade_length_is_refused_naming_it() -> None:
    with pytest.raises(veo.ValidationError) as caught:
        veo.Storyboard(["a", {"prompt": "b", "seconds": 5}], client=object())
    assert caught.value.field == "scenes[1].seconds"


@pytest.mark.parametrize("out", ["films", "films/", "film.avi"])
def test_a_film_name_that_is_not_a_video_is_refused_before_any_scene_is_sent(
    out: str, emulator: Emulator, tmp_path: Path
) -> None:
    before = emulator.stats.create_attempts
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
        board = veo.Storyboard(["A calm sea", "A gull lands"], client=client)
        with pytest.raises(veo.ValidationError) as caught:
            board.make(out=tmp_path / out)
        assert caught.value.field == "out" and ".mp4" in caught.value.reason
    assert emulator.stats.create_attempts == before  # stitch would have refused it after two paid scenes
