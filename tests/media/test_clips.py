"""A clip as the media functions take it: a finished job or a path, probed before anything reads it."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.media._clips import clip_path, probe_clip


def test_a_clip_is_probed_for_size_rate_length_and_sound(clips: list[Path]) -> None:
    landscape = probe_clip(clips[0])
    assert (landscape.width, landscape.height, landscape.fps) == (320, 180, Fraction(24))
    assert landscape.duration == pytest.approx(1.0, abs=1 / 24)
    assert landscape.has_audio and landscape.audio_rate
    portrait = probe_clip(veo.Job(id="j", status="completed", path=clips[1]))
    assert (portrait.width, portrait.height, portrait.has_audio, portrait.audio_rate) == (180, 320, False, None)
    assert portrait.path == clips[1]


def test_what_is_not_a_clip_is_refused_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(veo.ValidationError, match="no saved video") as err:
        clip_path(veo.Job(id="abc", status="completed"), "clips[2]")
    assert err.value.field == "clips[2]"
    with pytest.raises(veo.ValidationError, match="expected a Job or a path"):
        clip_path(42)  # type: ignore[arg-type]
    with pytest.raises(veo.ValidationError, match="does not exist"):
        probe_clip(tmp_path / "missing.mp4")
    with pytest.raises(veo.ValidationError, match="is not a file"):
        probe_clip(tmp_path)
