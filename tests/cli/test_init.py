"""The ``veo`` command as a person runs it, pressing Ctrl-C before it has even loaded: while
the package and its dependencies import (issue 21: that still printed a traceback)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[2]

#: On ``PYTHONPATH`` in a temporary folder, so only the ``veo`` process under test loads it:
#: when the module named by ``VEO_TEST_HOLD_IMPORT`` is first imported, it says so on stdout
#: and holds that import until a signal arrives (SIGINT's KeyboardInterrupt is raised from
#: here, in the middle of the import, as when a person presses Ctrl-C at that moment).
HOLD = """
import os, sys, time

class _Hold:
    def find_spec(self, name, path=None, target=None):
        if name != os.environ.get("VEO_TEST_HOLD_IMPORT"):
            return None
        sys.meta_path.remove(self)
        print("importing", name, flush=True)
        while True:  # until the test's SIGINT; short naps, so a signal that came early still lands
            time.sleep(0.05)

sys.meta_path.insert(0, _Hold())
"""


def veo_command() -> str:
    """The installed ``veo`` script, the one a person's shell runs."""
    found = Path(sys.executable).with_name("veo")
    command = str(found) if found.exists() else shutil.which("veo")
    assert command, "the veo command is not installed: pip install -e ."
    return command


@pytest.mark.parametrize(
    "module",
    [
        "veo_widgets.cli._main",  # the command itself
        "veo_widgets.client._client",  # the client under it
        "httpx",  # a dependency: the HTTP stack
        "sqlite3",  # the standard library: the journal's database
    ],
)
def test_ctrl_c_while_veo_imports_is_one_line_and_exit_code_130(tmp_path: Path, module: str) -> None:
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(HOLD)
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(hooks), str(ROOT)]),  # this checkout's veo_widgets
        VEO_TEST_HOLD_IMPORT=module,
        VEO_HOME=str(tmp_path / "home"),
    )
    proc = subprocess.Popen(
        [veo_command(), "--version"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == f"importing {module}"  # it is importing now
        proc.send_signal(signal.SIGINT)  # Ctrl-C, as the terminal sends it
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert err.strip().splitlines() == ["veo: interrupted"]
    assert out == ""  # it stopped there: no version printed


def test_the_veo_command_runs_when_nothing_interrupts_it(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), VEO_HOME=str(tmp_path / "home"))
    done = subprocess.run([veo_command(), "--version"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("veo "), done.stderr
