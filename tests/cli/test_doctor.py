"""`veo doctor`: free checks against the emulator, one line each, and nothing generated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.cli._main import main
from veo_widgets.emulator import Emulator

from ..conftest import FAST, QUICK_POLLS
from ..helpers import use_emulator

pytestmark = pytest.mark.timeout(120)


def test_doctor_with_a_key_is_all_ok_and_generates_nothing(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_emulator(monkeypatch, emulator)
    before = emulator.stats
    assert main(["doctor"]) == 0
    out = capsys.readouterr()
    lines = out.out.splitlines()
    names = [line.split()[1].rstrip(":") for line in lines]
    assert names == ["key", "balance", "catalogue", "prices", "schemas", "charges", "logs", "clock", "versions"]
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


def test_doctor_says_when_charges_and_the_catalogue_differ_by_more_than_20_percent(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], image_file: Path
) -> None:
    with Emulator(timing=0.5, seed=4, charge_factor=1.5) as overcharging:  # bills 50 % over its catalogue
        use_emulator(monkeypatch, overcharging)
        assert main(["doctor"]) == 0
        assert "ok    charges: no job charged here yet" in capsys.readouterr().out
        with veo.Client(overcharging.api_key, overcharging.url, schedule=QUICK_POLLS) as client:
            client.generate_many([{"prompt": f"take {n}", "image": image_file, **FAST} for n in range(3)])
        assert main(["doctor"]) == 0  # a warning, not a failure
        out = capsys.readouterr()
        (line,) = [line for line in out.out.splitlines() if "charges:" in line]
        assert line.startswith("warn  charges: google/veo-3.0-i2v-fast") and "over your last 3 jobs" in line
        assert "(+50 %)" in line and "-> estimates and the budget use what was charged" in line
        assert "0 failed, 1 warnings" in out.err


def test_doctor_counts_settings_charged_as_the_catalogue_says(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], image_file: Path
) -> None:
    use_emulator(monkeypatch, emulator)
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
        client.generate("as listed", image_file, **FAST)
    assert main(["doctor"]) == 0
    assert "ok    charges: 1 setting charged within 20 % of the catalogue" in capsys.readouterr().out


def test_doctor_live_sends_one_generation_and_writes_one_line_per_open_question(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    use_emulator(monkeypatch, emulator)
    before = emulator.stats
    assert main(["doctor", "--live", "--budget", "1"]) == 0
    out = capsys.readouterr()
    after = emulator.stats
    assert (after.creates - before.creates, after.create_attempts - before.create_attempts) == (1, 1)
    reports = sorted((tmp_path / "home" / "doctor").glob("doctor-*.json"))
    assert len(reports) == 1 and str(reports[0]) in out.out
    data = json.loads(reports[0].read_text())
    questions = data["questions"]
    assert [q["number"] for q in questions] == list(range(1, 12))  # API.md's 11 open questions, in order
    assert len({q["id"] for q in questions}) == 11 and all(q["seen"] for q in questions)
    markdown = reports[0].with_suffix(".md").read_text()
    for q in questions:  # one line each, in the text a person reads and in the terminal
        assert sum(f" {q['id']} " in line for line in markdown.splitlines()) == 1
        assert sum(f" {q['id']} " in line for line in out.out.splitlines()) == 1
    live = data["live"]
    assert live["statuses_seen"][-1] == "completed" and live["job"]["outcome"] == "completed"
    assert "x-aimlapi-usd-spent" in live["create"]["headers"]
    assert live["logs"]["appeared_after_create_s"] is not None
    assert live["link"]["seconds"] == 600 and live["link"]["source"] == "x-amz-expires"
    assert live["clock_skew_s"] is not None
    assert Path(live["job"]["saved_to"]).is_file()
    job = veo.Journal().find(live["job"]["id"])  # findable again, as every paid job
    assert job is not None and job.ok
    text = reports[0].read_text() + markdown + out.out + out.err
    assert emulator.api_key not in text and "X-Amz-Signature=REDACTED" in text


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["doctor", "--live", "--budget", "0.1"], "nothing was sent"),
        (["doctor", "--live"], "--budget"),
    ],
    ids=["budget too small", "no budget"],
)
def test_doctor_live_refuses_before_sending(
    argv: list[str],
    says: str,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    use_emulator(monkeypatch, emulator)
    before = emulator.stats
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err.splitlines()[-1] and "Traceback" not in err
    after = emulator.stats
    assert (after.creates, after.create_attempts) == (before.creates, before.create_attempts)
    assert not (tmp_path / "home" / "doctor").exists() or not any((tmp_path / "home" / "doctor").iterdir())
