"""The panel's money row: the daily budget field, the account's balance (with a real key),
and creates whose answer was lost, each with a Reconcile button.

Network calls (balance, reconcile) run on daemon threads that only set widget traits, like
the estimate beside Generate: a slow API never holds the kernel.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable

import ipywidgets as w

from ..._errors import VeoError, explain
from ...views._client_api import ClientAPI

__all__ = ["MoneyRow"]


def _note(text: str, css: str = "veo-note") -> str:
    return f'<small class="{css}">{html.escape(text)}</small>'


class MoneyRow:
    """``budget`` (empty: no cap) sets the client's ``budget_usd``; ``balance`` shows
    ``client.balance()``; ``unconfirmed`` lists lost creates with a Reconcile button each."""

    def __init__(self, client: Callable[[], ClientAPI]) -> None:
        self._client = client
        self.budget = w.Text(
            value="",
            placeholder="no cap",
            description="Budget $/day",
            continuous_update=False,
            tooltip="US dollars this machine may spend per UTC day; empty: no cap",
            layout=w.Layout(width="220px"),
        )
        self.budget.add_class("veo-budget")
        self.budget_note = w.HTML()
        self.balance = w.HTML()
        self.balance.add_class("veo-balance")
        self.unconfirmed = w.VBox()
        self.unconfirmed.add_class("veo-unconfirmed")
        self.box = w.VBox(
            [
                w.HBox([self.budget, self.budget_note], layout=w.Layout(align_items="center")),
                self.balance,
                self.unconfirmed,
            ]
        )
        self.box.add_class("veo-money")
        self._balance_turn = 0
        self.reconcile_timeout = 10.0
        """Seconds a Reconcile click looks for its create in the usage logs."""
        current = client().budget_usd  # a budget the client already has (VEO_BUDGET_USD) shows
        if current is not None:
            self.budget.value = f"{current:g}"
        self.budget.observe(lambda _: self.apply(), names="value")

    @property
    def budget_usd(self) -> float | None:
        """The field's value in dollars; None when empty. ``ValueError`` when not a number."""
        text = self.budget.value.strip().lstrip("$").strip()
        return float(text) if text else None

    def apply(self) -> None:
        """Set the field's budget on the panel's (current) client, or say what is wrong."""
        try:
            value = self.budget_usd
            self._client().budget_usd = value
        except ValueError:
            self.budget_note.value = _note("a number of US dollars, or empty for no cap", "veo-error")
            return
        except VeoError as exc:
            self.budget_note.value = _note(explain(exc), "veo-error")
            return
        self.budget_note.value = _note(f"at most ${value:.2f} a day (UTC)" if value is not None else "no daily cap")

    def refresh(self) -> None:
        """After a key change or a finished job: the balance and the lost creates again."""
        self.refresh_balance()
        self.refresh_unconfirmed()

    def refresh_balance(self) -> None:
        """The balance needs a real key: in demo mode (or without a key) it is not shown."""
        client = self._client()
        self._balance_turn = turn = self._balance_turn + 1
        if client.demo or not client.has_key:
            self.balance.value = ""
            return
        self.balance.value = _note("balance: checking…")

        def work() -> None:
            try:
                text = f"balance: {client.balance().describe()}"
            except Exception as exc:  # a balance that cannot be had is a note, never a crash
                text = f"balance unavailable: {explain(exc)}"
            if turn == self._balance_turn:
                self.balance.value = _note(text)

        threading.Thread(target=work, name="veo-panel-balance", daemon=True).start()

    def refresh_unconfirmed(self) -> None:
        """A line per create whose answer was lost, each with its own Reconcile button."""
        try:
            lost = self._client().journal.unconfirmed()
        except Exception:  # an unreadable journal must not break the panel
            lost = []
        rows = [self._row(job.client_request_id) for job in lost if job.client_request_id]
        self.unconfirmed.children = tuple(rows)

    def _row(self, crid: str) -> w.Widget:
        label = w.HTML(_note(f"create {crid}: the answer was lost; it may exist and be billed"))
        button = w.Button(description="Reconcile", icon="search", tooltip="look it up in the usage logs")
        button.add_class("veo-reconcile")
        result = w.HTML()
        button.on_click(lambda _: self.reconcile(crid, button, result))
        row = w.VBox([w.HBox([label, button], layout=w.Layout(align_items="center")), result])
        row.add_class("veo-unconfirmed-row")
        return row

    def reconcile(self, crid: str, button: w.Button, result: w.HTML) -> threading.Thread:
        """``client.reconcile(crid)`` off the kernel's thread; each finding's sentence shown."""
        button.disabled = True
        result.value = _note("looking it up in the usage logs…")
        client = self._client()

        def work() -> None:
            try:
                texts = [r.describe() for r in client.reconcile(crid, timeout=self.reconcile_timeout)] or [
                    "nothing to reconcile: it was answered"
                ]
            except Exception as exc:  # one sentence in the row, never a traceback
                texts = [explain(exc)]
            result.value = "<br>".join(_note(text) for text in texts)
            button.disabled = False

        thread = threading.Thread(target=work, name="veo-panel-reconcile", daemon=True)
        thread.start()
        return thread
