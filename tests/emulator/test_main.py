"""``python -m veo_widgets.emulator``: a setting it cannot honour is refused before it listens."""

from __future__ import annotations

import argparse

import pytest

from veo_widgets.emulator.__main__ import add_arguments, main


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
