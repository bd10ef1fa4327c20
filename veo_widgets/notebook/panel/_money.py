"""The panel's money row: the daily budget field, the account's balance (with a real key),
creates whose answer was lost (``_unconfirmed``: this session's with a Reconcile button each,
a count of older ones) and the Audit button, which opens the Audit view under it.

Network calls (balance, reconcile) run on daemon threads that only set widget traits, like
the estimate beside Generate: a slow API never holds the kernel.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Collection

import ipywidgets as w

from ..._errors import VeoError, explain
from ...views._client_api import ClientAPI
from .._audit_view import AuditLauncher
from ._unconfirmed import UnconfirmedList

__all__ = ["MoneyRow"]


def _note(text: str, css: str = "veo-note") -> str:
    return f'<small class="{css}">{html.escape(text)}</small>'


class MoneyRow:
    """``budget`` (empty: no cap) sets the client's ``budget_usd``; ``balance`` shows
    ``client.balance()``; ``unconfirmed`` lists this session's lost creates (those ``mine()``
    names) with a Reconcile button each, and counts the older ones; ``audit`` opens the Audit view."""

    def __init__(self, client: Callable[[], ClientAPI], mine: Callable[[], Collection[str]] = frozenset) -> None:
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
        self.unconfirmed = UnconfirmedList(client, mine)
        self.audit = AuditLauncher(client)
        self.box = w.VBox(
            [
                w.HBox([self.budget, self.budget_note], layout=w.Layout(align_items="center")),
                self.balance,
                self.unconfirmed.box,
                self.audit.box,
            ]
        )
        self.box.add_class("veo-money")
        self._balance_turn = 0
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
        """This session's lost creates, each with its own Reconcile button; a count of the rest."""
        self.unconfirmed.refresh()
