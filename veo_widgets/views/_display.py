"""How status and results look, once, for the panel, ``%%veo`` and the ``veo`` command.

HTML for notebooks and plain text for the terminal: the status line and its progress
estimate, the video player (linked or embedded, by front end) and its caption. The shared
stylesheet and badges are ``_style``; the history table is ``_history_view``; both are
re-exported here. Nothing here talks to the API: callers pass what they know (a status,
seconds, a Job).
"""

from __future__ import annotations

import base64
import html
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from .._errors import GenerationTimeoutError, VeoError
from ..schema._models import Job, JobStatus
from ._history import history_table_html, history_text, short_id
from ._style import KEYS, STYLE, badge_html, demo_notice_html, is_active

__all__ = [
    "EMBED_LIMIT",
    "STYLE",
    "Progress",
    "KEYS",
    "badge_html",
    "caption_html",
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
    "still_running_text",
    "stopped_note",
    "video_html",
]

#: Embedding puts the video's bytes into the notebook; above this it is refused.
EMBED_LIMIT = 12 * 1024 * 1024


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
    done = JobStatus.is_success(status)
    bar = int(progress * 100)
    ident = f' &middot; <code class="veo-job-id" style="user-select:all">{html.escape(job_id)}</code>' if job_id else ""
    pending = is_active(status)
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


def video_html(path: Path, *, embed: bool = False, width: int = 640, autoplay: bool = False) -> VideoHTML:
    """The saved video as a player that fits the window in either orientation.

    Linked from disk where the front end serves the notebook's folder; its bytes embedded
    when asked, or where files are not served (Voila, VS Code, Colab), or when it was saved
    outside the notebook's folder. Embedding over ``EMBED_LIMIT`` is refused with a
    ``VeoError`` that says where the file is. If the browser cannot play it, the player says
    so and offers the file. ``autoplay``: it starts as soon as it can (muted only where the
    browser refuses to start it with sound).
    """
    path = Path(path)
    href = link(path)
    must = not _inside(href) or not files_served()
    offer = "" if embed or must else f'<a href="{html.escape(href)}" download>Download it</a> or open '
    fallback = (
        f'<p class="veo-note">This browser could not play the video here. '
        f"{offer or 'Open '}<code>{html.escape(str(path))}</code>.</p>"
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
    start = (
        ' autoplay onloadeddata="var v=this;if(v.paused){v.play().catch(function(){v.muted=true;'
        'v.play().catch(function(){});});}"'
        if autoplay
        else ""
    )
    player = (
        f'<div class="veo-video"><video controls playsinline preload="auto"{start} width="{width}" '
        f'style="max-width:100%;max-height:70vh;height:auto" aria-label="generated video">'
        f'<source src="{src}" type="video/mp4" '
        "onerror=\"this.parentNode.nextElementSibling.style.display='block'\">"
        f'</video><div class="veo-video-fallback" style="display:none">{fallback}</div></div>'
    )
    return VideoHTML(player, embedded=embed or must)


# ---------------------------------------------------------------- history


def still_running_text(error: GenerationTimeoutError, resume: str, then: str) -> str:
    """A wait that ran out, in one line that names the command picking the job up again:
    ``resume`` is ``veo resume`` or ``%veo resume``, ``then`` what it does (``save the video``)."""
    job = error.job
    return (
        f"{job.id} is still {job.status} after {error.timeout:g} s; it goes on (and will be billed). "
        f"Wait for it and {then} with: {resume} {short_id(job.id) or job.id}"
    )


def caption_html(job: Job, *, embedded: bool = False) -> str:
    """Under a player: where the file is, a download that works where the player does, and
    what it cost.

    A linked player (the front end serves the notebook's folder) gets a link to the file.
    An embedded one gets no such link: where files are not served it is dead (Voila answers
    403), so the video's bytes are offered as a data URI with a ``download=`` file name,
    within ``EMBED_LIMIT``; past it, or where neither works, the saved path is text only.
    """
    assert job.path is not None
    path = Path(job.path)
    href = link(path)
    if not embedded and files_served() and _inside(href):
        get = f'<a href="{html.escape(href)}" download>download</a> &middot; '
    else:
        get = _data_download(path)
    usage = job.usage.describe() + (" (simulated)" if job.demo else "")
    return (
        f'<div class="veo-caption"><small>saved to <code>{html.escape(str(path))}</code> &middot; '
        f"{get}{html.escape(usage)}</small></div>"
    )


def _data_download(path: Path) -> str:
    """A download link that carries the video itself, or nothing past ``EMBED_LIMIT``."""
    try:
        if path.stat().st_size > EMBED_LIMIT:
            return ""
        data = base64.b64encode(path.read_bytes()).decode("ascii")
    except OSError:
        return ""
    name = html.escape(path.name)
    return f'<a href="data:video/mp4;base64,{data}" download="{name}">download</a> &middot; '
