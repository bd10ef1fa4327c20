"""How status and results look, once, for the panel, ``%%veo`` and the ``veo`` command.

HTML for notebooks (themed with JupyterLab's CSS variables, each with a light fallback, so it
reads well in the dark theme and outside Lab too) and plain text for the terminal. Nothing
here talks to the API: callers pass what they know (a status, seconds, a Job).
"""

from __future__ import annotations

import base64
import html
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._config import DEMO_NOTICE
from ._errors import VeoError
from ._models import Job

__all__ = [
    "EMBED_LIMIT",
    "STYLE",
    "Progress",
    "KEYS",
    "badge_html",
    "caption_html",
    "estimate_text",
    "demo_notice_html",
    "files_served",
    "frontend",
    "history_table_html",
    "history_text",
    "link",
    "progress_text",
    "short_id",
    "status_line_html",
    "status_text",
    "stopped_note",
    "video_html",
]

#: Embedding puts the video's bytes into the notebook; above this it is refused.
EMBED_LIMIT = 12 * 1024 * 1024
#: Pending statuses, then the ends: what a badge can say.
ACTIVE = frozenset({"submitting", "queued", "waiting", "active", "generating", "downloading"})

# (CSS variable, fallback) per status: JupyterLab's palette where it has one.
_TONE = {
    "submitting": ("--jp-layout-color3", "#6b7280"),
    "queued": ("--jp-layout-color3", "#6b7280"),
    "waiting": ("--jp-layout-color3", "#6b7280"),
    "active": ("--jp-brand-color1", "#1976d2"),
    "generating": ("--jp-brand-color1", "#1976d2"),
    "downloading": ("--jp-accent-color1", "#7c3aed"),
    "completed": ("--jp-success-color1", "#388e3c"),
    "error": ("--jp-error-color1", "#d32f2f"),
    "cancelled": ("--jp-warn-color1", "#f57c00"),
    "stopped": ("--jp-warn-color1", "#f57c00"),
}

#: One stylesheet for everything this package shows in a notebook. Scoped by class.
STYLE = """<style>
.veo-panel, .veo-status, .veo-summary, .veo-history, .veo-note {
  color: var(--jp-ui-font-color1, #1f2937); font-family: var(--jp-ui-font-family, system-ui, sans-serif);
  font-size: var(--jp-ui-font-size1, 13px); max-width: 100%; box-sizing: border-box; }
.veo-panel { gap: 8px; }
.veo-panel .veo-columns { flex-flow: row wrap; gap: 16px; align-items: flex-start; }
.veo-panel .veo-inputs { flex: 1 1 340px; min-width: 0; max-width: 100%; gap: 6px; }
.veo-panel .veo-outputs { flex: 1 1 360px; min-width: 0; max-width: 100%; gap: 6px; }
.veo-panel .widget-html, .veo-panel .widget-text, .veo-panel .widget-textarea, .veo-panel .widget-toggle-buttons,
.veo-panel .widget-hbox { max-width: 100%; }
.veo-panel .widget-toggle-buttons { display: flex; flex-flow: row wrap; align-items: center; }
.veo-panel .widget-toggle-buttons > .widget-label { flex: 0 0 auto; }
.veo-panel .widget-toggle-buttons .widget-toggle-button { min-width: 0; }
.veo-panel :focus-visible { outline: 2px solid var(--jp-brand-color1, #1976d2); outline-offset: 1px; }
.veo-badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; color: var(--jp-ui-inverse-font-color0, #fff); }
.veo-demo-banner { box-sizing: border-box; max-width: 100%; background: var(--jp-layout-color2, #fff8e1); color: var(--jp-ui-font-color1, #1f2937);
  border: 1px solid var(--jp-warn-color1, #f57c00); border-left-width: 4px; padding: 4px 8px; border-radius: 4px; }
.veo-error { color: var(--jp-error-color1, #d32f2f); }
.veo-note { color: var(--jp-ui-font-color2, #4b5563); }
.veo-job { border: 1px solid var(--jp-border-color2, #e0e0e0); border-radius: 4px; padding: 4px 6px;
  background: var(--jp-layout-color1, #fff); }
.veo-placeholder { display: flex; align-items: center; justify-content: center; text-align: center;
  width: 192px; height: 108px; border: 1px dashed var(--jp-border-color1, #bdbdbd); border-radius: 4px;
  color: var(--jp-ui-font-color2, #6b7280); background: var(--jp-layout-color2, #f5f5f5); font-size: 12px; }
.veo-video video { max-width: 100%; max-height: 70vh; height: auto; display: block;
  background: var(--jp-layout-color2, #000); }
.veo-history td, .veo-history th { padding: 2px 8px; text-align: left; vertical-align: top;
  border-bottom: 1px solid var(--jp-border-color2, #e0e0e0); }
.veo-summary { border: 1px solid var(--jp-border-color2, #e0e0e0); border-radius: 4px; padding: 8px;
  background: var(--jp-layout-color1, #fff); display: flex; gap: 12px; flex-wrap: wrap; }
.veo-summary img { max-width: 240px; max-height: 40vh; border-radius: 4px; }
.veo-code { user-select: all; white-space: pre-wrap; background: var(--jp-layout-color2, #f5f5f5);
  color: var(--jp-content-font-color1, #111); padding: 6px; border-radius: 4px; }
</style>"""


