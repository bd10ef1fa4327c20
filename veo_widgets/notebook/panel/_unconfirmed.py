"""The panel's lost creates: its own session's, each with a Reconcile button, and one line for
older ones (made before this panel, by another panel or process) with a count, a Show link
that lists them and a Reconcile all that looks them all up at once.

An unconfirmed row is a journal row whose create may have reached the server but whose answer
was lost: it may exist and be billed. A batch in a terminal that lost eight answers must not
fill every panel on the machine with eight rows (issue 21): a panel lists what it sent itself,
and only counts the rest. Look-ups run on daemon threads that only set widget traits.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Collection, Iterable, Sequence

import ipywidgets as w

from ..._errors import explain
from ...schema._models import Job
from ...views._client_api import ClientAPI
from ._cards import Card

__all__ = ["UnconfirmedList", "sent_by"]


def _note(text: str, css: str = "veo-note") -> str:
    return f'<small class="{css}">{html.escape(text)}</small>'


def sent_by(cards: Iterable[Card]) -> set[str]:
    """The client request ids of the creates behind ``cards`` (what this panel sent)."""
    found: set[str] = set()
    for card in cards:
        crid = getattr(card.run, "client_request_id", None) or (card.job.client_request_id if card.job else None)
        if crid:
            found.add(str(crid))
    return found


def _lost(client: ClientAPI) -> list[Job]:
    """The journal's unconfirmed creates of this client's server (demo rows in demo mode)."""
    try:
        rows = client.journal.unconfirmed()
    except Exception:  # an unreadable journal must not break the panel
        return []
    return [
        job
        for job in rows
        if job.client_request_id and job.demo == client.demo and (client.demo or job.base_url == client.base_url)
    ]


def _results_html(texts: Sequence[str]) -> str:
    return "<br>".join(_note(text) for text in texts)


class UnconfirmedList:
    """``rows``: this session's lost creates (``mine()`` names them), a Reconcile button each;
    ``older``: a line with how many others there are, ``show_older`` (lists them in
    ``older_rows``, each with its own Reconcile) and ``reconcile_older`` (all at once)."""

    def __init__(self, client: Callable[[], ClientAPI], mine: Callable[[], Collection[str]]) -> None:
        self._client = client
        self._mine = mine
        self._made: dict[str, w.Widget] = {}  # a row keeps its result across refreshes
        self._older_ids: list[str] = []
        self._lock = threading.Lock()  # refreshed from card threads and look-up threads alike
        self.reconcile_timeout = 10.0
        """Seconds a Reconcile click looks for its create in the usage logs."""
        self.rows = w.VBox()
        self.older_count = w.HTML()
        self.older_count.add_class("veo-unconfirmed-older-count")
        self.show_older = w.Button(description="Show", icon="list", tooltip="list them, each with its own Reconcile")
        self.show_older.add_class("veo-unconfirmed-show")
        self.reconcile_older = w.Button(
            description="Reconcile all", icon="search", tooltip="look them all up in the usage logs at once"
        )
        self.reconcile_older.add_class("veo-reconcile-all")
        self.older_result = w.HTML()
        self.older_rows = w.VBox(layout=w.Layout(display="none"))
        self.older = w.VBox(
            [
                w.HBox(
                    [self.older_count, self.show_older, self.reconcile_older],
                    layout=w.Layout(align_items="center", flex_flow="row wrap"),
                ),
                self.older_rows,
            ],
            layout=w.Layout(display="none"),
        )
        self.older.add_class("veo-unconfirmed-older")
        self.show_older.on_click(lambda _: self.toggle_older())
        self.reconcile_older.on_click(lambda _: self.reconcile_all())
        self.box = w.VBox([self.rows, self.older, self.older_result])
        self.box.add_class("veo-unconfirmed")

    @property
    def older_shown(self) -> bool:
        return bool(self.older_rows.layout.display != "none")

    def refresh(self) -> None:
        """Read the journal again: this session's rows, and the count of the others."""
        mine = set(self._mine())
        lost = _lost(self._client())
        with self._lock:
            self._show(lost, mine)

    def _show(self, lost: Sequence[Job], mine: Collection[str]) -> None:
        self.rows.children = tuple(self._row(j.client_request_id or "") for j in lost if j.client_request_id in mine)
        self._older_ids = [j.client_request_id or "" for j in lost if j.client_request_id not in mine]
        n = len(self._older_ids)
        self.older.layout.display = None if n else "none"
        self.older_count.value = _note(
            f"{n} older unconfirmed create{'s' if n != 1 else ''} (from before this panel, or another "
            "process): the answer was lost; it may exist and be billed."
        )
        self._fill_older()

    def toggle_older(self) -> None:
        """Show (or hide again) the older rows, each with its own Reconcile."""
        with self._lock:
            self.older_rows.layout.display = "none" if self.older_shown else None
            self.show_older.description = "Hide" if self.older_shown else "Show"
            self._fill_older()

    def _fill_older(self) -> None:
        self.older_rows.children = tuple(self._row(c) for c in self._older_ids) if self.older_shown else ()

    def _row(self, crid: str) -> w.Widget:
        made = self._made.get(crid)
        if made is not None:
            return made
        label = w.HTML(_note(f"create {crid}: the answer was lost; it may exist and be billed"))
        button = w.Button(description="Reconcile", icon="search", tooltip="look it up in the usage logs")
        button.add_class("veo-reconcile")
        result = w.HTML()
        button.on_click(lambda _: self.reconcile(crid, button, result))
        row = w.VBox([w.HBox([label, button], layout=w.Layout(align_items="center")), result])
        row.add_class("veo-unconfirmed-row")
        self._made[crid] = row
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
            result.value = _results_html(texts)
            button.disabled = False

        thread = threading.Thread(target=work, name="veo-panel-reconcile", daemon=True)
        thread.start()
        return thread

    def reconcile_all(self) -> threading.Thread:
        """Every older row looked up at once (one logs query per time window); what each came
        to is said under the line, and the count read again."""
        crids = list(self._older_ids)
        self.reconcile_older.disabled = True
        self.older_result.value = _note(f"looking {len(crids)} up in the usage logs…")
        client = self._client()

        def work() -> None:
            try:
                texts = [r.describe() for r in client.reconcile(crids, timeout=self.reconcile_timeout)] or [
                    "nothing to reconcile: every create was answered"
                ]
            except Exception as exc:  # one sentence under the line, never a traceback
                texts = [explain(exc)]
            self.older_result.value = _results_html(texts)
            self.reconcile_older.disabled = False
            self.refresh()

        thread = threading.Thread(target=work, name="veo-panel-reconcile-all", daemon=True)
        thread.start()
        return thread
