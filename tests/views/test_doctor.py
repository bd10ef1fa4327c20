"""`%veo doctor`: the same free checks as `veo doctor`, in a notebook, nothing generated."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from veo_widgets.emulator import Emulator

from ..helpers import run

pytestmark = pytest.mark.timeout(120)


def test_veo_doctor_in_a_notebook_is_all_ok(
    ip: InteractiveShell, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMLAPI_KEY", emulator.api_key)
    monkeypatch.setenv("AIMLAPI_BASE_URL", emulator.url)
    before = emulator.stats.create_attempts
    with capture_output() as shown:
        run(ip, "%veo doctor")
    lines = shown.stdout.splitlines()
    assert lines[-1] == "0 failed, 0 warnings, 9 ok", shown.stdout
    assert all(line.startswith("ok ") for line in lines[:-1]) and emulator.stats.create_attempts == before
