"""What the ``veo`` command and the ``%veo`` magics share when reading a command: job ids
from the journal by prefix, the video to extend, a request checked before anything is sent,
and a positive number of seconds."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from .._errors import ValidationError
from ..journal._store import Journal
from ..schema._models import Job, VideoRequest
from ..schema._options import OPTIONS
from ._client_api import ClientAPI

OPTION_NAMES = frozenset(o.name for o in OPTIONS)

__all__ = ["OPTION_NAMES", "check_request", "positive_seconds", "resolve_video"]


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
