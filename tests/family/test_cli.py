"""Issue 13's "Done means" from the ``veo`` command: ``veo generate --model NAME`` with the
mode's flags saves a playable video for every model of the family; a flag the model does
not take is refused before anything is sent; ``veo models`` lists the family in 80 columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import veo_widgets as veo
import veo_widgets.cli._main as cli
from veo_widgets.cli._main import main
from veo_widgets.emulator import Emulator
from veo_widgets.journal._store import Journal

from ..conftest import QUICK_POLLS
from ..helpers import use_emulator
from .cases import (
    FAMILY,
    FORBIDDEN,
    assert_playable,
    case_id,
    cli_args,
    forbidden_id,
    nothing_reached,
    spec_of,
    surface_cases,
)

pytestmark = pytest.mark.timeout(300)

CASES = surface_cases("cli")


@pytest.fixture
def keyed(session_emulator: Emulator, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A shell with a key for the emulator and the module's journal (the base clip's); the
    command's client polls quickly (the emulator's sub-second timings are not believed)."""
    use_emulator(monkeypatch, session_emulator)
    monkeypatch.setenv("VEO_HOME", str(home / "home"))
    monkeypatch.setattr(cli, "Client", lambda **kw: veo.Client(schedule=QUICK_POLLS, **kw))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_cli_generates_a_playable_video_for_every_model(
    keyed: None, files: dict[str, Path], base: veo.Job, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    case: tuple[str, str],
) -> None:  # fmt: skip
    short, mode = case
    out = tmp_path / "clip.mp4"
    video = base.id[:8] if short == "veo-3.1-extend" else str(files["clip"])  # a job's id prefix, or an MP4
    code = main([*cli_args(short, mode, files, video), "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"saved: {out}" in captured.out
    assert_playable(out, short, mode, "cli")
    job = Journal().find(captured.out.split("job:")[1].split()[0])
    assert job is not None and job.model == spec_of(short).id
    if short == "veo-3.1-extend":  # `veo generate --extend ID`: the new job remembers it
        assert (job.parent_id, job.relation) == (base.id, "extend")


def test_veo_models_lists_each_model_with_its_mode_lengths_sizes_and_price_in_80_columns(
    keyed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "mode", "durations", "resolutions", "price"], lines[0]
    assert max(len(line) for line in lines) <= 80, "\n".join(lines)
    for spec in FAMILY:
        row = next((line for line in lines if line.split()[:1] == [spec.short]), None)
        assert row is not None, spec.short
        assert row.split()[1] == spec.mode, row
        assert "/".join(str(d) for d in spec.durations) + " s" in row, row
        assert (row.split()[-2] if spec.resolutions else "-") == ("/".join(spec.resolutions) or "-"), row
        price = row.split()[-1]
        assert price == "unknown" or float(price.removeprefix("$")) > 0, row
    assert any(line.startswith("price:") for line in lines)


def test_veo_models_wide_adds_each_models_inputs_and_id(keyed: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--wide"]) == 0
    out = capsys.readouterr().out
    for spec in FAMILY:
        row = next(line for line in out.splitlines() if line.split()[:1] == [spec.short])
        words = row.replace(",", " ").replace("?", " ").split()
        assert spec.id in words and all(i.name in words for i in spec.inputs), row
        assert ("image" in words) == (spec.input("image") is not None), row  # no image for text models


@pytest.mark.parametrize("case", FORBIDDEN, ids=forbidden_id)
def test_cli_refuses_what_the_model_forbids_and_sends_nothing(
    sentry: Emulator, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], case: tuple[str, str, dict[str, Any], str],
) -> None:  # fmt: skip
    short, mode, options, field = case
    use_emulator(monkeypatch, sentry)
    assert main(cli_args(short, mode, files, str(files["clip"]), options)) == 2  # bad input: usage
    err = capsys.readouterr().err
    assert "ValidationError" in err and field in err, err
    assert "Traceback" not in err
    nothing_reached(sentry)
