"""``python -m veo_widgets.emulator``: a setting it cannot honour is refused before it listens."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from veo_widgets.emulator import Emulator
from veo_widgets.emulator.__main__ import add_arguments, apply_schemas, main
from veo_widgets.schema._openapi import find_entry, openapi_document


def test_a_bad_status_spelling_or_fault_is_refused_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--port", "0", "--status", "done=succeeded"]) == 2
    assert "'done' is not a state" in capsys.readouterr().err
    assert main(["--port", "0", "--status", "completed=failed"]) == 2
    assert "spells another state" in capsys.readouterr().err
    assert main(["--port", "0", "--fault", "gremlins"]) == 2


def test_links_expire_after_ten_minutes_unless_told_otherwise() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args([]).result_ttl == 600
    assert parser.parse_args(["--result-ttl", "2", "--status", "completed=succeeded"]).status == ["completed=succeeded"]


def test_model_schemas_from_files_change_a_model_or_add_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entry = find_entry("google/veo3")
    assert entry is not None
    changed = json.loads(json.dumps(entry["schema"]))
    changed["properties"]["duration"]["enum"] = [8, 10]
    added = json.loads(json.dumps(entry["schema"]))
    added["properties"]["model"]["enum"] = ["google/veo-4"]
    (tmp_path / "veo3.json").write_text(json.dumps(openapi_document(changed)))  # a whole OpenAPI file
    (tmp_path / "veo4.json").write_text(json.dumps(added))  # or the request schema alone
    with Emulator(timing=0.3, draft=True) as emu:
        assert apply_schemas(emu, [str(tmp_path / "veo3.json"), str(tmp_path / "veo4.json")]) is None
        assert emu.app.family.find("google/veo3").durations == (8, 10)  # type: ignore[union-attr]
        assert emu.app.family.added == ("google/veo-4",)
    (tmp_path / "bad.json").write_text("{}")
    assert main(["--port", "0", "--model-schema", str(tmp_path / "bad.json")]) == 2
    assert "holds no video create schema" in capsys.readouterr().err


def test_a_port_past_65535_or_a_negative_job_length_is_refused_by_the_parser(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv in (["--port", "70000"], ["--port", "-1"], ["--seconds", "-1"], ["--seconds", "soon"]):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        err = capsys.readouterr().err
        assert stopped.value.code == 2 and argv[1] in err and "Traceback" not in err


def test_a_state_folder_it_cannot_make_is_named_as_such(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("not a folder")
    assert main(["--port", "0", "--state-dir", str(tmp_path / "file" / "state")]) == 2
    err = capsys.readouterr().err
    assert "as the state folder" in err and "cannot listen" not in err
