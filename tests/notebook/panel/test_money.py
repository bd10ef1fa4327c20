"""The panel's money row: a daily budget field and the balance with a real key (its lost
creates: test_unconfirmed.py; its Audit button: tests/notebook/test_audit_view.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.notebook.panel._panel import Panel

from ...conftest import QUICK_POLLS, Counting
from ...helpers import enter_key, until

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def keyed_client(emulator: Emulator) -> Iterator[veo.Client]:
    client = veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS)
    yield client
    client.close()


def test_the_budget_field_refuses_a_job_over_it_in_the_form(emulator: Emulator, image_file: Path) -> None:
    transport = Counting(emulator)  # this panel's own requests (the emulator is shared by the session)
    client = veo.Client(emulator.api_key, emulator.url, transport=transport, schedule=QUICK_POLLS)
    panel = Panel(prompt="waves roll in", image=image_file, duration=4, seed=1, client=client)
    assert panel.money.budget.value == "" and panel.client.budget_usd is None
    panel.money.budget.value = "0.01"
    assert panel.client.budget_usd == 0.01 and "$0.01 a day" in panel.money.budget_note.value
    panel.generate_button.click()
    message = panel.form_message.value
    assert 'role="alert"' in message and "daily budget of $0.01" in message and "nothing was sent" in message
    assert not [r for r in transport.requests if r.method == "POST"]
    assert panel.cards == [] and panel.status == "error" and client.journal.history() == []
    panel.money.budget.value = ""
    assert panel.client.budget_usd is None and "no daily cap" in panel.money.budget_note.value
    client.close()


def test_a_budget_that_is_not_a_number_is_explained_not_raised(keyed_client: veo.Client) -> None:
    panel = Panel(client=keyed_client)
    panel.money.budget.value = "lots"
    assert "number of US dollars" in panel.money.budget_note.value and panel.client.budget_usd is None
    panel.money.budget.value = "-3"
    assert "veo-error" in panel.money.budget_note.value and panel.client.budget_usd is None


def test_the_balance_shows_with_a_real_key_and_not_in_demo_mode(keyed_client: veo.Client) -> None:
    panel = Panel(client=keyed_client)
    assert not panel.client.demo and panel.client.has_key
    until(lambda: "balance: $" in panel.money.balance.value)
    demo = Panel()
    assert demo.client.demo and demo.money.balance.value == ""


def test_a_key_typed_later_keeps_the_budget_and_shows_the_balance(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = Panel()
    monkeypatch.setenv("AIMLAPI_BASE_URL", emulator.url)
    panel.money.budget.value = "2.5"
    assert panel.money.balance.value == ""  # demo mode: no account to ask
    enter_key(panel, emulator.api_key)
    assert not panel.client.demo and panel.client.budget_usd == 2.5
    until(lambda: "balance: $" in panel.money.balance.value)
    assert emulator.api_key not in panel.money.balance.value
