"""The `veo` command, as a person runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.cli import main

from .conftest import probe

pytestmark = pytest.mark.timeout(120)
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "lighthouse.jpg"


def test_generate_in_demo_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "clip.mp4"
    code = main(["generate", str(EXAMPLE), "The beam sweeps", "--duration", "4", "--seed", "3", "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 0 and out.exists() and probe(out)["width"] == 1280
    assert f"saved: {out}" in captured.out and "(simulated)" in captured.out
    assert "demo mode: simulated video" in captured.err
    assert "completed" in captured.err  # live status, a line per change when not a terminal


def test_errors_are_one_line_and_nonzero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "nope.png", "x"]) == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("veo:")]
    assert lines == ["veo: ValidationError: image: no such file: nope.png"]


def test_argparse_refuses_bad_choices() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["generate", str(EXAMPLE), "x", "--duration", "5"])
    assert caught.value.code == 2


def test_status_resume_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    job = veo.Client().submit("resume from the shell", image=EXAMPLE, duration=4, seed=3)
    assert main(["resume", job.id, "-o", str(tmp_path / "r.mp4")]) == 0
    assert (tmp_path / "r.mp4").exists()
    assert main(["status", job.id]) == 0
    assert main(["history"]) == 0
    out = capsys.readouterr().out
    assert f"{job.id}: completed" in out and "resume from the shell" in out


def test_unknown_id_exits_nonzero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "no-such-job"]) == 1
    assert "NotFoundError" in capsys.readouterr().err


def test_live_progress_on_a_terminal(tmp_path: Path) -> None:
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    env = dict(os.environ, VEO_DEMO_SECONDS="3")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "veo_widgets.cli",
            "generate",
            str(EXAMPLE),
            "tty",
            "--duration",
            "4",
            "-o",
            str(tmp_path / "t.mp4"),
        ],
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(60)
    os.close(leader)
    screen = seen.decode(errors="replace")
    assert proc.returncode == 0 and (tmp_path / "t.mp4").exists()
    assert "\r\x1b[K" in screen and "generating" in screen and "[#" in screen and "00:0" in screen
