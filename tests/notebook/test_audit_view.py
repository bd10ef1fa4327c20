"""The Audit view and `%veo audit`: totals, a button per fixable finding, the spend chart; and the
Audit button that opens it inline from the panel and from the gallery."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import ipywidgets as w
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.notebook._audit_view import AuditLauncher, AuditView
from veo_widgets.notebook._parsers import AuditArgs, parse_line
from veo_widgets.notebook.gallery._gallery import Gallery
from veo_widgets.notebook.panel._panel import Panel

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
    assert buttons(view) == [] and "No findings: 1 job delivered, $1.68 charged, all matched." in shown
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
    until(lambda: "data-done" in shown_html(view))
    assert job.path.is_file() and button.disabled
    assert buttons(AuditView(client, since=since, chart=False)) == []


def test_an_action_that_fails_says_why_and_can_be_tried_again(client: veo.Client, image_file: Path) -> None:
    since = datetime.now(timezone.utc)
    job = client.generate("lost, and its folder is now a file", image_file, save_to=image_file.parent / "clips", **FAST)
    assert job.path is not None
    shutil.rmtree(job.path.parent)
    job.path.parent.write_text("not a folder")  # the download cannot write where the file was
    view = AuditView(client, since=since, chart=False)
    (button,) = buttons(view)
    button.click()
    until(lambda: "veo-error" in shown_html(view))
    assert "Error" in shown_html(view) and not button.disabled  # said, and it can be tried again


def test_a_refund_is_words_not_a_button(account: Emulator, client: veo.Client, image_file: Path) -> None:
    since = datetime.now(timezone.utc)
    account.add_fault("charge_failed")
    with pytest.raises(veo.GenerationFailedError):
        client.generate("billed anyway", image_file, **FAST)
    until(lambda: AuditView(client, since=since, chart=False).audit.findings != ())
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


def opened(launcher: AuditLauncher, since: datetime) -> AuditView:
    """Click Audit (on the window since ``since``) and wait for the view it opens inline."""
    launcher.since = since
    assert launcher.button.description == "Audit" and launcher.host.children == ()
    launcher.button.click()  # returns at once: the audit runs on its own thread
    until(lambda: isinstance(launcher.view, AuditView) and not launcher.button.disabled)
    assert launcher.host.children == (launcher.view,) and launcher.button.description == "Close audit"
    assert launcher.view is not None
    return launcher.view


def test_the_panel_s_audit_button_opens_the_view_and_nothing_is_clickable_when_all_matched(
    account: Emulator, client: veo.Client, image_file: Path
) -> None:
    since = datetime.now(timezone.utc)
    job = client.generate("all well, from the panel", image_file, **FAST)
    panel = Panel(client=client)
    view = opened(panel.money.audit, since)
    shown = shown_html(panel.money.audit.host)
    (charge,) = [e.usd for e in account.ledger.charges() if e.reference_id == job.id]
    assert f"No findings: 1 job delivered, ${charge:.2f} charged, all matched." in shown
    assert buttons(panel.money.audit.host) == [] and "<svg" in view.chart.value
    panel.money.audit.button.click()  # clicked again: closed
    assert panel.money.audit.host.children == () and panel.money.audit.button.description == "Audit"


def test_the_gallery_s_audit_downloads_a_lost_file_again(client: veo.Client, image_file: Path) -> None:
    since = datetime.now(timezone.utc)
    job = client.generate("lost from the gallery", image_file, **FAST)
    assert job.path is not None
    job.path.unlink()
    gallery = Gallery(client)
    view = opened(gallery.audit, since)
    (button,) = buttons(gallery.audit.host)
    assert button.description == "Download again" and f"charged not saved</b> <code>{job.id}" in shown_html(view)
    button.click()
    until(lambda: "data-done" in shown_html(view))
    assert job.path.is_file() and f"saved {job.path}" in shown_html(view) and button.disabled
    gallery.audit.button.click()  # closed, then opened again: nothing left to do
    assert "No findings: 1 job delivered" in shown_html(opened(gallery.audit, since))
    assert buttons(gallery.audit.host) == []


def test_adopt_journals_and_saves_a_generation_made_elsewhere(account: Emulator, client: veo.Client) -> None:
    since = datetime.now(timezone.utc)
    other = account.charge_elsewhere()
    until(lambda: any(e.reference_id == other for e in account.ledger.charges()))
    assert client.journal.find(other) is None
    view = opened(AuditLauncher(lambda: client), since)
    (button,) = buttons(view)
    assert button.description == "Adopt" and f"charged unknown</b> <code>{other}" in shown_html(view)
    button.click()
    until(lambda: "data-done" in shown_html(view))
    adopted = client.journal.find(other)
    assert adopted is not None and adopted.path is not None and adopted.path.is_file()
    assert f"saved {adopted.path}" in shown_html(view)
    assert client.audit(since).ok


def test_reconcile_settles_an_unconfirmed_create_from_the_view(client: veo.Client) -> None:
    since = datetime.now(timezone.utc)
    client.journal.record_submission(
        "veo-never-sent", base_url=client.base_url, demo=False, request={"model": "veo3", "prompt": "lost"}
    )
    view = opened(AuditLauncher(lambda: client), since)
    (button,) = buttons(view)
    assert button.description == "Reconcile" and "unconfirmed</b> <code>veo-never-sent" in shown_html(view)
    client.logs_final_after = 0.0  # the logs are final for it now: a look-up settles it
    button.click()
    until(lambda: "data-done" in shown_html(view))
    assert "never reached the API" in shown_html(view) and client.journal.unconfirmed() == []
    assert client.audit(since).ok


def test_an_audit_that_cannot_be_made_says_why_in_one_line(account: Emulator) -> None:
    with veo.Client(None, account.url) as keyless:
        launcher = AuditLauncher(lambda: keyless)
        launcher.button.click()
        until(lambda: not launcher.button.disabled and launcher.host.children)
        assert "veo-error" in shown_html(launcher.host) and "set an API key" in shown_html(launcher.host)
        assert launcher.view is None
