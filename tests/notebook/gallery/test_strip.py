"""The gallery's posters in one 16:9 box, and its sequence strip: clips in order, stitched into a film."""

from __future__ import annotations

from pathlib import Path

import av
from PIL import Image

import veo_widgets as veo
from veo_widgets.emulator._render import encode

from ...helpers import T0, gallery_clips, journal_with  # noqa: F401  (gallery_clips is the fixture "clips")


def test_portrait_and_landscape_posters_share_one_box(tmp_path: Path) -> None:
    journal = veo.Journal(tmp_path / "journal.sqlite3")
    for ident, size in (("wide", (256, 144)), ("tall", (144, 256))):
        path = tmp_path / f"{ident}.mp4"
        encode(
            Image.new("RGB", size, (90, 90, 200)), path, width=size[0], height=size[1], duration=1, seed=1, label=None
        )
        journal.record(veo.Job(ident, "completed", path=path, request={"prompt": ident}))
    gallery = veo.Gallery(journal=journal)
    assert gallery.posters is not None
    gallery.posters.join(30)
    again = veo.Gallery(journal=journal)  # posters cached now: made as finished widgets
    for grid in (gallery.grid, again.grid):
        boxes = [box.children[0].layout for box in grid.children]
        assert {(b.width, b.height, b.object_fit) for b in boxes} == {("180px", "101px", "contain")}
        assert {box.children[1].layout.min_height for box in grid.children} == {"72px"}  # captions too, whole lines


def test_the_sequence_strip_stitches_clips_in_the_chosen_order(tmp_path: Path, clips: list[Path]) -> None:
    gallery = veo.Gallery(journal=journal_with(tmp_path, clips))
    for ident in ("job-0", "job-1", "job-2"):
        gallery.select(ident)
        gallery.act("sequence")
    strip = gallery.sequence
    strip.move(2, -2)  # the blue clip first
    assert [j.id for j in strip.clips] == ["job-2", "job-0", "job-1"]
    strip.remove(2)
    film = strip.stitch(tmp_path / "film.mp4")
    with av.open(str(film)) as container:
        stream = container.streams.video[0]
        assert stream.frames == 48  # two one-second clips at 24 fps
        first = next(container.decode(stream)).to_ndarray(format="rgb24")
    assert first[72, 128, 2] > 150  # the blue clip leads
    assert strip.progress.value == 1.0 and len(strip.output.outputs) == 1
