"""The notebooks as a person gets them: each ``notebooks/*.ipynb`` copied alone into an empty
folder outside the repository and run top to bottom under nbval, in demo mode, with a private
journal and output folder. A notebook that reads ``../examples/...`` (or anything else
beside it in the checkout) fails here.

nbval runs in a child ``pytest`` whose working folder is that empty one, so no ini file or
conftest of this repository applies to it; its kernels import the tree under test
(``PYTHONPATH``). A canary notebook run the same way proves both: its first cell checks where
``veo_widgets`` comes from, its second reads ``../examples`` and must fail.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from .servers import ROOT, tree_env

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(900)]

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CANARY = "zz_canary.ipynb"
#: The canary's cell that must fail (nbval numbers cells from 0).
CANARY_FAILS = f"{CANARY}::Cell 1"


def canary() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import os, veo_widgets\n"
            "assert veo_widgets.__file__.startswith(os.environ['VEO_TREE_UNDER_TEST']), veo_widgets.__file__"
        ),
        nbformat.v4.new_code_cell("open('../examples/lighthouse.jpg', 'rb').read()"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


#: Terminal colours in nbval's tracebacks (the XML writer keeps ESC as ``#x1B``).
COLOUR = re.compile(r"(?:\x1b|#x1B)\[[0-9;]*m")


def failures(report: Path) -> dict[str, str]:
    """``{"quickstart.ipynb::Cell 3": "the end of its traceback"}`` from nbval's JUnit XML."""
    found: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        for problem in (*case.iter("failure"), *case.iter("error")):
            text = COLOUR.sub("", (problem.get("message") or "") + "\n" + (problem.text or ""))
            found[f"{case.get('classname')}::{case.get('name')}"] = "\n".join(text.strip().splitlines()[-12:])
    return found


def nbval(tmp_path: Path, notebook: str, write: Callable[[Path], object]) -> tuple[dict[str, str], str, Path]:
    """Run ``notebook`` (put in an empty folder by ``write(path)``) under nbval as a person
    gets it: demo mode, a private journal and output folder, the tree under test imported.
    Returns the failing cells, nbval's output and its JUnit report."""
    folder = tmp_path / "anywhere"
    folder.mkdir()
    write(folder / notebook)  # the notebook alone: no conftest, no examples, no package beside it
    home = tmp_path / "veo_home"
    env = tree_env(
        # What notebooks/conftest.py gives them in place: demo mode, a private journal and
        # output folder, short demo jobs.
        VEO_HOME=str(home),
        VEO_OUTPUT_DIR=str(home / "out"),
        VEO_DEMO_SECONDS="2",
        VEO_TREE_UNDER_TEST=str(ROOT),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )
    report = tmp_path / "nbval.xml"
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval-lax",
        "--nbval-cell-timeout=300",
        # A kernel starts in seconds, but on CI's loaded two cores (browsers beside it) once
        # took past nbval's default minute: wait for it as long as for a cell.
        "--nbval-kernel-startup-timeout=300",
        "-p",
        "no:cacheprovider",
        f"--rootdir={folder}",
        f"--confcutdir={folder}",
        f"--junitxml={report}",
        "-q",
        "--tb=short",
        notebook,
    ]
    run = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, timeout=840)
    assert report.exists(), f"nbval did not run (exit {run.returncode}):\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    return failures(report), run.stdout, report


def test_the_copies_import_the_tree_under_test_and_see_nothing_of_the_checkout(tmp_path: Path) -> None:
    """The canary, run the way every notebook is: its first cell checks where veo_widgets
    comes from, its second reads ``../examples`` and must fail."""
    failed, _, _ = nbval(tmp_path, CANARY, lambda path: nbformat.write(canary(), path))
    assert CANARY_FAILS in failed, f"a notebook reading ../examples passed: the copies are not isolated ({failed})"
    assert "FileNotFoundError" in failed[CANARY_FAILS], failed[CANARY_FAILS]
    del failed[CANARY_FAILS]
    assert not failed, f"the canary's import check failed: {failed}"


@pytest.mark.parametrize("notebook", [p.name for p in NOTEBOOKS])
def test_every_notebook_runs_top_to_bottom_from_an_empty_folder(notebook: str, tmp_path: Path) -> None:
    """One nbval run per notebook, each in its own empty folder, so that the suite's workers
    run them side by side."""
    failed, output, report = nbval(tmp_path, notebook, lambda path: shutil.copy(ROOT / "notebooks" / notebook, path))
    assert not failed, "notebook cells that fail from an empty folder:\n\n" + "\n\n".join(
        f"--- {name}\n{text}" for name, text in sorted(failed.items())
    )
    cells = [case for case in ET.parse(report).getroot().iter("testcase") if notebook in (case.get("classname") or "")]
    assert cells, f"nbval ran no cell of {notebook}:\n{output[-2000:]}"
    # Every shipped notebook is about making videos: each run leaves at least one.
    assert list(tmp_path.rglob("*.mp4")), f"{notebook} made no video"
