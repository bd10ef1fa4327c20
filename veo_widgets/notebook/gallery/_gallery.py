"""``veo.Gallery()``: every clip this machine made, newest first, one page at a time.

A grid of poster frames (made once with PyAV and cached beside each video, never in the
notebook) with prompt, model, duration, cost, date and status; filters by text, model,
status and date; select a clip to play it with its settings and act on it (re-run,
download again, reveal, delete the file, continue from its last frame, extend, add to the
sequence strip). Slow work (posters, downloads, stitching) runs on daemon threads, which
only set widget traits, as the panel's do.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any, cast

import ipywidgets as w

from ...journal._store import Journal
from ...media._media import poster, poster_path
from ...schema._models import Job
from ...views._client_api import ClientAPI
from ...views._display import video_html
from .._audit_view import AuditLauncher
from ._actions import perform
from ._lineage import family
from ._model import ACTIONS, STATUS_FILTERS, Card, Filters, Pager, Source, card
from ._strip import SequenceStrip, poster_box, poster_widget

__all__ = ["Gallery"]

POSTER_WIDTH = 180
#: Every poster sits in the same 16:9 box, fitted (a portrait clip is letterboxed, not taller).
POSTER_HEIGHT = POSTER_WIDTH * 9 // 16
_STATE_COLOURS = {
    "ready": "#16a34a",
    "missing": "#d97706",
    "running": "#2563eb",
    "failed": "#dc2626",
    "unconfirmed": "#7c3aed",
    "not sent": "#6b7280",
}


def _badge(state: str) -> str:
    colour = _STATE_COLOURS.get(state, "#374151")
    return (
        f'<span class="veo-badge" data-state="{html.escape(state)}" style="background:{colour};color:white;'
        f'padding:1px 7px;border-radius:9px;font-size:11px">{html.escape(state)}</span>'
    )


def _day(value: date | None, end: bool = False) -> datetime | None:
    if value is None:
        return None
    return datetime.combine(value, time.max if end else time.min).astimezone(timezone.utc)


class Gallery(w.VBox):  # type: ignore[misc]  # ipywidgets is untyped
    """Every job in the journal as a page of cards; select one to play it and act on it.

    Its controls are attributes, as the panel's are, for scripts and tests: ``search``,
    ``model_filter``, ``status_filter``, ``since``, ``until``, ``grid``, ``newer_button``,
    ``older_button``, ``page_label``, ``audit`` (the Audit button and view); the selected
    clip's ``info``, ``player``, ``lineage``, ``actions``, ``message`` and ``workspace``.

    >>> gallery = veo.Gallery()          # doctest: +SKIP
    >>> gallery.filter(text="lighthouse", status="finished")   # doctest: +SKIP
    """

    def __init__(
        self,
        client: ClientAPI | None = None,
        *,
        journal: Journal | None = None,
        page_size: int = 12,
        columns: int = 4,
        embed: bool = False,
        models: Iterable[str] | None = None,
    ) -> None:
        self._client = client
        self.journal: Journal = (
            journal if journal is not None else (client.journal if client is not None else Journal())
        )
        """The journal whose jobs the gallery shows (the client's, when given one)."""
        self.pager = Pager(cast(Source, self.journal), size=page_size)
        self.embed = embed
        self.selected: Job | None = None
        self.cards: list[Card] = []
        self.runs: list[Any] = []  # generations started from here (continue, extend)
        self._confirm_delete: str | None = None
        self._pending: list[tuple[w.Image, Path]] = []
        self.posters: threading.Thread | None = None  # the thread making this page's posters

        self.search = w.Text(placeholder="search prompts", continuous_update=False, layout=w.Layout(width="190px"))
        from ...studio._studio import short_name

        names = dict.fromkeys(short_name(m) for m in (models or self._models()))  # as `veo models` lists them
        choices = [("any model", "")] + [(name, name) for name in names]
        self.model_filter = w.Dropdown(options=choices, layout=w.Layout(width="170px"))
        self.status_filter = w.Dropdown(options=[("any status", "")] + [(s, s) for s in STATUS_FILTERS])
        self.status_filter.layout.width = "120px"
        narrow = {"description_width": "32px"}
        self.since = w.DatePicker(description="from", style=narrow, layout=w.Layout(width="175px"))
        self.until = w.DatePicker(description="to", style=narrow, layout=w.Layout(width="175px"))
        for control in (self.search, self.model_filter, self.status_filter, self.since, self.until):
            control.observe(lambda _: self._filters_changed(), names="value")
        refresh = w.Button(icon="refresh", tooltip="read the journal again", layout=w.Layout(width="40px"))
        refresh.on_click(lambda _: self.refresh())
        self.audit = AuditLauncher(lambda: self.client)  # the Audit view (and spend chart) under the toolbar

        self.grid = w.GridBox(
            layout=w.Layout(grid_template_columns=f"repeat({columns}, {POSTER_WIDTH + 16}px)", grid_gap="8px")
        )
        self.newer_button = w.Button(icon="chevron-left", tooltip="newer", layout=w.Layout(width="40px"))
        self.older_button = w.Button(icon="chevron-right", tooltip="older", layout=w.Layout(width="40px"))
        self.newer_button.on_click(lambda _: self.go(self.pager.index - 1))
        self.older_button.on_click(lambda _: self.go(self.pager.index + 1))
        self.page_label = w.Label()

        self.player = w.Output()
        self.info = w.HTML()
        self.lineage = w.HBox()
        self.actions = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self.message = w.HTML()
        self.workspace = w.Output()  # where a re-run's panel or a continue form appears
        self._detail = w.VBox(
            [self.info, self.player, self.lineage, self.actions, self.message, self.workspace],
            layout=w.Layout(border="1px solid var(--jp-border-color2, #e5e7eb)", padding="8px", display="none"),
        )
        self.sequence = SequenceStrip(player=self._video, thumb=lambda p: poster_widget(p, 120))

        audit = self.audit.button
        audit.layout.flex = "0 0 auto"  # its label whole: the row wraps rather than cut it to "Au..."
        filters = [self.search, self.model_filter, self.status_filter, self.since, self.until, refresh, audit]
        self.toolbar = w.HBox(filters, layout=w.Layout(flex_flow="row wrap"))
        super().__init__(
            [
                self.toolbar,
                self.audit.host,
                w.HBox([self.newer_button, self.page_label, self.older_button]),
                self.grid,
                self._detail,
                self.sequence,
            ]
        )
        self.add_class("veo-gallery")
        self.refresh()

    def __repr__(self) -> str:
        """A line, not the widget tree: what a notebook's text output and ``print`` show."""
        total = self.pager.total
        parts = [f"{total:,} clip{'' if total == 1 else 's'}", f"page {self.pager.index + 1}/{self.pager.pages}"]
        for name, value in self.pager.filters.query().items():
            shown = value.date().isoformat() if isinstance(value, datetime) else value
            parts.append(f"{name}={shown!r}")
        if self.selected is not None:
            parts.append(f"selected={self.selected.id!r}")
        return f"Gallery({', '.join(parts)})"

    # ------------------------------------------------------------------ reading

    @staticmethod
    def _models() -> list[str]:
        from ...studio._studio import all_models

        return all_models()

    @property
    def client(self) -> ClientAPI:
        """The client actions use (made on first need: demo mode starts an emulator)."""
        if self._client is None:
            from ...client._client import Client

            self._client = Client()
        return self._client

    def _filters_changed(self) -> None:
        self.filter(
            text=self.search.value,
            model=self.model_filter.value or None,
            status=self.status_filter.value or None,
            since=self.since.value,
            until=self.until.value,
        )

    def filter(
        self,
        *,
        text: str = "",
        model: str | None = None,
        status: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[Job]:
        """Show only matching jobs (from the first page); ``status`` is a key of ``STATUS_FILTERS``."""
        self.pager.filters = Filters(text, model, status, _day(since), _day(until, end=True))
        return self.go(0)

    def go(self, page: int) -> list[Job]:
        """Show page ``page`` (0 is the newest)."""
        self.pager.index = page
        return self.refresh()

    def refresh(self) -> list[Job]:
        """Read the current page from the journal again and redraw the grid."""
        jobs = self.pager.refresh()
        self.cards = [card(job, can_extend=self._can_extend) for job in jobs]
        self._pending = []
        self.grid.children = [self._card_widget(c) for c in self.cards]
        if self._pending:  # posters not made yet: decode them off the kernel's thread
            self.posters = threading.Thread(target=self._fill_posters, args=(self._pending,), daemon=True)
            self.posters.start()
        self.page_label.value = self.pager.describe()
        self.newer_button.disabled = self.pager.index == 0
        self.older_button.disabled = self.pager.index >= self.pager.pages - 1
        if self.selected is not None:
            fresh = next((j for j in jobs if j.id == self.selected.id), None)
            if fresh is not None:
                self.select(fresh)
        return jobs

    def _can_extend(self, job: Job) -> bool:
        from ...studio._studio import extend_model

        return extend_model(job) is not None

    def _card_widget(self, c: Card) -> w.Widget:
        path = Path(c.job.path) if c.state == "ready" and c.job.path else None
        picture = self._poster(path) if path else self._placeholder(c)
        caption = w.HTML(
            f'<div style="width:{POSTER_WIDTH}px;font-size:12px;line-height:1.3">'
            f'{_badge(c.state)} <b style="display:inline">{html.escape(c.title[:80])}</b><br>'
            f'<span style="color:var(--jp-ui-font-color2, #6b7280)" title="{html.escape(c.model_id)}">'
            f"{html.escape(c.facts())}</span></div>",
            layout=w.Layout(min_height="72px"),  # whole lines: never cut mid-line
        )
        open_button = w.Button(description="Open", tooltip=c.job.id, layout=w.Layout(width=f"{POSTER_WIDTH}px"))
        open_button.on_click(lambda _, job=c.job: self.select(job))
        box = w.VBox([picture, caption, open_button])
        box.add_class("veo-card")
        return box

    def _poster(self, path: Path) -> w.Widget:
        target = poster_path(path)
        if target.is_file() and target.stat().st_mtime >= path.stat().st_mtime:
            return poster_widget(path, POSTER_WIDTH)  # the same fitted 16:9 box
        image = w.Image(format="jpeg", layout=poster_box(POSTER_WIDTH))
        self._pending.append((image, path))
        return image

    @staticmethod
    def _fill_posters(pending: list[tuple[w.Image, Path]]) -> None:
        for image, path in pending:
            try:
                image.value = poster(path).read_bytes()  # fitted into its box, whatever its shape
            except Exception:  # a broken file keeps its grey box
                pass

    @staticmethod
    def _placeholder(c: Card) -> w.Widget:
        return w.HTML(
            f'<div style="width:{POSTER_WIDTH}px;height:{POSTER_HEIGHT}px;background:var(--jp-layout-color2, #f3f4f6);'
            "display:flex;align-items:center;justify-content:center;"
            f'color:var(--jp-ui-font-color2, #6b7280)">{html.escape(c.state)}</div>',
            layout=w.Layout(width=f"{POSTER_WIDTH}px", height=f"{POSTER_HEIGHT}px"),
        )

    # ------------------------------------------------------------------ one clip

    def _video(self, path: Path, *, autoplay: bool = False) -> Any:
        return video_html(path, embed=self.embed, autoplay=autoplay)

    def show_result(self, job: Job) -> None:
        """A clip made from here: the page again, and the clip selected and playing, even
        where the filters would hide its card; the workspace (its form, its card) stays."""
        self.refresh()
        self.select(job, play=True, keep=True)

    def find(self, key: str) -> Job | None:
        return self.journal.find(key)

    def confirm(self, key: str) -> bool:
        """A second click on the same action for ``key`` (the selected clip's id): True once
        it was asked for before (and the question is then used up), else False and asked."""
        if self._confirm_delete != key:
            self._confirm_delete = key
            return False
        self._confirm_delete = None
        return True

    def select(self, job: Job | str, *, play: bool = False, keep: bool = False) -> Card:
        """Open one clip: its player (started when ``play``), settings, lineage and what can
        be done. ``keep``: what the workspace holds stays (a follow-up's form and card)."""
        if isinstance(job, str):
            found = self.find(job)
            if found is None:
                raise KeyError(f"no job {job!r} in the journal")
            job = found
        if not keep and (self.selected is None or self.selected.id != job.id):
            # Another clip: what was said about the last one (chosen, deleted, a re-run's
            # panel, a pending delete confirmation) is not about this one.
            self.message.value = ""
            self.workspace.outputs = ()
            self._confirm_delete = None
        self.selected = job
        c = card(job, can_extend=self._can_extend)
        self._detail.layout.display = None
        settings = "".join(
            f"<tr><td style='color:var(--jp-ui-font-color2, #6b7280);padding-right:8px'>{html.escape(str(k))}</td>"
            f"<td>{html.escape(str(v))}</td></tr>"
            for k, v in (job.request or {}).items()
            if v not in (None, "") and k != "image_source"
        )
        self.info.value = (
            f"<div>{_badge(c.state)} <b>{html.escape(c.title)}</b> <code>{html.escape(job.id)}</code></div>"
            f"<div style='color:var(--jp-ui-font-color2, #6b7280)'>{html.escape(c.facts())}</div><div>{html.escape(c.hint)}</div>"
            f"<table style='font-size:12px'>{settings}</table>"
        )
        self.player.outputs = ()
        if c.state == "ready" and job.path is not None:
            try:
                self.player.append_display_data(self._video(Path(job.path), autoplay=play))
            except Exception as exc:  # too big to embed: say so instead
                self.say(str(exc), error=True)
        self.lineage.children = family(job, self.find, self.journal.history(), self.select)
        self.actions.children = [self._button(name) for name in c.actions]
        return c

    def _button(self, name: str) -> w.Button:
        button = w.Button(description=ACTIONS[name], layout=w.Layout(width="auto"))
        button.add_class(f"veo-action-{name}")
        button.on_click(lambda _: self.act(name))
        return button

    def act(self, name: str) -> Any:
        """Do an action on the selected clip, as its button does (``"rerun"``, ``"delete"``...)."""
        if self.selected is None:
            raise RuntimeError("select a clip first")
        try:
            return perform(self, name, self.selected)
        except Exception as exc:
            from ..._errors import explain

            self.say(explain(exc), error=True)
            raise

    def continue_from(self, prompt: str, **options: Any) -> Any:
        """Start a clip whose first frame is the selected clip's last; returns its run.
        The journal records the selected clip as its parent."""
        from ...studio._studio import continue_from

        return self._track(continue_from(self.client, self._chosen(), prompt, **options))

    def extend(self, prompt: str, **options: Any) -> Any:
        """Extend the selected (Veo 3.1) clip with a Veo 3.1 extend model; returns its run."""
        from ...studio._studio import extend

        return self._track(extend(self.client, self._chosen(), prompt, **options))

    def _chosen(self) -> Job:
        if self.selected is None:
            raise RuntimeError("select a clip first: gallery.select(job_or_id)")
        return self.selected

    def _track(self, run: Any) -> Any:
        """Keep a run started from here; redraw the page when it ends, so its card appears."""
        self.runs.append(run)
        run.on_update(lambda r: self.refresh() if r.done else None)
        return run

    def say(self, text: str, *, error: bool = False) -> None:
        """Say one thing about the selected clip, in the theme's text (or error) colour."""
        colour = "var(--jp-error-color1, #dc2626)" if error else "var(--jp-ui-font-color1, #1f2937)"
        self.message.value = f'<span style="color:{colour}">{html.escape(text)}</span>'

    def warn(self, html_text: str) -> None:
        """Add a warning under what was said: the demo banner's look (the theme's warning
        colour as a bar, its main text colour), readable in light and dark themes."""
        self.message.value += (
            '<div class="veo-gallery-warning" role="alert" style="margin-top:4px;padding:4px 8px;'
            "border:1px solid var(--jp-warn-color1, #f57c00);border-left-width:4px;border-radius:4px;"
            f'color:var(--jp-ui-font-color1, #1f2937)">&#9888; {html_text}</div>'
        )

    def in_background(self, name: str, work: Callable[[], object]) -> threading.Thread:
        """Run slow work on a daemon thread; its error is shown, and the gallery redrawn after."""

        def run() -> None:
            try:
                work()
            except Exception as exc:
                from ..._errors import explain

                self.say(explain(exc), error=True)
            finally:
                self.refresh()

        thread = threading.Thread(target=run, name=f"veo-gallery-{name}", daemon=True)
        thread.start()
        return thread
