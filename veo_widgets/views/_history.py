"""The job history as a terminal table (``veo history``) and as HTML (``%veo history``)."""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from datetime import datetime, timezone

from ..schema._models import Job
from ._style import is_active

__all__ = ["history_table_html", "history_text", "short_id", "watched_elsewhere"]


def short_id(job_id: str | None) -> str:
    """The first 8 letters and digits of an id: what file names use, and what a prefix may be."""
    return "".join(ch for ch in (job_id or "") if ch.isalnum())[:8]


#: Before the prompt of the take chosen among its siblings.
CHOSEN = "★"


def _prompt(job: Job) -> str:
    return str((job.request or {}).get("prompt", "")).replace("\n", " ")


def _marked(job: Job) -> str:
    """The prompt, after a star for the chosen take."""
    return (f"{CHOSEN} " if job.chosen else "") + _prompt(job)


def _when(job: Job) -> str:
    return job.created_at.astimezone().strftime("%m-%d %H:%M")


def watched_elsewhere(job: Job, now: datetime | None = None) -> bool:
    """Whether a process (another kernel, a terminal's ``veo``) is polling ``job`` now: its
    heartbeat in the journal promises another poll before ``watched_until``."""
    until = job.watched_until
    return until is not None and until > (now or datetime.now(timezone.utc))


#: After a pending job's status: someone else is polling it / nobody is.
WATCHED, UNWATCHED = " (watched)", "?"


#: Journal states said in words (the journal's own spelling stays in the data).
_WORDS = {"not_submitted": "not sent"}


def _label(job: Job, watched: bool) -> str:
    status = _WORDS.get(job.status, job.status)
    if is_active(job.status) and not watched:
        status += WATCHED if watched_elsewhere(job) else UNWATCHED
    return status + (" demo" if job.demo else "")


def _cut(text: str, room: int) -> str:
    return text if len(text) <= room else text[: max(0, room - 1)] + "…"


#: The narrowest prompt column worth keeping the CREATED column for.
_MIN_PROMPT = 12


def history_text(jobs: Sequence[Job], *, width: int = 80, watched: frozenset[str] = frozenset()) -> str:
    """Aligned columns with a header that fit ``width`` characters (narrow: without the
    CREATED column, the status shortened). A pending job is marked ``?`` when nobody is
    polling it (the footer says how to pick it up again), ``(watched)`` when another process
    is (its heartbeat in the journal is fresh)."""
    if not jobs:
        return "no jobs yet"
    labels = [_label(job, (job.id or "") in watched) for job in jobs]
    status_w = min(25, max(16, *map(len, labels)))
    when_w = 11
    if 8 + 2 + when_w + 2 + status_w + 2 + _MIN_PROMPT > width:
        status_w = max(10, min(status_w, max(map(len, labels)), width - 8 - 2 - 2 - _MIN_PROMPT))
    show_when = 8 + 2 + when_w + 2 + status_w + 2 + _MIN_PROMPT <= width
    fixed = 8 + 2 + (when_w + 2 if show_when else 0) + status_w + 2
    room = max(4, width - fixed)

    def line(ident: str, when: str, status: str, prompt: str) -> str:
        created = f"{when:<{when_w}}  " if show_when else ""
        return f"{ident:<8}  {created}{_cut(status, status_w):<{status_w}}  {_cut(prompt, room)}".rstrip()

    rows = [line("ID", "CREATED", "STATUS", "PROMPT")]
    for job, label in zip(jobs, labels, strict=True):
        rows.append(line(short_id(job.id) or "-", _when(job), label, _marked(job)))
    notes = []
    if any(job.chosen for job in jobs):
        notes.append(f"{CHOSEN} = the take chosen among the takes of its request")
    if any(label.split()[0].endswith(UNWATCHED) for label in labels):
        notes.append("? = nobody is waiting for it here: `veo resume ID` picks it up again")
    if any(WATCHED in label for label in labels):
        notes.append("(watched) = another process (a kernel, a terminal) is polling it now and will save it")
    if any(job.status == "unconfirmed" for job in jobs):
        notes.append("unconfirmed = the create's answer was lost: `veo reconcile` looks for the job")
    if any(job.status == "not_submitted" for job in jobs):
        notes.append("not sent = the create never reached the API (or it refused it): nothing was billed")
    for note in notes:
        rows += textwrap.wrap(note, max(20, width), subsequent_indent="  ", break_on_hyphens=False)
    return "\n".join(rows)


def history_table_html(jobs: Sequence[Job], *, watched: frozenset[str] = frozenset()) -> str:
    """The same as an HTML table, with the full id selectable and resume offered."""
    if not jobs:
        return '<div class="veo-history"><i>no jobs yet</i></div>'
    rows = []
    for job in jobs:
        label = _label(job, (job.id or "") in watched)
        hint = ""
        if WATCHED in label:
            label = label.replace(WATCHED, "")
            hint = "<br><small>watched by another process (a kernel or a terminal is polling it)</small>"
        elif label.split()[0].endswith(UNWATCHED) and job.id:
            hint = f"<br><small>not being watched: <code>%veo resume {html.escape(short_id(job.id))}</code></small>"
        elif job.status == "unconfirmed":
            hint = "<br><small>the answer was lost: <code>%veo reconcile</code> looks for it</small>"
        cells = (
            html.escape(_when(job)),
            html.escape(label) + hint,
            f'<code style="user-select:all">{html.escape(job.id or "-")}</code>',
            _star(job) + html.escape(_prompt(job)[:60]),
            f"<small>{html.escape(str(job.path or ''))}</small>",
        )
        rows.append("<tr>" + "".join(f"<td{_CELL}>{cell}</td>" for cell in cells) + "</tr>")
    head = (
        "<tr>" + "".join(f"<th{_CELL}>{name}</th>" for name in ("created", "status", "id", "prompt", "saved")) + "</tr>"
    )
    return f'<table class="veo-history">{head}{"".join(rows)}</table>'


#: On each cell, not in the stylesheet: ``%veo history`` prints the table alone, and
#: JupyterLab's own table style right-aligns every cell.
_CELL = ' style="text-align:left;vertical-align:top"'


def _star(job: Job) -> str:
    if not job.chosen:
        return ""
    return f'<span class="veo-chosen" title="the chosen take" aria-label="chosen take">{CHOSEN}</span> '
