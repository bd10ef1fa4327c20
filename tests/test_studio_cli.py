"""``veo stitch`` and ``veo batch`` as a person types them."""

from __future__ import annotations

import argparse
from pathlib import Path

import av
import pytest
from PIL import Image

import veo_widgets as veo
from veo_widgets._studio_cli import add_studio_commands
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
