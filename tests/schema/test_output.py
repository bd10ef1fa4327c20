"""The one rule for where videos and films are written: a missing folder is made, one that
cannot be written in is refused with a ValidationError that says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from veo_widgets import ValidationError
from veo_widgets.schema._output import is_folder_path, writable_folder, writable_output


def test_a_missing_folder_is_made(tmp_path: Path) -> None:
    assert writable_output(tmp_path / "a" / "b" / "clip.mp4") == tmp_path / "a" / "b" / "clip.mp4"
    assert (tmp_path / "a" / "b").is_dir() and not (tmp_path / "a" / "b" / "clip.mp4").exists()
    assert writable_output(tmp_path / "clips") == tmp_path / "clips" and (tmp_path / "clips").is_dir()
    assert list((tmp_path / "a" / "b").iterdir()) == []  # the write test leaves nothing


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/proc/nope/out.mp4", "cannot make the folder /proc/nope"),
        ("/proc/self/out.mp4", "cannot write in the folder /proc/self"),
    ],
)
def test_a_folder_that_cannot_be_written_is_refused(path: str, says: str) -> None:
    with pytest.raises(ValidationError, match=says) as caught:
        writable_output(path)
    assert caught.value.field == "output"


def test_a_file_in_the_way_is_named(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    with pytest.raises(ValidationError, match="taken is a file, not a folder"):
        writable_output(tmp_path / "taken" / "clip.mp4")
    with pytest.raises(ValidationError, match="is a file, not a folder"):
        writable_folder(tmp_path / "taken", "out")


def test_which_paths_are_folders(tmp_path: Path) -> None:
    assert is_folder_path(tmp_path) and is_folder_path("clips") and is_folder_path("clips.v2/")
    assert not is_folder_path("clip.mp4")