#: Ctrl+Enter (Cmd+Enter) in the prompt presses Generate. ipywidgets has no key events and a
#: widget's HTML is set with innerHTML (scripts do not run, handlers do): a 1-pixel image's
#: onload attaches one listener to its own panel.
KEYS = (
    '<img alt="" aria-hidden="true" style="display:none" '
    'src="data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==" '
    "onload=\"(function(i){var p=i.closest('.veo-panel');if(!p||p.dataset.veoKeys)return;"
    "p.dataset.veoKeys='1';p.addEventListener('keydown',function(e){if(e.key==='Enter'&&(e.ctrlKey||e.metaKey)"
    "&&e.target.closest('.veo-prompt')){e.preventDefault();e.stopPropagation();"
    "var b=p.querySelector('.veo-generate');if(b){b.click();}}},true);})(this)\">"
)


def _var(name: str, fallback: str) -> str:
    return f"var({name}, {fallback})"


def badge_html(status: str) -> str:
    """A coloured pill naming ``status``; ``data-status`` is for tests and browsers."""
    name, fallback = _TONE.get(status, ("--jp-layout-color4", "#374151"))
    safe = html.escape(status)
    return (
        f'<span class="veo-badge" role="status" data-status="{safe}" '
        f'style="background:{_var(name, fallback)};color:var(--jp-ui-inverse-font-color0, #fff);'
        f'padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600">{safe}</span>'
    )


def demo_notice_html() -> str:
    """The one demo-mode notice."""
    return (
        '<div class="veo-demo-banner" role="note" style="background:var(--jp-layout-color2, #fff8e1);'
        "border:1px solid var(--jp-warn-color1, #f57c00);border-left-width:4px;color:var(--jp-ui-font-color1, #1f2937);"
        f'padding:4px 8px;border-radius:4px">&#9888; {html.escape(DEMO_NOTICE)}</div>'
    )


class Progress:
    """What to show of a progress estimate: never backwards, never a leap.

    The estimate comes from how long jobs usually take; the job's real end arrives as a jump
    to 1.0. Shown progress moves toward the target by at most ``rate`` per second, so a bar
    glides to 100 % instead of leaping from 30 %.
    """

    def __init__(self, rate: float = 1.5) -> None:
        self.rate = rate
        self.value = 0.0
        self._at: float | None = None

    def update(self, target: float, now: float) -> float:
        target = min(1.0, max(0.0, target))
        if self._at is None:
            self._at = now
        step = max(0.0, now - self._at) * self.rate
        self._at = now
        if target > self.value:
            self.value = min(target, self.value + max(step, 0.0))
        return self.value

    @property
    def settled(self) -> bool:
        return self.value >= 1.0


def progress_text(fraction: float, *, done: bool = False) -> str:
    """``"~40 % (estimate)"`` while running; ``"100 %"`` once the job is done."""
    if done:
        return "100 %"
    return f"~{min(99, int(fraction * 100))} % (estimate)"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}" if minutes else f"{secs} s"


def short_id(job_id: str | None) -> str:
    """The first 8 letters and digits of an id: what file names use, and what a prefix may be."""
    return "".join(ch for ch in (job_id or "") if ch.isalnum())[:8]


