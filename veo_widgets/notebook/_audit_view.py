"""The Audit view: the window's totals, each finding with its button, and spend over 30 days.

``AuditView(client)`` runs ``client.audit()`` and shows it; a finding whose action is
``download`` or ``adopt`` gets a button that downloads the generation (journaling it if
it was never journaled), ``reconcile`` one that looks the create up in the usage logs
again. A refund is for AI/ML API support, so it gets words, not a button; when nothing is
wrong, there is nothing to click. The chart is the spend per day per model with the daily
budget as a line (``views/_spend.py``, inline SVG).

``AuditLauncher`` is the Audit button the panel's money row and the gallery's toolbar carry:
a click audits off the kernel's thread (the ledger's pages counted as they come) and opens
the view inline under the button; a second click closes it.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import ipywidgets as w

from .._errors import VeoError, explain
from ..money._audit import Audit, Finding
from ..money._ledger import LedgerProgress
from ..views._audit import ACTION_LABELS, audit_html, finding_html
from ..views._client_api import ClientAPI
from ..views._spend import spend_svg

__all__ = ["AuditLauncher", "AuditView"]


class AuditView(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """An audit of ``client``'s account (``audit``: one already made), with the spend chart."""

    def __init__(
        self,
        client: ClientAPI,
        *,
        since: datetime | timedelta | None = None,
        audit: Audit | None = None,
        chart: bool = True,
    ) -> None:
        self.client = client
        self.audit = audit if audit is not None else client.audit(since)
        self.totals = w.HTML(audit_html(self.audit, with_findings=False))
        self.buttons: list[w.Button] = []
        self.rows = w.VBox([self._row(f) for f in self.audit.findings])
        self.chart = w.HTML()
        if chart:
            try:
                self.chart.value = spend_svg(client.spend(by="day", days=30))
            except VeoError as exc:
                self.chart.value = f"<div class='veo-note'>spend over time: {html.escape(str(exc))}</div>"
        super().__init__([self.totals, self.rows, self.chart])
        self.add_class("veo-audit-view")

    def _row(self, finding: Finding) -> w.HBox:
        text = w.HTML(finding_html(finding))
        label = ACTION_LABELS.get(finding.action)
        if label is None:
            return w.HBox([text])
        button = w.Button(description=label, tooltip=finding.advice[:200], layout=w.Layout(flex="0 0 auto"))
        note = w.HTML()
        button.on_click(lambda _: self._act(finding, button, note))
        self.buttons.append(button)
        return w.HBox([text, button, note])

    def _act(self, finding: Finding, button: w.Button, note: w.HTML) -> None:
        button.disabled = True
        note.value = "<span class='veo-note'>working…</span>"

        def work() -> None:
            try:
                if finding.action == "reconcile":
                    results = self.client.reconcile(finding.client_request_id)
                    done = "; ".join(r.describe() for r in results)
                else:  # download again, or adopt: download journals a generation it does not know
                    done = f"saved {self.client.download(finding.generation_id or '')}"
                note.value = f"<span class='veo-note' data-done='1'>{html.escape(done)}</span>"
            except Exception as exc:  # on a thread: whatever went wrong is said here, and it can be tried again
                said = str(exc) if isinstance(exc, VeoError) else f"{type(exc).__name__}: {exc}"
                note.value = f"<span class='veo-error'>{html.escape(said)}</span>"
                button.disabled = False

        threading.Thread(target=work, name="veo-audit-action", daemon=True).start()


class AuditLauncher:
    """``button`` (Audit) opens an :class:`AuditView` of ``client()``'s account in ``host``,
    under it; clicked again, it closes it. ``box`` holds both."""

    def __init__(self, client: Callable[[], ClientAPI], *, since: datetime | timedelta | str | None = None) -> None:
        self._client = client
        self.since = since
        self.view: AuditView | None = None
        self.button = w.Button(
            description="Audit",
            icon="balance-scale",
            tooltip="join the account's ledger with this machine's jobs: what was charged, and what to mend",
            layout=w.Layout(width="auto"),
        )
        self.button.add_class("veo-audit-open")
        self.host = w.VBox(layout=w.Layout(max_width="100%"))
        self.host.add_class("veo-audit-host")
        self.box = w.VBox([self.button, self.host], layout=w.Layout(max_width="100%"))
        self.button.on_click(lambda _: self.toggle())

    def toggle(self) -> threading.Thread | None:
        """Open the view (auditing on a thread, which is returned), or close an open one."""
        if self.host.children:
            self.host.children = ()
            self.view = None
            self.button.description = "Audit"
            return None
        return self.open()

    def open(self) -> threading.Thread:
        self.button.disabled = True
        note = w.HTML("<span class='veo-note'>reading the account's ledger…</span>")
        self.host.children = (note,)
        client = self._client()

        def progress(read: LedgerProgress) -> None:
            note.value = (
                f"<span class='veo-note'>reading the account's ledger: {read.pages} page"
                f"{'s' if read.pages != 1 else ''}, {read.charges} charges, {read.fraction:.0%} of the window…</span>"
            )

        def work() -> None:
            try:
                audit = client.audit(self.since, on_progress=progress)
                self.view = AuditView(client, audit=audit)
                self.host.children = (self.view,)
                self.button.description = "Close audit"
            except Exception as exc:  # one sentence where the view would be, never a traceback
                self.host.children = (w.HTML(f"<span class='veo-error'>{html.escape(explain(exc))}</span>"),)
                self.button.description = "Close audit"
            finally:
                self.button.disabled = False

        thread = threading.Thread(target=work, name="veo-audit", daemon=True)
        thread.start()
        return thread
