"""The panel's lost creates: its own session's listed with a Reconcile button each, older ones
(another panel's, another process's) as one line with a count, Show and Reconcile all."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import ipywidgets as w
import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.notebook.panel._panel import Panel
from veo_widgets.schema._models import DEFAULT_MODEL

from ...conftest import FAST, QUICK_POLLS
from ...helpers import make, shown_html, until

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def account() -> Iterator[Emulator]:
    with Emulator(timing=0.5, seed=21) as emu:
        yield emu


@pytest.fixture
def client(account: Emulator) -> Iterator[veo.Client]:
    account.clear_faults()
    with veo.Client(account.api_key, account.url, schedule=QUICK_POLLS) as made:
        made.on_notice = lambda text: None
        yield made
    account.clear_faults()
    account.log_lag = 0.0


def lost_elsewhere(client: veo.Client, crid: str) -> None:
    """A create another process sent whose answer was lost (as `veo batch` left eight)."""
    client.journal.record_submission(
        crid, base_url=client.base_url, demo=False, request={"model": DEFAULT_MODEL, "prompt": "elsewhere"}
    )


def texts(box: w.Widget) -> str:
    return shown_html(box)


def reconcile_button(row: w.Widget) -> w.Button:
    (button,) = [c for c in row.children[0].children if isinstance(c, w.Button)]
    return button


def test_a_panel_lists_its_own_lost_create_and_only_counts_older_ones(
    account: Emulator, client: veo.Client, image_file: Path
) -> None:
    lost_elsewhere(client, "veo-batch-row-1")
    lost_elsewhere(client, "veo-batch-row-2")
    panel = make(client, image_file)
    money = panel.money.unconfirmed
    assert money.rows.children == () and "veo-batch-row" not in texts(money.rows)
    assert "2 older unconfirmed creates" in money.older_count.value and money.older.layout.display is None
    assert money.older_rows.children == ()  # counted, not listed, until asked

    # This panel's own create loses its answer: it is listed, with its own Reconcile button.
    account.log_lag = 3.0  # its usage-log row appears 3 s after the create
    account.add_fault("502", endpoint="create", times=1)
    client.reconcile_timeout = 0.2
    panel.generate_button.click()
    until(lambda: panel.status == "error" and money.rows.children)
    (row,) = money.rows.children
    crid = panel.cards[0].run.client_request_id
    assert f"create {crid}: the answer was lost" in texts(row) and reconcile_button(row).description == "Reconcile"
    assert "2 older unconfirmed creates" in money.older_count.value  # still only counted

    # Show lists the older ones, each with its own Reconcile; Hide folds them again.
    money.show_older.click()
    assert money.show_older.description == "Hide"
    assert [reconcile_button(r).description for r in money.older_rows.children] == ["Reconcile", "Reconcile"]
    assert "veo-batch-row-1" in texts(money.older_rows) and "veo-batch-row-2" in texts(money.older_rows)

    # Reconcile all settles the older ones at once: the logs, final, never saw them.
    client.logs_final_after = 0.0
    money.reconcile_older.click()
    until(lambda: "never reached the API" in money.older_result.value and money.older.layout.display == "none")
    assert money.older_result.value.count("never reached the API") == 2
    assert [j.client_request_id for j in client.journal.unconfirmed()] == [crid]  # the panel's own is left as it was

    # The panel's own row, looked up once its logs row is there: found and journaled.
    until(lambda: time.time() > account.app.logs.rows()[-1].visible_at)
    reconcile_button(row).click()
    until(lambda: "recovered" in texts(row))
    (job,) = [j for j in account.app.jobs.all() if j.client_request_id == crid]
    assert client.journal.find(crid).id == job.id  # type: ignore[union-attr]


def test_another_panel_s_lost_create_is_an_older_one_here(client: veo.Client, image_file: Path) -> None:
    job = client.generate("waves roll in", image_file, **FAST)
    with sqlite3.connect(client.journal.path) as db:  # as if the create's answer never arrived
        db.execute(
            "UPDATE jobs SET job_id = NULL, state = 'unconfirmed' WHERE client_request_id = ?", (job.client_request_id,)
        )
    panel = Panel(client=client)
    money = panel.money.unconfirmed
    assert money.rows.children == () and "1 older unconfirmed create " in money.older_count.value
    money.show_older.click()
    (row,) = money.older_rows.children
    reconcile_button(row).click()
    until(lambda: f"recovered {job.id}" in texts(row))
    assert not reconcile_button(row).disabled
    panel.money.refresh_unconfirmed()
    assert money.older.layout.display == "none"  # nothing older is left to count


def test_nothing_lost_shows_nothing(client: veo.Client) -> None:
    panel = Panel(client=client)
    money = panel.money.unconfirmed
    assert money.rows.children == () and money.older.layout.display == "none" and money.older_result.value == ""
