"""What the ``veo`` command and the ``%veo`` magics share, so that commands with the same
name behave alike: a job's status (the journal's record when the server no longer knows
it), a job already saved (``resume`` says so), the video to extend, a request checked
before anything is sent, a positive number of seconds, and what ``models --refresh`` says. Job ids by prefix are the
journal's (``Journal.job_id``)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._errors import APIConnectionError, NotFoundError, ValidationError
from ..journal._store import Journal
from ..schema._models import Job, VideoRequest
from ..schema._options import OPTIONS
from ..schema._spec import ModelSpec
from ._client_api import ClientAPI

OPTION_NAMES = frozenset(o.name for o in OPTIONS)

__all__ = [
    "OPTION_NAMES",
    "JobStatus",
    "already_saved",
    "check_request",
    "clip_seconds",
    "job_status",
    "models_lines",
    "positive_count",
    "positive_seconds",
    "resolve_video",
    "saved_video",
]


def positive_seconds(text: str) -> float:
    """``--timeout``: a number of seconds above zero (a wait of 0 s would create a billed job
    and give up on it at once)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seconds to wait, such as 600, not {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"seconds to wait must be more than 0, not {text!r}")
    return value


def clip_seconds(text: str) -> float:
    """``--seconds``: a clip's length, above zero (positive_seconds speaks of a wait)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"a clip's length in seconds, more than 0, such as 22, not {text!r}")
    return value


def positive_count(text: str) -> int:
    """``--limit``: a whole number, 1 or more (0 would list nothing and say there are no jobs)."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number, 1 or more, not {text!r}")
    return int(text)


def check_request(client: ClientAPI, prompt: str, image: Any, options: dict[str, Any]) -> VideoRequest:
    """The request built and checked, sending nothing that creates a job, so that a mistake
    is refused before any price is said. A job to extend whose file is gone is asked for
    once (its stored result URL may have expired), as ``client.start`` would, and
    ``options["video"]`` becomes that fresh copy."""
    video = options.get("video")
    if isinstance(video, Job) and not (video.path is not None and Path(video.path).is_file()):
        options["video"] = client.get(video)
    return client.build_request(prompt, image, **options)


def resolve_video(journal: Journal, text: str) -> Any:
    """A video to extend: a file or URL as given, or a job of the journal by id or prefix."""
    if text.startswith(("http://", "https://")) or Path(text).exists():
        return text
    found = journal.find(text)
    if found is None:
        raise ValidationError("video", f"{text!r} is not a file, a URL or a job in this machine's history")
    return found


@dataclass(frozen=True)
class JobStatus:
    """``status ID``'s answer: the job, and when the server that made it no longer knows it
    (a demo job's emulator is gone, ...), ``stale`` says the journal's record is shown and
    as of when."""

    job: Job
    stale: str = ""


def job_status(client: ClientAPI, text: str) -> JobStatus:
    """``veo status`` and ``%veo status``: the job ``text`` names, as the API says it now;
    the journal's record when the server does not know it (or cannot be reached), and the
    saved file the journal knows of."""
    job_id = client.journal.job_id(text)
    known = client.journal.find(job_id)
    try:
        job = client.get(job_id)
    except (NotFoundError, APIConnectionError) as exc:
        if known is None:
            raise
        when = known.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        return JobStatus(known, f"as of {when}; the server that made it does not know it now: {exc.message}")
    if known is not None and known.path is not None and job.path is None:
        job = job.evolve(path=known.path)
    return JobStatus(job)


def saved_video(journal: Journal, job_id: str) -> Job | None:
    """The journal's job when its video is already saved on this machine (``resume`` then
    has nothing to download), else None."""
    found = journal.find(job_id)
    return found if found is not None and found.path is not None and Path(found.path).is_file() else None


def already_saved(job: Job) -> str:
    """What ``resume`` says of a job whose video is already saved."""
    return f"{job.id} is already saved: {job.path} (nothing to download)"


def models_lines(family: Sequence[ModelSpec], refreshed: bool) -> list[str]:
    """What ``veo models`` and ``%veo models`` say under the table: with ``--refresh``, how
    many models the API's schemas describe now; and any Veo model this release's table lacks."""
    lines = []
    if refreshed:
        read = sum(m.origin != "built-in" for m in family)
        lines.append(f"schemas: {read} of {len(family)} models as the API's schemas say now (kept a day)")
    new = [m.short for m in family if m.origin == "new"]
    if new:
        lines.append(f"new:   {', '.join(new)}: not in this release's table, checked by the API's schema")
    return lines