def status_line_html(
    status: str,
    elapsed: float,
    progress: float,
    job_id: str | None = None,
    *,
    demo: bool = False,
    note: str = "",
) -> str:
    """The live line under a ``%%veo`` cell: badge, clock, an estimate bar, the job id."""
    done = status == "completed"
    bar = int(progress * 100)
    ident = f' &middot; <code class="veo-job-id" style="user-select:all">{html.escape(job_id)}</code>' if job_id else ""
    pending = status in ACTIVE
    meter = (
        f' <progress value="{bar}" max="100" style="width:140px;vertical-align:middle" '
        f'aria-label="estimated progress"></progress> <small>{progress_text(progress, done=done)}</small>'
        if pending or done
        else ""
    )
    extra = f'<div class="veo-note"><small>{html.escape(note)}</small></div>' if note else ""
    return (
        (demo_notice_html() if demo else "")
        + f'<div class="veo-status" data-status="{html.escape(status)}">{badge_html(status)} '
        f"&middot; {_clock(elapsed)}{meter}{ident}{extra}</div>"
    )


def status_text(status: str, elapsed: float, progress: float, *, width: int = 20, frame: str = "") -> str:
    """The terminal's status line: ``| generating 0:12 [#####     ] ~45 % (estimate)``."""
    done = progress >= 1.0
    filled = round(progress * width)
    bar = "#" * filled + " " * (width - filled)
    minutes, secs = divmod(int(elapsed), 60)
    lead = f"{frame} " if frame else ""
    return f"{lead}{status:<11} {minutes:02d}:{secs:02d} [{bar}] {progress_text(progress, done=done)}"


def stopped_note(job: Job | None, what: str = "Stopped watching") -> str:
    """The calm words for a job nobody is waiting for any more."""
    if job is None or not job.id:
        return f"{what} before the job was created."
    return f"{what}: the job may still finish (and be billed). Resume picks it up again."


# ---------------------------------------------------------------- where the page runs


def frontend() -> str:
    """Which front end the kernel serves, from what each one puts in the kernel's environment:
    ``colab`` (``COLAB_RELEASE_TAG``, or ``google.colab`` imported), ``vscode`` (``VSCODE_PID``
    or ``VSCODE_CWD``: the Jupyter extension starts kernels from VS Code's environment),
    ``voila`` (Voila sets ``SERVER_SOFTWARE=voila/<version>`` and ``VOILA_*`` variables in
    every kernel it starts, preheated or not), else ``jupyter`` (Lab, Notebook 7, Binder)."""
    env = os.environ
    if env.get("COLAB_RELEASE_TAG") or "google.colab" in sys.modules:
        return "colab"
    if env.get("SERVER_SOFTWARE", "").startswith("voila/") or any(
        env.get(name) for name in ("VOILA_KERNEL_ID", "VOILA_BASE_URL", "VOILA_SERVER_URL", "VOILA_APP_PORT")
    ):
        return "voila"
    if env.get("VSCODE_PID") or env.get("VSCODE_CWD"):
        return "vscode"
    return "jupyter"


def files_served() -> bool:
    """True where the page can fetch files relative to the notebook (Lab, Notebook 7). Voila
    answers a file request with a redirect the ``<video>`` cannot follow; VS Code and Colab
    serve no files at all: there, videos are embedded."""
    return frontend() == "jupyter"


def link(path: Path) -> str:
    """The path as the notebook's front end can fetch it: relative to the kernel's folder."""
    try:
        return Path(os.path.relpath(Path(path).resolve(), Path.cwd())).as_posix()
    except ValueError:  # another drive on Windows
        return Path(path).as_posix()


def _inside(href: str) -> bool:
    return not (href.startswith("../") or Path(href).is_absolute())


@dataclass(frozen=True)
class VideoHTML:
    """A player as HTML, for ``display()`` (``_repr_html_``) or an HTML widget (``.html``)."""

    html: str
    embedded: bool

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<video player, {'embedded' if self.embedded else 'linked'}>"


