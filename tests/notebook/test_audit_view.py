"""The Audit view and `%veo audit`: totals, a button per fixable finding, the spend chart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import ipywidgets as w
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.notebook._audit_view import AuditView
from veo_widgets.notebook._parsers import AuditArgs, parse_line

from ..conftest import FAST, QUICK_POLLS
from ..helpers import magics_of, shown_html, until

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def account() -> Iterator[Emulator]:
    with Emulator(timing=0.5, seed=13) as emu:
        yield emu


@pytest.fixture
def client(account: Emulator) -> Iterator[veo.Client]:
    with veo.Client(account.api_key, account.url, schedule=QUICK_POLLS, budget_usd=25.0) as made:
        yield made


def buttons(view: w.Widget) -> list[w.Button]:
    found = [view] if isinstance(view, w.Button) else []
    for child in getattr(view, "children", ()):
        found += buttons(child)
    return found


def test_nothing_wrong_means_nothing_to_click(client: veo.Client, image_file: Path) -> None:
    since = datetime.now(timezone.utc)
    client.generate("all well", image_file, **FAST)
    view = AuditView(client, since=since)
    shown = shown_html(view)
    assert buttons(view) == [] and "Nothing to do" in shown and "1 job delivered" in shown
    assert "<svg" in view.chart.value and "budget $25.00/day" in view.chart.value


def test_a_lost_file_gets_a_download_button_that_mends_it(client: veo.Client, image_file: Path) -> None:
    since = datetime.now(timezone.utc)
    job = client.generate("lost file", image_file, **FAST)
    assert job.path is not None
    job.path.unlink()
    view = AuditView(client, since=since, chart=False)
    (button,) = buttons(view)
    assert button.description == "Download again" and "charged not saved" in shown_html(view)
    button.click()
    until(lambda: "data-done" in shown_html(view), 60)
    assert job.path.is_file() and button.disabled
    assert buttons(AuditView(client, since=since, chart=False)) == []


def test_a_refund_is_words_not_a_button(account: Emulator, client: veo.Client, image_file: Path) -> None:
    since = datetime.now(timezone.utc)
    account.add_fault("charge_failed")
    with pytest.raises(veo.GenerationFailedError):
        client.generate("billed anyway", image_file, **FAST)
    until(lambda: AuditView(client, since=since, chart=False).audit.findings != (), 60)
    view = AuditView(client, since=since, chart=False)
    assert buttons(view) == [] and "refund" in shown_html(view)


def test_percent_veo_audit_shows_the_view(
    shell: InteractiveShell, client: veo.Client, capsys: pytest.CaptureFixture[str]
) -> None:
    assert parse_line("audit --since 7d") == ("audit", AuditArgs("7d"))
    with pytest.raises(UsageError):
        parse_line("audit yesterday")
    shell.extension_manager.load_extension("veo_widgets")
    try:
        magics_of(shell).client = client
        since = datetime.now(timezone.utc).isoformat()
        view = shell.run_line_magic("veo", f"audit --since {since}")
        assert isinstance(view, AuditView), capsys.readouterr().err
        assert view.audit.ok, view.audit.describe()
    finally:
        shell.extension_manager.unload_extension("veo_widgets")
