"""The Audit view: the window's totals, each finding with its button, and spend over 30 days.

``AuditView(client)`` runs ``client.audit()`` and shows it; a finding whose action is
``download`` or ``adopt`` gets a button that downloads the generation (journaling it if
it was never journaled), ``reconcile`` one that looks the create up in the usage logs
again. A refund is for AI/ML API support, so it gets words, not a button; when nothing is
wrong, there is nothing to click. The chart is the spend per day per model with the daily
budget as a line (``views/_spend.py``, inline SVG).
"""

from __future__ import annotations

import html
import threading
from datetime import datetime, timedelta
from typing import Any

import ipywidgets as w

from .._errors import VeoError
from ..money._audit import Audit, Finding
from ..views._audit import ACTION_LABELS, audit_html, finding_html
from ..views._spend import spend_svg

__all__ = ["AuditView"]


class AuditView(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """An audit of ``client``'s account (``audit``: one already made), with the spend chart."""

    def __init__(
        self,
        client: Any,
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
                else:
                    done = f"saved {self.client.download(finding.generation_id)}"
                note.value = f"<span class='veo-note' data-done='1'>{html.escape(done)}</span>"
            except VeoError as exc:
                note.value = f"<span class='veo-error'>{html.escape(str(exc))}</span>"
                button.disabled = False

        threading.Thread(target=work, name="veo-audit-action", daemon=True).start()
