"""`%veo doctor`: the same free checks as `veo doctor`, in a notebook, nothing generated."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from veo_widgets.emulator import Emulator

from ..helpers import run, use_emulator

pytestmark = pytest.mark.timeout(120)


def test_veo_doctor_in_a_notebook_is_all_ok(
    ip: InteractiveShell, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator(monkeypatch, emulator)
    before = emulator.stats.create_attempts
    with capture_output() as shown:
        run(ip, "%veo doctor")
    lines = shown.stdout.splitlines()
    assert lines[-1] == "0 failed, 0 warnings, 9 ok", shown.stdout
    assert all(line.startswith("ok ") for line in lines[:-1]) and emulator.stats.create_attempts == before


def test_veo_doctor_live_in_a_notebook_sends_one_and_reports_each_question(
    ip: InteractiveShell, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator(monkeypatch, emulator)
    before = emulator.stats.create_attempts
    with capture_output() as shown:
        run(ip, "%veo doctor --live --budget 1")
    assert emulator.stats.create_attempts == before + 1
    lines = shown.stdout.splitlines()
    assert [line.split()[0] for line in lines if line.startswith("Q")] == [f"Q{n}" for n in range(1, 12)]
    assert any(line.startswith("report: ") and line.endswith(".md") for line in lines)


def test_veo_doctor_live_over_budget_is_a_usage_error_and_sends_nothing(
    ip: InteractiveShell, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator(monkeypatch, emulator)
    before = emulator.stats.create_attempts
    with capture_output():
        result = ip.run_cell("%veo doctor --live --budget 0.05")
    assert isinstance(result.error_in_exec, UsageError) and "nothing was sent" in str(result.error_in_exec)
    assert emulator.stats.create_attempts == before
