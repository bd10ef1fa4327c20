"""What the gallery shows, without any widgets: pages of journal rows, filters, and for
each job what state it is in, what can be done about it and where it came from.

The gallery asks the journal for one page at a time (``page(offset, limit, **filters)`` and
``count(**filters)``), so thousands of rows never load at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from ...schema._models import FAILURE_STATUSES, PENDING_STATUSES, SUCCESS_STATUSES, Job, JobStatus

__all__ = ["Card", "Filters", "Pager", "Source", "card", "grown", "lineage"]

#: The gallery's status filter: a label and the journal statuses it covers.
STATUS_FILTERS: Mapping[str, tuple[str, ...]] = {
    "finished": SUCCESS_STATUSES,
    "running": PENDING_STATUSES,
    "failed": FAILURE_STATUSES,
    "unconfirmed": ("unconfirmed",),
    "not sent": ("not_submitted",),
}

#: What each action is called on a button.
ACTIONS = {
    "play": "Play",
    "rerun": "Re-run",
    "continue": "Continue from last frame",
    "extend": "Extend",
    "lengthen": "Lengthen (long take)",
    "reveal": "Reveal file",
    "delete": "Delete file",
    "download": "Download again",
    "resume": "Resume",
    "reconcile": "Find it (reconcile)",
    "sequence": "Add to sequence",
    "choose": "Choose this take",
}


class Source(Protocol):
    """A journal, as the gallery reads it."""

    def page(self, offset: int, limit: int, **filters: Any) -> list[Job]: ...

    def count(self, **filters: Any) -> int: ...


@dataclass(frozen=True)
class Filters:
    """What the person narrowed the gallery to. Empty fields do not filter."""

    text: str = ""
    model: str | None = None  # a short name, as ``veo models`` lists them (an id works too)
    status: str | None = None  # a key of STATUS_FILTERS
    since: datetime | None = None
    until: datetime | None = None

    def query(self) -> dict[str, Any]:
        """Keyword arguments for ``Journal.page`` / ``Journal.count``."""
        out: dict[str, Any] = {}
        if self.text.strip():
            out["text"] = self.text.strip()
        if self.model:  # a short name (or any spelling): every spelling a row may hold
            from ...studio._studio import model_names

            out["model"] = model_names(self.model)
        if self.status:
            out["status"] = STATUS_FILTERS.get(self.status, (self.status,))
        if self.since is not None:
            out["since"] = self.since
        if self.until is not None:
            out["until"] = self.until
        return out


@dataclass
class Pager:
    """One page of the journal at a time, newest first."""

    source: Source
    size: int = 12
    filters: Filters = field(default_factory=Filters)
    index: int = 0
    total: int = 0
    jobs: list[Job] = field(default_factory=list)

    def refresh(self) -> list[Job]:
        """Count the matching rows and load the current page (clamped to the last one)."""
        query = self.filters.query()
        self.total = self.source.count(**query)
        self.index = max(0, min(self.index, self.pages - 1))
        self.jobs = self.source.page(self.index * self.size, self.size, **query)
        return self.jobs

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    def go(self, index: int) -> list[Job]:
        self.index = index
        return self.refresh()

    def narrow(self, **changes: Any) -> list[Job]:
        """New filters start again at the first page."""
        self.filters = replace(self.filters, **changes)
        self.index = 0
        return self.refresh()

    def describe(self) -> str:
        if not self.total:
            return "no clips match" if self.filters.query() else "no clips yet"
        first = self.index * self.size + 1
        last = min(self.total, first + self.size - 1)
        return f"{first:,}-{last:,} of {self.total:,} · page {self.index + 1} of {self.pages}"


# ---------------------------------------------------------------------- one job


def _field(job: Job, name: str) -> Any:
    """A journal field: on the Job where the journal provides it, else from its request."""
    value = getattr(job, name, None)
    if value is None and job.request:
        value = job.request.get(name)
    return value


@dataclass(frozen=True)
class Card:
    """One job as the gallery shows it."""

    job: Job
    state: str  # ready | missing | running | failed | unconfirmed | not sent
    title: str
    model: str
    duration: str
    cost: str
    date: str
    hint: str
    actions: tuple[str, ...]
    relation: str | None = None
    parent_id: str | None = None
    model_id: str = ""  # the API's full id (``model`` is the short name)

    def facts(self) -> str:
        demo = "demo (simulated)" if self.job.demo else ""
        return " · ".join(part for part in (self.model, self.duration, self.cost, self.date, demo) if part)


def _state(job: Job) -> str:
    status = job.status.lower()
    if status == "unconfirmed":
        return "unconfirmed"
    if status == "not_submitted":
        return "not sent"
    if JobStatus.is_success(status):
        return "ready" if job.path is not None and Path(job.path).is_file() else "missing"
    if JobStatus.is_pending(status):
        return "running"
    return "failed"


def card(job: Job, *, can_extend: Callable[[Job], bool] | None = None) -> Card:
    """The facts, the state and the possible actions for ``job``."""
    from ...studio._studio import short_name

    state = _state(job)
    prompt = " ".join(str(_field(job, "prompt") or "").split()) or "(no prompt recorded)"
    model = str(_field(job, "model") or "")
    duration = _field(job, "duration")
    usd = job.usage.usd if job.usage.usd is not None else _field(job, "estimate_usd")
    estimated = job.usage.usd is None and usd is not None
    if state == "ready":
        actions: tuple[str, ...] = ("play", "rerun", "continue")
        if can_extend is not None and can_extend(job):
            actions += ("extend", "lengthen")
        if _field(job, "relation") == "take" and not job.chosen:
            actions += ("choose",)
        actions += ("sequence", "reveal", "delete")
        hint = str(job.path)
    elif state == "missing":
        actions = ("download", "rerun")
        hint = "the video file is gone: download it again" + (
            " (its link may have expired; a fresh one is asked for)" if job.video_url else ""
        )
    elif state == "running":
        actions = ("resume",)
        hint = "still generating: resume to wait for it and save the video"
    elif state == "unconfirmed":
        actions = ("reconcile",)
        hint = "the create request may have reached the API: reconcile to find the job before trying again"
    elif state == "not sent":
        actions = ("rerun",)
        hint = "never reached the API, nothing was billed: re-run it"
    else:
        actions = ("rerun",)
        hint = f"failed: {job.error}" if job.error else "failed"
    return Card(
        job=job,
        state=state,
        title=("★ " if job.chosen else "") + prompt,
        model=short_name(model),
        model_id=model,
        # An extension holds the clip it extends: it is that clip grown by this much.
        duration=(f"+{duration}s" if _field(job, "relation") == "extend" else f"{duration}s") if duration else "",
        cost=(f"~${usd:.2f}" if estimated else f"${usd:.2f}") if usd is not None else "",
        date=job.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
        hint=hint,
        actions=actions,
        relation=_field(job, "relation"),
        parent_id=_field(job, "parent_id"),
    )


def grown(chain: list[Job]) -> list[str]:
    """Each link's length along a lineage (oldest first): an extension holds its parent, so a
    chain of extensions is one clip that grew (``8s``, ``15s``, ``22s``); "" where unknown."""
    out: list[str] = []
    total: float | None = None
    for link in chain:
        seconds = _field(link, "duration")
        seconds = float(seconds) if isinstance(seconds, (int, float)) else None
        if _field(link, "relation") == "extend" and total is not None and seconds is not None:
            total += seconds
        else:
            total = seconds
        out.append(f"{total:g}s" if total is not None else "")
    return out


def lineage(job: Job, find: Callable[[str], Job | None], limit: int = 50) -> list[Job]:
    """The chain of jobs ``job`` was made from, oldest first, ending with ``job``.

    Stops at a job without a recorded parent, one that is not in the journal, or a loop.
    """
    chain = [job]
    seen = {job.id}
    while len(chain) < limit:
        parent_id = _field(chain[-1], "parent_id")
        if not parent_id or parent_id in seen:
            break
        parent = find(str(parent_id))
        if parent is None:
            break
        seen.add(parent.id)
        chain.append(parent)
    return chain[::-1]
