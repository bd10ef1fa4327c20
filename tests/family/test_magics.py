"""Issue 13's "Done means" in ``%%veo``: every model of the family, by its short name, with
its mode's flags, in a real IPython shell, ends with a video shown in the cell and saved; a
flag the model does not take is refused before anything is sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from PIL import Image

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.notebook.magics import VeoMagics

from ..helpers import use_emulator
from .cases import (
    FAMILY,
    FORBIDDEN,
    PROMPT,
    assert_playable,
    case_id,
    cell_line,
    forbidden_id,
    nothing_reached,
    spec_of,
    surface_cases,
)

pytestmark = pytest.mark.timeout(300)

CASES = surface_cases("magics")


@pytest.fixture
def ip(
    shell: InteractiveShell, session_emulator: Emulator, family_client: veo.Client, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InteractiveShell]:
    """``%load_ext veo_widgets`` with a key for the emulator in the environment."""
    use_emulator(monkeypatch, session_emulator)
    shell.run_line_magic("load_ext", "veo_widgets")
    magics = next(c for c in shell.configurables if isinstance(c, VeoMagics))
    # The module's client: the same emulator, and quick polls (a fresh journal would start
    # from a 60 s guess, as the emulator's sub-second timings are not believed).
    magics.client = family_client
    yield shell
    magics.client = None  # shared: not the magics' to close
    shell.run_line_magic("unload_ext", "veo_widgets")
    for name in ("first", "last", "base", "clip", "_"):
        shell.user_ns.pop(name, None)


def inputs(ip: InteractiveShell, files: dict[str, Path], base: veo.Job) -> None:
    """The variables a notebook would hold: a PIL image, PNG bytes, a Job and a file path."""
    ip.user_ns.update(
        first=Image.open(files["first"]), last=files["last"].read_bytes(), base=base, clip=str(files["clip"])
    )


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cell_magic_generates_a_playable_video_for_every_model(
    ip: InteractiveShell, files: dict[str, Path], base: veo.Job, tmp_path: Path, case: tuple[str, str]
) -> None:
    short, mode = case
    inputs(ip, files, base)
    video = "{base}" if short == "veo-3.1-extend" else "{clip}"  # a finished Job, or a local MP4
    with capture_output() as cap:
        job = ip.run_cell_magic("veo", cell_line(short, mode, video=video) + f" --out {tmp_path}", PROMPT)
    assert isinstance(job, veo.Job), cap.stderr
    assert job.ok and job.model == spec_of(short).id
    assert_playable(job.path, short, mode, "magics")
    shown = "".join(o.data.get("text/html", "") for o in cap.outputs)
    assert "<video" in shown and f"saved: {job.path}" in cap.stdout
    if short == "veo-3.1-extend":
        assert (job.parent_id, job.relation) == (base.id, "extend")


def test_percent_veo_models_lists_the_family(ip: InteractiveShell) -> None:
    with capture_output() as cap:
        shown = ip.run_line_magic("veo", "models")
    text = cap.stdout + "".join(o.data.get("text/plain", "") + o.data.get("text/html", "") for o in cap.outputs)
    text += repr(shown) if shown is not None else ""
    for spec in FAMILY:
        assert spec.short in text, spec.short


@pytest.mark.parametrize("case", FORBIDDEN, ids=forbidden_id)
def test_cell_magic_refuses_what_the_model_forbids_and_sends_nothing(
    shell: InteractiveShell, sentry: Emulator, base: veo.Job, files: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch, case: tuple[str, str, dict[str, Any], str],
) -> None:  # fmt: skip
    short, mode, options, field = case
    use_emulator(monkeypatch, sentry)
    shell.run_line_magic("load_ext", "veo_widgets")
    try:
        inputs(shell, files, base)
        line = cell_line(short, mode, options)
        with capture_output(), pytest.raises(UsageError) as caught:
            shell.run_cell_magic("veo", line, PROMPT)
        message = str(caught.value)
        assert "%%veo" in message and "Traceback" not in message
        assert field.replace("_", " ") in message or field in message, message
    finally:
        shell.run_line_magic("unload_ext", "veo_widgets")
        for name in ("first", "last", "base", "clip"):
            shell.user_ns.pop(name, None)
    nothing_reached(sentry)
