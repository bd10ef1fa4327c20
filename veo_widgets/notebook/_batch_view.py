"""A batch's progress in a notebook: a bar, the counts, and one line per row with live status.

``view = BatchView(); display(view); run_batch(client, "shots.csv", progress=view.update)``.
``update`` is called from the batch's worker threads; it only sets widget traits, and
redraws the table at most every ``interval`` seconds (always on the last change).
"""

from __future__ import annotations

import html
import threading
import time

import ipywidgets as w

from ..studio._batch import BatchProgress

__all__ = ["BatchView"]

_COLOURS = {
    "done": "#16a34a",
    "running": "#2563eb",
    "queued": "#6b7280",
    "failed": "#dc2626",
    "unconfirmed": "#7c3aed",
    "skipped": "#d97706",
}


class BatchView(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Live progress of ``run_batch``: pass ``view.update`` as its ``progress``."""

    def __init__(self, interval: float = 0.25) -> None:
        self.bar = w.FloatProgress(0.0, min=0.0, max=1.0, layout=w.Layout(width="320px"))
        self.summary = w.HTML()
        self.table = w.HTML()
        self.interval = interval
        self._drawn = float("-inf")  # the first update always draws
        self._lock = threading.Lock()
        super().__init__([w.HBox([self.bar, self.summary]), self.table])
        self.add_class("veo-batch")

    def update(self, state: BatchProgress) -> None:
        """Show ``state`` (the counts at once; the table when due or when the batch is over)."""
        with self._lock:
            self.bar.value = state.fraction
            self.summary.value = f"&nbsp;{html.escape(state.describe())}"
            now = time.monotonic()
            if state.finished == state.total or now - self._drawn >= self.interval:
                self._drawn = now
                self.table.value = _table(state)


def _table(state: BatchProgress) -> str:
    rows = []
    for result in sorted(state.results.values(), key=lambda r: r.row.row):
        colour = _COLOURS.get(result.state, "#374151")
        detail = result.error or result.path or result.row.describe(60)
        cost = f"${result.usd:.2f}" if result.usd is not None else ""
        earlier = " (earlier run)" if result.resumed else ""
        rows.append(
            f"<tr data-state='{html.escape(result.state)}'><td>{result.row.row}</td>"
            f"<td style='color:{colour};font-weight:600'>{html.escape(result.state)}{earlier}</td>"
            f"<td><code>{html.escape((result.job_id or '')[:18])}</code></td><td>{cost}</td>"
            f"<td>{html.escape(str(detail))}</td></tr>"
        )
    head = "<tr><th>row</th><th>state</th><th>job</th><th>cost</th><th>prompt / file / error</th></tr>"
    return f"<table class='veo-batch-rows' style='font-size:12px'>{head}{''.join(rows)}</table>"
