"""A long take's links as the journal has them, and the film a fallback stitches.

Which links of a chain are made (and paid for) is read from the journal, never from the
plan's file: each attempt at link ``i`` is journaled with the chain's key for it in the
``batch`` column (``chain-1a2b...:2``). :func:`to_make` says which links a resume would
still pay for (what it prices against the budget before sending anything); :func:`made_link`
finds one link's finished job, waits for one in flight, or looks up a lost create.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .._config import output_dir
from .._errors import (
    APIError,
    AuthenticationError,
    GenerationFailedError,
    InsufficientCreditsError,
    RateLimitError,
    VeoError,
)
from ..schema._models import Job, JobStatus
from ._chain import ChainPlan, Link

__all__ = ["extend_failed", "film_path", "made_link", "may_be_billed", "stitch_film", "to_make"]


def _rows(journal: Any, plan: ChainPlan, link: Link) -> list[Job]:
    rows: list[Job] = journal.page(0, None, batch=plan.key(link.index))
    return rows


def _paid(row: Job) -> bool:
    """True when ``row`` is a made job, one still running, or a create whose answer was lost:
    a resume never pays for its link again."""
    if row.id and (JobStatus.is_success(row.status) or JobStatus.is_pending(row.status)):
        return True
    return not row.id and bool(row.client_request_id) and str(row.status).lower() == "unconfirmed"


def may_be_billed(journal: Any, plan: ChainPlan, link: Link) -> bool:
    """True when the journal holds a job of ``link`` that exists or may exist (made, still
    running, or a create whose answer was lost): another create for the link, a fallback's
    included, could pay for it twice. A failed generation or a refused create bills nothing."""
    return any(_paid(row) for row in _rows(journal, plan, link))


def to_make(plan: ChainPlan, journal: Any) -> list[Link]:
    """The links of ``plan`` a resume would send a create for: never made, or every attempt
    failed (a failed generation bills nothing)."""
    return [link for link in plan.links if not may_be_billed(journal, plan, link)]


def made_link(ops: Any, plan: ChainPlan, link: Link, save_to: str | None, waiting: Callable[[], None]) -> Job | None:
    """``link``'s finished job from the journal (downloaded again if its file is gone), a
    running one waited for (``waiting()`` is called first), or None when it has to be made."""

    def saved(row: Job) -> Job:
        found: Job | None = ops.journal.find(row.id)
        return found or row

    rows = _rows(ops.journal, plan, link)
    for row in rows:
        if JobStatus.is_success(row.status) and row.id:
            if row.path is None or not row.path.is_file():
                ops.download(row.id, save_to)
                return saved(row)
            return row
    for row in rows:
        if row.id and JobStatus.is_pending(row.status):
            waiting()
            ops.wait(row.id)
            ops.download(row.id, save_to)
            return saved(row)
    for row in rows:
        if not row.id and row.client_request_id and str(row.status).lower() == "unconfirmed":
            ops.reconcile(row.client_request_id)
            found = ops.journal.find(row.client_request_id)
            if found is not None and found.id:
                ops.wait(found.id)
                ops.download(found.id, save_to)
                return saved(found)
            raise VeoError(
                f"link {link.index + 1} of {plan.chain}: its create may have reached the API and is not "
                "found yet; run `veo reconcile`, then resume (it is never sent twice)",
                may_exist=True,
                client_request_id=row.client_request_id,
            )
    return None


def extend_failed(exc: BaseException) -> bool:
    """True when an extend failed in a way continuing from the last frame may get round: the
    generation failed, or the API refused or broke on it (not the key, the credits, the rate
    limit, the budget or a stop, which a fallback would only meet again). Never when its create
    may have reached the API (``may_exist``): that extend may be made and billed, and a
    fallback would pay for the link again; a resume looks it up instead."""
    if getattr(exc, "may_exist", False):
        return False
    if isinstance(exc, GenerationFailedError):
        return True
    refused = (AuthenticationError, InsufficientCreditsError, RateLimitError)
    return isinstance(exc, APIError) and not isinstance(exc, refused)


def film_path(plan: ChainPlan) -> Path:
    """Where a stitched long take goes: ``save_to`` when it names a file, else beside the
    links (``<chain>-film.mp4``)."""
    given = plan.save_to
    if given is not None and Path(given).suffix:
        return Path(given).expanduser()
    folder = Path(given).expanduser() if given is not None else output_dir()
    return folder / f"{plan.chain}-film.mp4"


def stitch_film(plan: ChainPlan, jobs: Sequence[Job | None], origin: Job | None) -> Path:
    """Join the whole clip made before the first continue (the last extend, the first clip or
    the clip lengthened) and every continue after it, with the plan's crossfade."""
    clips: list[Job] = []
    base = origin
    for link, job in zip(plan.links, jobs, strict=True):
        assert job is not None
        if link.relation == "continue":
            clips.append(job)
        else:
            base = job
    if base is not None:
        clips.insert(0, base)
    target = film_path(plan)
    target.parent.mkdir(parents=True, exist_ok=True)
    from ..media._media import stitch  # PyAV: loaded when a film is stitched, not with the panel

    return stitch(clips, target, crossfade=plan.crossfade)
