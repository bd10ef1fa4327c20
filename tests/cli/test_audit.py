"""`veo audit` and `veo spend` against an emulator named by AIMLAPI_BASE_URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

import veo_widgets as veo
from veo_widgets.cli._main import main
from veo_widgets.emulator import Emulator

from ..conftest import FAST, QUICK_POLLS
from ..helpers import EXAMPLE, until, use_emulator

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def account() -> Iterator[Emulator]:
    with Emulator(timing=0.5, seed=12) as emu:
        yield emu


@pytest.fixture
def emu(account: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    use_emulator(monkeypatch, account)
    return account


def test_a_clean_account_exits_0_and_findings_exit_1(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    since = datetime.now(timezone.utc).isoformat()
    with veo.Client(emu.api_key, emu.url, schedule=QUICK_POLLS) as client:
        job = client.generate("cli audit", EXAMPLE, **FAST)
    assert main(["audit", "--since", since]) == 0
    out = capsys.readouterr().out
    assert "charged $1.68 in 1 charge" in out and "Nothing to do" in out
    other = emu.charge_elsewhere()
    until(lambda: any(e.reference_id == other for e in emu.ledger.charges()))
    assert main(["audit", "--since", since, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["kind"], f["generation_id"], f["action"]) for f in report["findings"]] == [
        ("charged_unknown", other, "adopt")
    ]
    charged = sum(e.usd for e in emu.ledger.charges() if e.reference_id in (job.id, other))
    assert report["summary"]["charged_usd"] == pytest.approx(charged)


def test_a_clean_run_of_ten_jobs_is_0_findings_and_the_ledger_s_totals(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    since = datetime.now(timezone.utc).isoformat()
    with veo.Client(emu.api_key, emu.url, schedule=QUICK_POLLS) as client:
        jobs = client.generate_many([{"prompt": f"clean {n}", "image": EXAMPLE, **FAST} for n in range(10)])
    ours = {job.id for job in jobs}
    until(lambda: len([e for e in emu.ledger.charges() if e.reference_id in ours]) == 10)
    assert main(["audit", "--since", since, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    ledger = [e.usd for e in emu.ledger.charges() if e.reference_id in ours]
    assert report["findings"] == [] and report["summary"]["charges"] == 10
    assert report["summary"]["charged_usd"] == pytest.approx(sum(ledger))
    assert report["summary"]["delivered"] == 10 and report["summary"]["delivered_usd"] == pytest.approx(sum(ledger))
    assert main(["audit", "--since", since]) == 0
    assert f"charged ${sum(ledger):.2f} in 10 charges; 10 jobs delivered" in capsys.readouterr().out


def test_a_bad_since_is_refused_by_the_parser(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["audit", "--since", "last tuesday"])
    assert stopped.value.code == 2 and "7d" in capsys.readouterr().err


def test_spend_draws_the_days_with_the_budget(
    emu: Emulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEO_BUDGET_USD", "50")
    with veo.Client(emu.api_key, emu.url, schedule=QUICK_POLLS) as client:
        client.generate("cli spend", EXAMPLE, **FAST)
    assert main(["spend", "--days", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "budget $50.00/day: |" in lines[0] and len(lines) == 7  # a title, 5 days, a legend
    today = datetime.now(timezone.utc).date().isoformat()
    assert lines[5].startswith(today) and "█" in lines[5] and "|" in lines[5]
    assert main(["spend", "--by", "model", "--json"]) == 0
    totals = json.loads(capsys.readouterr().out)["totals"]
    assert totals[0]["key"] == "google/veo-3.0-i2v-fast" and totals[0]["usd"] > 0


def test_spend_over_zero_days_is_refused_not_read_as_the_default(
    emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["spend", "--days", "0"]) == 2
    err = capsys.readouterr().err
    assert "1 to 92 days" in err and "not 0" in err and "Traceback" not in err
