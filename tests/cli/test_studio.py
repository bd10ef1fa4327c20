"""``veo stitch`` and ``veo batch`` as a person types them."""

from __future__ import annotations

import argparse
from pathlib import Path

import av
import pytest
from PIL import Image

import veo_widgets as veo
from veo_widgets.cli._studio import add_studio_commands
from veo_widgets.emulator._render import encode


def veo_command(*argv: str) -> int:
    """The ``veo`` parser with the studio's commands, as cli.py registers them."""
    parser = argparse.ArgumentParser(prog="veo")
    add_studio_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_veo_stitch_joins_files_and_journal_jobs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    for path, colour in ((a, (200, 0, 0)), (b, (0, 0, 200))):
        encode(Image.new("RGB", (160, 96), colour), path, width=160, height=96, duration=1, seed=1, label=None)
    veo.Journal().record(veo.Job("job-b-123", "completed", path=b, request={"prompt": "blue"}))
    assert veo_command("stitch", str(a), "job-b-123", str(a), "-o", str(tmp_path / "film.mp4")) == 0
    out = capsys.readouterr()
    assert f"saved: {tmp_path / 'film.mp4'}" in out.out and "3 clips, 3.00 s, 160x96" in out.out
    assert "stitching [" in out.err and "100%" in out.err
    with av.open(str(tmp_path / "film.mp4")) as film:
        assert len(film.streams.video) == len(film.streams.audio) == 1


def test_veo_stitch_names_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(veo.ValidationError, match="neither a video file nor a job"):
        veo_command("stitch", "no-such-job", "-o", str(tmp_path / "film.mp4"))
    with pytest.raises(veo.ValidationError, match="does not exist"):
        veo_command("stitch", str(tmp_path / "missing.mp4"), "-o", str(tmp_path / "film.mp4"))
    assert not (tmp_path / "film.mp4").exists()


def test_veo_stitch_makes_a_missing_folder_refuses_an_unwritable_one_and_counts_one_clip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # One rule for outputs (issue 21, item 2): a missing folder is made, as veo.stitch does.
    from veo_widgets.cli._main import main

    clip = tmp_path / "a.mp4"
    encode(Image.new("RGB", (160, 96), (0, 90, 0)), clip, width=160, height=96, duration=1, seed=1, label=None)
    assert main(["stitch", str(clip), "-o", str(tmp_path / "no" / "such" / "film.mp4")]) == 0
    assert (tmp_path / "no" / "such" / "film.mp4").is_file()
    assert "film:  1 clip, 1.00 s" in capsys.readouterr().out
    assert main(["stitch", str(clip), "-o", "/proc/nope/film.mp4"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["veo: ValidationError: output: cannot make the folder /proc/nope: No such file or directory"]


def test_veo_stitch_refuses_a_still_image_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Regression (issue 21, item 7): a text file named .jpg ended in av.error.InvalidDataError,
    # a real JPEG was silently taken as a 0.04 s clip.
    from veo_widgets.cli._main import main

    clip = tmp_path / "a.mp4"
    encode(Image.new("RGB", (160, 96), (0, 90, 0)), clip, width=160, height=96, duration=1, seed=1, label=None)
    (tmp_path / "notes.jpg").write_text("remember the gulls")
    Image.new("RGB", (160, 96), (200, 0, 0)).save(tmp_path / "still.jpg")
    for name, says in (("notes.jpg", "is not a readable video"), ("still.jpg", "is a still image, not a video clip")):
        assert main(["stitch", str(clip), str(tmp_path / name), "-o", str(tmp_path / "film.mp4")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("veo: ValidationError: clips[1]: ") and says in err[0], err
    assert not (tmp_path / "film.mp4").exists()


def _rows(folder: Path, *lines: str) -> Path:
    Image.new("RGB", (320, 180), (20, 60, 120)).save(folder / "a.png")
    path = folder / "shots.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_veo_batch_lists_every_bad_row_before_sending_anything(tmp_path: Path) -> None:
    path = _rows(
        tmp_path,
        '{"prompt": "no picture", "image": "missing.png", "duration": 4}',
        '{"prompt": "a seed", "image": "a.png", "model": "veo-3.1-fast-i2v", "seed": 3}',
        '{"prompt": "cut short", ',
    )
    with pytest.raises(veo.ValidationError) as caught:
        veo_command("batch", str(path))
    text = str(caught.value)
    assert "3 rows of shots.jsonl cannot be sent; nothing was" in text
    assert "row 1: image" in text and "row 2: seed" in text and "row 3: row: not valid JSON" in text
    assert text.index("row 1") < text.index("row 2") < text.index("row 3")
    assert veo.Journal().history() == []  # nothing was created


def test_veo_batch_run_again_says_it_did_nothing_new(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _rows(
        tmp_path,
        '{"prompt": "waves", "image": "a.png", "duration": 4, "seed": 1}',
        '{"prompt": "gulls", "image": "a.png", "duration": 4, "seed": 2}',
    )
    assert veo_command("batch", str(path)) == 0
    first = capsys.readouterr().out.splitlines()
    assert first[-2].startswith("2/2 done · $") and "earlier" not in first[-2]
    spent = first[-2].split("$")[1].split()[0]
    assert veo_command("batch", str(path)) == 0
    again = capsys.readouterr().out.splitlines()
    assert again[-2] == f"2/2 done (all in an earlier run) · $0.00 spent now (${spent} in all)"


def test_veo_batch_with_a_budget_on_a_fresh_machine_runs_every_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Regression (issue 21, item 1): no catalogue.json yet, 4 text-to-video rows and a
    # budget: the rows' threads all saved the price catalogue at once and crashed, and the
    # rows were left "unconfirmed" for good.
    from veo_widgets._config import data_dir
    from veo_widgets.cli._main import main

    assert not (data_dir() / "catalogue.json").exists()
    rows = tmp_path / "rows.csv"
    rows.write_text("prompt,model,duration,seed\n" + "".join(f"shot {i},veo-3-fast-t2v,4,{i}\n" for i in range(1, 5)))
    assert main(["batch", str(rows), "--budget", "100"]) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "4/4 done" in out.out
    assert len(list((tmp_path / "rows-videos").glob("*.mp4"))) == 4
    assert veo.Journal().unconfirmed() == []
