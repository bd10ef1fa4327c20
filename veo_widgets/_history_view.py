"""The job history as a terminal table (``veo history``) and as HTML (``%veo history``)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from ._models import Job
from ._style import ACTIVE

__all__ = ["history_table_html", "history_text", "short_id"]


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
        prompt = _marked(job)
        room = max(8, width - fixed)
        if len(prompt) > room:
            prompt = prompt[: room - 1] + "…"
        ident = short_id(job.id) or "-"
        rows.append(f"{ident:<8}  {_when(job):<11}  {label[:16]:<16}  {prompt}")
    if any(job.chosen for job in jobs):
        rows.append(f"{CHOSEN} = the take chosen among the takes of its request")
    if stale:
        rows.append("? = nobody is waiting for it here: `veo resume ID` picks it up again")
    if any(job.status == "unconfirmed" for job in jobs):
        rows.append("unconfirmed = the create's answer was lost: `veo reconcile` looks for the job")
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
        elif job.status == "unconfirmed":
            hint = "<br><small>the answer was lost: <code>%veo reconcile</code> looks for it</small>"
        rows.append(
            f"<tr><td>{html.escape(_when(job))}</td><td>{html.escape(label)}{hint}</td>"
            f'<td><code style="user-select:all">{html.escape(job.id or "-")}</code></td>'
            f"<td>{_star(job)}{html.escape(_prompt(job)[:60])}</td><td><small>{html.escape(str(job.path or ''))}</small></td></tr>"
        )
    head = "<tr><th>created</th><th>status</th><th>id</th><th>prompt</th><th>saved</th></tr>"
    return f'<table class="veo-history">{head}{"".join(rows)}</table>'


def _star(job: Job) -> str:
    if not job.chosen:
        return ""
    return f'<span class="veo-chosen" title="the chosen take" aria-label="chosen take">{CHOSEN}</span> '
