"""The ``veo`` command's live status line on a terminal: spinner, clock and an estimate bar that never leaps."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from ..helpers import EXAMPLE

pytestmark = pytest.mark.timeout(120)


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
    assert "(estimate)" in screen  # an estimate says it is one
    shown = [int(m) for m in re.findall(r"~(\d+) % \(estimate\)|(?<=\] )(100) %", screen) for m in m if m]
    assert shown == sorted(shown) and shown[-1] == 100  # never backwards, and it ends full
    # Small steps (the bar moves 5 % a redraw at most), also at the end: no 37 -> 74 -> 100.
    assert max(b - a for a, b in itertools.pairwise(shown)) <= 10, shown
    assert len([p for p in shown if p >= 50]) >= 5  # the last half is drawn, not leapt
