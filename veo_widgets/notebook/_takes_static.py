"""The takes row as a static page: what a saved notebook shows where widgets do not run.

A ``%%veo -n`` cell's row of takes is a widget; GitHub, nbviewer or a notebook reopened
without its kernel cannot show it. Beside it goes this output: each take's seed, its status
when the notebook was saved, which one was chosen and where it was saved, and how to get the
row back. It never says anything is running now: nothing in it is live. The row's own
stylesheet hides it wherever the live row renders.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..views._history import CHOSEN

__all__ = ["HIDE_WHERE_LIVE", "StaticTakes", "TakeRow", "takes_static_html", "takes_static_text"]

#: CSS for the live row's stylesheet: the static view is hidden wherever the row renders.
HIDE_WHERE_LIVE = (
    ".jp-OutputArea:has(.veo-takes) .veo-static-takes, .output_area:has(.veo-takes) .veo-static-takes,"
    " .jp-Cell:has(.veo-takes) .veo-static-takes { display: none; }"
)
AGAIN = "Run the cell again to use it."
_ENDED = ("completed", "error", "failed", "stopped", "timed out")


@dataclass(frozen=True)
class TakeRow:
    """One take as the saved view shows it."""

    number: int
    seed: int | None
    status: str
    chosen: bool = False
    path: str | None = None
    seeded: bool = True
    """Whether the model takes a seed at all."""

    @property
    def when_saved(self) -> str:
        """Its status, said of the moment the notebook was saved (a pending one may since
        have finished: ``%veo history`` knows)."""
        return self.status if self.status in _ENDED else f"{self.status} when saved"

    @property
    def seed_text(self) -> str:
        if self.seed is not None:
            return f"seed {self.seed}"
        return "seed not known yet" if self.seeded else "no seed: model has none"


def _lead(rows: Sequence[TakeRow]) -> str:
    return f"veo_widgets: {len(rows)} takes (saved view, not live)"


def takes_static_text(rows: Sequence[TakeRow]) -> str:
    """The plain-text view: a line per take, then how to get the row back."""
    lines = [_lead(rows)]
    for row in rows:
        mark = f"  {CHOSEN} chosen" if row.chosen else ""
        where = f"  {row.path}" if row.path else ""
        lines.append(f"#{row.number}  {row.seed_text}  {row.when_saved}{mark}{where}")
    lines.append(AGAIN)
    return "\n".join(lines)


def takes_static_html(rows: Sequence[TakeRow]) -> str:
    """The HTML view: a small table (take, seed, status, chosen, file), then how to get the row back."""
    body = []
    for row in rows:
        chosen = f'<b title="the chosen take">{CHOSEN} chosen</b>' if row.chosen else ""
        path = f"<code>{html.escape(row.path)}</code>" if row.path else ""
        body.append(
            f'<tr data-take="{row.number}"><td>#{row.number}</td><td>{html.escape(row.seed_text)}</td>'
            f"<td>{html.escape(row.when_saved)}</td><td>{chosen}</td><td><small>{path}</small></td></tr>"
        )
    head = "<tr><th>take</th><th>seed</th><th>status</th><th>chosen</th><th>saved</th></tr>"
    return (
        f'<div class="veo-static-takes" data-veo="static-takes"><div><b>{html.escape(_lead(rows))}</b></div>'
        f'<table class="veo-history">{head}{"".join(body)}</table><div><i>{AGAIN}</i></div></div>'
    )


def bundle(rows: Sequence[TakeRow]) -> dict[str, str]:
    return {"text/html": takes_static_html(rows), "text/plain": takes_static_text(rows)}


class StaticTakes:
    """The saved view as a display output of its own, beside the row (JupyterLab and
    Notebook 7 never fall back to a widget's ``text/html``), updated as takes end and one is
    chosen, so a saved copy shows the last state."""

    def __init__(self) -> None:
        self.handles: list[Any] = []
        self._lock = threading.Lock()

    def show(self, rows: Sequence[TakeRow]) -> None:
        from IPython.display import display

        self.handles.append(display(bundle(rows), raw=True, display_id=True))  # type: ignore[no-untyped-call]

    def update(self, rows: Callable[[], Sequence[TakeRow]]) -> None:
        """Send the rows as they are now. Takes end on threads of their own: reading the rows
        and sending them under one lock means an older state is never sent last."""
        with self._lock:
            data = bundle(rows())
            for handle in self.handles:
                handle.update(data, raw=True)
