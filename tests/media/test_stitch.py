"""Stitching clips into one film: length, letterboxing, silence kept in sync, frame rates, crossfades, refusals."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np
import pytest

import veo_widgets as veo
from veo_widgets.media import _stitch as veo_stitch

from ..conftest import probe
from ..helpers import BLUE, GREEN, RED, handmade


def streams(path: Path) -> dict[str, float]:
    with av.open(str(path)) as c:
        return {s.type: float(s.duration * s.time_base) for s in c.streams if s.duration and s.time_base}


def frames_at(path: Path, times: Sequence[float]) -> list[np.ndarray]:
    """The frames shown at these times, as RGB arrays."""
    with av.open(str(path)) as c:
        decoded = [(f.time, f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    return [next(img for t, img in reversed(decoded) if t <= when + 1e-6) for when in times]


def loudness(path: Path, start: float, end: float) -> float:
    with av.open(str(path)) as c:
        chunks = [f.to_ndarray() for f in c.decode(audio=0)]
        rate = c.streams.audio[0].sample_rate
    samples = np.concatenate(chunks, axis=1)[0]
    return float(np.sqrt(np.mean(samples[int(start * rate) : int(end * rate)] ** 2)))


def test_three_clips_make_one_film_as_long_as_all_of_them(clips: list[Path], tmp_path: Path) -> None:
    seen: list[float] = []
    film = veo.stitch(clips, tmp_path / "film.mp4", progress=seen.append)
    info = probe(film)
    assert (info["video_codec"], info["audio_codec"]) == ("h264", "aac")
    assert (info["width"], info["height"], info["fps"]) == (320, 180, 24.0)
    with av.open(str(film)) as c:
        assert (len(c.streams.video), len(c.streams.audio)) == (1, 1)
    lengths = streams(film)
    assert lengths["video"] == pytest.approx(4.0, abs=1 / 24)
    assert lengths["audio"] == pytest.approx(4.0, abs=1 / 24)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 10
    assert not list(tmp_path.glob("*.part"))


def test_a_portrait_clip_is_letterboxed_not_stretched(clips: list[Path], tmp_path: Path) -> None:
    film = veo.stitch(clips, tmp_path / "film.mp4")
    red, green, blue = frames_at(film, [0.5, 2.0, 3.5])
    assert red[90, 160, 0] > 180 and blue[90, 160, 2] > 180
    assert green[90, 160, 1] > 160  # the portrait clip is in the middle...
    assert green[90, 10].max() < 30 and green[90, 310].max() < 30  # ...with black bars either side


def test_a_clip_without_sound_is_silence_and_the_sound_stays_in_sync(tmp_path: Path) -> None:
    beep = handmade(tmp_path / "beep.mp4", [RED] * 24, tone=True)
    mute = handmade(tmp_path / "mute.mp4", [GREEN] * 24)
    film = veo.stitch([beep, mute, beep], tmp_path / "film.mp4")
    assert loudness(film, 0.1, 0.9) > 0.1
    assert loudness(film, 1.1, 1.9) < 0.01
    assert loudness(film, 2.1, 2.9) > 0.1
    assert streams(film)["audio"] == pytest.approx(3.0, abs=1 / 24)


def test_other_frame_rates_are_retimed_to_the_first_clip(tmp_path: Path) -> None:
    a = handmade(tmp_path / "a.mp4", [RED] * 24, fps=24)
    b = handmade(tmp_path / "b.mp4", [BLUE] * 60, fps=30, size=(320, 192))  # 2 s at 30 fps, bigger
    film = veo.stitch([a, b], tmp_path / "film.mp4")
    info = probe(film)
    assert (info["fps"], info["width"], info["height"]) == (24.0, 160, 96)
    assert streams(film)["video"] == pytest.approx(3.0, abs=1 / 24)
    with av.open(str(film)) as c:
        assert c.streams.video[0].frames == 72


def test_a_crossfade_dissolves_picture_and_shortens_the_film(clips: list[Path], tmp_path: Path) -> None:
    film = veo.stitch([clips[0], clips[2]], tmp_path / "film.mp4", crossfade=0.5)
    assert streams(film)["video"] == pytest.approx(1.5, abs=1 / 24)
    assert streams(film)["audio"] == pytest.approx(1.5, abs=1 / 24)
    start, middle, end = frames_at(film, [0.1, 0.75, 1.45])
    assert start[90, 160, 0] > 180 and end[90, 160, 2] > 180
    assert 60 < middle[90, 160, 0] < 180 and 60 < middle[90, 160, 2] < 180  # half red, half blue
    three = veo.stitch(clips, tmp_path / "three.mp4", crossfade=0.25)
    assert streams(three)["video"] == pytest.approx(4.0 - 2 * 0.25, abs=1 / 24)


def test_jobs_are_stitched_from_their_saved_files(clips: list[Path], tmp_path: Path) -> None:
    jobs = [veo.Job(id=f"j{i}", status="completed", path=p) for i, p in enumerate(clips)]
    film = veo.stitch(jobs, str(tmp_path / "film.mp4"))
    assert streams(film)["video"] == pytest.approx(4.0, abs=1 / 24)


def test_a_chain_of_extensions_is_stitched_as_its_last_link(clips: list[Path], tmp_path: Path) -> None:
    """An extension holds its parent (the API gives back the whole clip): stitching the
    chain plays it once, as its last link, not the parent again before each extension."""
    first = veo.Job(id="a", status="completed", path=clips[0])
    grown = veo.Job(id="b", status="completed", path=clips[1], parent_id="a", relation="extend")
    again = veo.Job(id="c", status="completed", path=clips[2], parent_id="b", relation="extend")
    other = veo.Job(id="d", status="completed", path=clips[0], parent_id="a", relation="continue")
    assert veo_stitch.without_held([first, grown, again]) == [again]
    assert veo_stitch.without_held([first, other, grown]) == [first, other, grown]  # not next to its parent
    film = veo.stitch([first, grown, again], tmp_path / "chain.mp4")
    one = veo.stitch([clips[2]], tmp_path / "last.mp4")
    assert streams(film)["video"] == pytest.approx(streams(one)["video"], abs=1 / 24)
    assert np.array_equal(frames_at(film, [0.0])[0], frames_at(one, [0.0])[0])


def test_bad_clips_are_refused_before_anything_is_written(clips: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "film.mp4"
    with pytest.raises(veo.ValidationError, match=r"missing\.mp4 does not exist") as err:
        veo.stitch([clips[0], tmp_path / "missing.mp4"], out)
    assert err.value.field == "clips[1]"
    junk = tmp_path / "junk.mp4"
    junk.write_text("not a video")
    with pytest.raises(veo.ValidationError, match="not a readable video"):
        veo.stitch([clips[0], junk], out)
    with pytest.raises(veo.ValidationError, match="no saved video"):
        veo.stitch([veo.Job(id="abc", status="completed")], out)
    with pytest.raises(veo.ValidationError, match="too long"):
        veo.stitch(clips, out, crossfade=1.0)  # a 1 s clip cannot fade for all of its length
    with pytest.raises(veo.ValidationError):
        veo.stitch([], out)
    with pytest.raises(veo.ValidationError, match="one of the clips"):
        veo.stitch(clips, clips[0])
    assert list(tmp_path.iterdir()) == [junk]


def test_the_output_rule_makes_a_missing_folder_and_refuses_an_unwritable_one(
    clips: list[Path], tmp_path: Path
) -> None:
    # One rule for outputs in Python and on the command line (issue 21, item 2).
    film = veo.stitch(clips[:1], tmp_path / "new" / "film.mp4")
    assert film.is_file()
    with pytest.raises(veo.ValidationError, match="cannot make the folder /proc/nope") as err:
        veo.stitch(clips[:1], "/proc/nope/film.mp4")
    assert err.value.field == "out"
    (tmp_path / "taken").write_text("a file where a folder should be")
    with pytest.raises(veo.ValidationError, match="is a file, not a folder"):
        veo.stitch(clips[:1], tmp_path / "taken" / "film.mp4")


def test_a_still_image_is_refused_not_taken_as_a_short_clip(clips: list[Path], tmp_path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (160, 96), (200, 0, 0)).save(tmp_path / "still.png")
    with pytest.raises(veo.ValidationError, match="is a still image, not a video clip") as err:
        veo.stitch([clips[0], tmp_path / "still.png"], tmp_path / "film.mp4")
    assert err.value.field == "clips[1]" and not (tmp_path / "film.mp4").exists()
