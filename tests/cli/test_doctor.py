"""`veo doctor`: free checks against the emulator, one line each, and nothing generated."""

from __future__ import annotations

import pytest

from veo_widgets.cli._main import main
from veo_widgets.emulator import Emulator

pytestmark = pytest.mark.timeout(120)


def test_doctor_with_a_key_is_all_ok_and_generates_nothing(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIMLAPI_KEY", emulator.api_key)
    monkeypatch.setenv("AIMLAPI_BASE_URL", emulator.url)
    before = emulator.stats
    assert main(["doctor"]) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    names = [line.split()[1].rstrip(":") for line in lines]
    assert names == ["key", "balance", "catalogue", "prices", "schemas", "logs", "clock", "versions"]
    assert all(line.startswith("ok ") for line in lines), out.out
    assert "echoed our X-Client-Request-Id" in out.out and "0 failed, 0 warnings" in out.err
    after = emulator.stats
    assert (after.creates, after.create_attempts) == (before.creates, before.create_attempts)  # nothing sent
    assert emulator.api_key not in out.out + out.err


def test_doctor_says_what_to_do_when_the_key_is_refused(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIMLAPI_KEY", "not-the-key")
    monkeypatch.setenv("AIMLAPI_BASE_URL", emulator.url)
    assert main(["doctor"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("fail  key: refused (401)") and "AIMLAPI_KEY" in lines[0]
    assert any(line.startswith("ok    catalogue") for line in lines)  # the catalogue needs no key


def test_doctor_without_a_key_says_how_to_set_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AIMLAPI_KEY", "AIML_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert main(["doctor"]) == 1
    assert "set AIMLAPI_KEY" in capsys.readouterr().out
