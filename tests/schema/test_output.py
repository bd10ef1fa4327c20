"""The one rule for where videos and films are written: a missing folder is made, one that
cannot be written in is refused with a ValidationError that says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import veo_widgets as veo
from veo_widgets import ValidationError
from veo_widgets.emulator import Emulator
from veo_widgets.schema._output import is_folder_path, writable_folder, writable_output

from ..conftest import Flavour


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


# ---------------------------------------------------------------- every surface follows it


def _unwritable(tmp_path: Path) -> dict[str, Path]:
    """A path under /proc, and a file standing where a folder should be."""
    (tmp_path / "taken").write_text("x")
    return {"proc": Path("/proc/nope/clip.mp4"), "file in the way": tmp_path / "taken" / "clip.mp4"}


@pytest.mark.parametrize("where", ["proc", "file in the way"])
@pytest.mark.parametrize("surface", ["generate", "start", "generate_many", "generate_many item"])
def test_a_client_refuses_an_unwritable_save_to_before_sending(
    client: Flavour, emulator: Emulator, tmp_path: Path, surface: str, where: str
) -> None:
    path = _unwritable(tmp_path)[where]
    before = emulator.stats.create_attempts
    with pytest.raises(ValidationError) as caught:
        if surface == "generate":
            client.generate("waves", model="veo-3-fast-t2v", duration=4, save_to=path)
        elif surface == "start":
            client.start("waves", model="veo-3-fast-t2v", duration=4, save_to=path)  # raises at once
        elif surface == "generate_many":
            client.generate_many([{"prompt": "waves", "model": "veo-3-fast-t2v", "duration": 4}], save_to=path.parent)
        else:
            item = {"prompt": "waves", "model": "veo-3-fast-t2v", "duration": 4}
            client.generate_many([item, {**item, "save_to": path}])
    assert caught.value.field == "save_to" and str(path.parent) in str(caught.value)
    assert emulator.stats.create_attempts == before  # nothing sent
    assert [r.url.path for r in client.requests if r.method == "POST"] == []


def test_a_missing_folder_is_made_by_the_client(client: Flavour, tmp_path: Path) -> None:
    job = client.generate("waves", model="veo-3-fast-t2v", duration=4, save_to=tmp_path / "new" / "deeper" / "w.mp4")
    assert job.path == (tmp_path / "new" / "deeper" / "w.mp4").resolve() and job.path.is_file()


def test_a_long_take_and_a_storyboard_refuse_an_unwritable_path_before_sending(
    emulator: Emulator, tmp_path: Path
) -> None:
    before = emulator.stats.create_attempts
    with veo.Client(emulator.api_key, emulator.url) as client:
        with pytest.raises(ValidationError, match="/proc/nope"):
            veo.start_long_take(
                "waves", seconds=15, model="veo-3.1-fast-t2v", client=client, save_to="/proc/nope/t.mp4"
            )
        board = veo.Storyboard(["a calm sea", "a gull lands"], client=client)
        with pytest.raises(ValidationError, match="taken is a file"):
            board.make(out=_unwritable(tmp_path)["file in the way"])
    assert emulator.stats.create_attempts == before


def test_a_cell_refuses_an_unwritable_out_before_sending(ip: InteractiveShell, emulator: Emulator) -> None:
    before = emulator.stats.create_attempts
    with capture_output():
        result = ip.run_cell("%%veo -m veo-3-fast-t2v -d 4 --out /proc/nope/c.mp4\nwaves")
    assert isinstance(result.error_in_exec, UsageError) and "/proc/nope" in str(result.error_in_exec)
    assert emulator.stats.create_attempts == before