def video_html(path: Path, *, embed: bool = False, width: int = 640) -> VideoHTML:
    """The saved video as a player that fits the window in either orientation.

    Linked from disk where the front end serves the notebook's folder; its bytes embedded
    when asked, or where files are not served (Voila, VS Code, Colab), or when it was saved
    outside the notebook's folder. Embedding over ``EMBED_LIMIT`` is refused with a
    ``VeoError`` that says where the file is. If the browser cannot play it, the player says
    so and offers the file.
    """
    path = Path(path)
    href = link(path)
    must = not _inside(href) or not files_served()
    fallback = (
        f'<p class="veo-note">This browser could not play the video here. '
        f'<a href="{html.escape(href)}" download>Download it</a> or open <code>{html.escape(str(path))}</code>.</p>'
    )
    if embed or must:
        size = path.stat().st_size
        if size > EMBED_LIMIT:
            where = "" if embed and not must else f"this front end ({frontend()}) cannot fetch it from disk and "
            raise VeoError(
                f"{where}the video is {size / 1e6:.1f} MB, over the {EMBED_LIMIT / 1e6:.0f} MB embedding "
                f"limit: open {path} directly"
            )
        src = "data:video/mp4;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
    else:
        src = html.escape(href)
    # onerror on <source> is the one that fires for a failed load; it reveals the note.
    player = (
        f'<div class="veo-video"><video controls playsinline preload="auto" width="{width}" '
        f'style="max-width:100%;max-height:70vh;height:auto" aria-label="generated video">'
        f'<source src="{src}" type="video/mp4" '
        "onerror=\"this.parentNode.nextElementSibling.style.display='block'\">"
        f'</video><div class="veo-video-fallback" style="display:none">{fallback}</div></div>'
    )
    return VideoHTML(player, embedded=embed or must)


# ---------------------------------------------------------------- history


def _prompt(job: Job) -> str:
    return str((job.request or {}).get("prompt", "")).replace("\n", " ")


def _when(job: Job) -> str:
    return job.created_at.astimezone().strftime("%m-%d %H:%M")


def _label(job: Job, watched: bool) -> str:
    status = job.status
    if status in ACTIVE and not watched:
        status = f"{status}?"
    return status + (" demo" if job.demo else "")


def history_text(jobs: Sequence[Job], *, width: int = 80, watched: frozenset[str] = frozenset()) -> str:
    """Aligned columns with a header that fit ``width`` characters. A pending job nobody is
    watching is marked ``?`` and the footer says how to pick it up again."""
    if not jobs:
        return "no jobs yet"
    head = f"{'ID':<8}  {'CREATED':<11}  {'STATUS':<16}  PROMPT"
    fixed = len(head) - len("PROMPT")
    rows = [head]
    stale = False
    for job in jobs:
        label = _label(job, (job.id or "") in watched)
        stale = stale or label.split()[0].endswith("?")
        prompt = _prompt(job)
        room = max(8, width - fixed)
        if len(prompt) > room:
            prompt = prompt[: room - 1] + "…"
        ident = short_id(job.id) or "-"
        rows.append(f"{ident:<8}  {_when(job):<11}  {label[:16]:<16}  {prompt}")
    if stale:
        rows.append("? = nobody is waiting for it here: `veo resume ID` picks it up again")
    return "\n".join(rows)


def history_table_html(jobs: Sequence[Job], *, watched: frozenset[str] = frozenset()) -> str:
    """The same as an HTML table, with the full id selectable and resume offered."""
    if not jobs:
        return '<div class="veo-history"><i>no jobs yet</i></div>'
    rows = []
    for job in jobs:
        label = _label(job, (job.id or "") in watched)
        hint = ""
        if label.split()[0].endswith("?") and job.id:
            hint = f"<br><small>not being watched: <code>%veo resume {html.escape(short_id(job.id))}</code></small>"
        rows.append(
            f"<tr><td>{html.escape(_when(job))}</td><td>{html.escape(label)}{hint}</td>"
            f'<td><code style="user-select:all">{html.escape(job.id or "-")}</code></td>'
            f"<td>{html.escape(_prompt(job)[:60])}</td><td><small>{html.escape(str(job.path or ''))}</small></td></tr>"
        )
    head = "<tr><th>created</th><th>status</th><th>id</th><th>prompt</th><th>saved</th></tr>"
    return f'<table class="veo-history">{head}{"".join(rows)}</table>'


def estimate_text(client: Any, options: Mapping[str, Any]) -> str:
    """The price of a request before it runs, from the API's catalogue (``client.estimate``):
    ``about $1.68 (simulated prices)``, or ``price unknown``, never a made-up number."""
    media = ("last_image", "reference_images", "video")
    try:
        return str(client.estimate(**{k: v for k, v in options.items() if k not in media}).describe())
    except VeoError:
        return "price unknown"


def caption_html(job: Job) -> str:
    """Under a player: where the file is, a download link, and what it cost."""
    assert job.path is not None
    href = html.escape(link(job.path))
    usage = job.usage.describe() + (" (simulated)" if job.demo else "")
    return (
        f'<div class="veo-caption"><small>saved to <code>{html.escape(str(job.path))}</code> &middot; '
        f'<a href="{href}" download>download</a> &middot; {html.escape(usage)}</small></div>'
    )
