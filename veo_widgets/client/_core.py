"""What both clients share: settings, the key, validation, and where things go.

:class:`Core` resolves the settings (demo mode starts the in-process emulator), holds the key
(never shown), validates a request before anything is sent, and answers the questions the
plans, the money rules and the drivers ask: the headers to send, which job is meant, how
long jobs take here, where a video is saved.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from .._config import Secret, Settings, output_dir, unchecked_video_urls
from .._errors import AuthenticationError, ValidationError, VeoError
from ..emulator._demo_mode import demo_address
from ..journal._store import Journal
from ..media._remote import probe_video_url
from ..protocol._budget import DEFAULT_MAX_POLLS_PER_SECOND, PollBudget
from ..protocol._flows import CREATE_PATH, DEFAULT_RETRY, LEGACY_CREATE_PATH, RetryPolicy
from ..protocol._schedule import DurationModel, PollSchedule
from ..schema._images import ImageInput, PreparedVideo
from ..schema._models import Job, VideoRequest, build_request
from ..schema._output import writable_output
from ._published import published

__all__ = ["Core", "JobLike", "PathLike"]

JobLike = Job | str
PathLike = str | os.PathLike[str]
_demo_announced = False
#: A video link read this recently is not read again (its facts are what it was checked for).
LINK_REUSE_SECONDS = 60.0


def _slug(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "video"


class Core:
    """Settings, the key, validation and the answers the plans need (no network I/O but
    the check of a video URL to extend)."""

    def __init__(
        self,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout = 30.0,
        journal: Journal | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        legacy_paths: bool = False,
        transport: Any = None,
        schedule: PollSchedule | None = None,
        max_polls_per_second: float = DEFAULT_MAX_POLLS_PER_SECOND,
    ) -> None:
        settings = Settings.resolve(api_key, base_url)
        self.demo = settings.demo
        if self.demo and transport is None:  # the emulator starts in the background: nothing waits for it here
            url, key = demo_address()
            settings = Settings(base_url=url, api_key=Secret(key), demo=True)
        self.base_url = settings.base_url
        self.key = settings.api_key
        """The API key (a ``Secret``: its repr hides it), or None."""
        self.journal = journal or Journal()
        self.retry = retry
        self.create_path = LEGACY_CREATE_PATH if legacy_paths else CREATE_PATH
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout, connect=10.0)
        self.transport = transport
        self.schedule = schedule
        """A fixed poll schedule, or None to learn one from this machine's jobs."""
        try:
            self.poll_budget = PollBudget(max_polls_per_second)
        except ValueError as exc:
            raise ValidationError("max_polls_per_second", str(exc)) from None
        """The rate limit every job's polls share (``max_polls_per_second``)."""
        self._links: dict[tuple[str, bool], tuple[float, PreparedVideo]] = {}
        """Video links read lately, by URL (and whether unreadable ones may be sent)."""

    def settings(self) -> dict[str, Any]:
        """The constructor arguments that make another client talk to the same place."""
        return {
            "api_key": self.key,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "journal": self.journal,
            "retry": self.retry,
            "legacy_paths": self.create_path == LEGACY_CREATE_PATH,
            "schedule": self.schedule,
            "max_polls_per_second": self.poll_budget.rate,
        }

    def headers(self) -> dict[str, str]:
        """The API's headers, with the key; ``AuthenticationError`` when there is none."""
        if not self.key:
            raise AuthenticationError(
                "no API key. Set the AIMLAPI_KEY environment variable (or pass api_key=...); "
                "or unset VEO_DEMO=0 to use demo mode",
                status_code=401,
            )
        return {"Authorization": f"Bearer {self.key.reveal()}", "Accept": "application/json"}

    def scrub(self, exc: BaseException) -> None:
        """Make sure no error text carries the key, whatever a server echoed."""
        if not self.key:
            return
        secret = self.key.reveal()
        if any(secret in str(a) for a in exc.args):
            exc.args = tuple(str(a).replace(secret, "[redacted]") for a in exc.args)
            if isinstance(exc, VeoError):
                exc.message = exc.message.replace(secret, "[redacted]")

    def build_request(self, prompt: object, image: ImageInput | Any = None, **options: Any) -> VideoRequest:
        """Validate everything for the chosen model and prepare its inputs (``image``,
        ``last_image``, ``reference_images``, ``video``): raises ``ValidationError``, sends
        nothing but the few reads that check a video URL (``media/_remote``). Reads and
        scales images, so the async client calls it in a thread."""
        video = options.get("video")
        if isinstance(video, Job):
            # No network here: its saved file, else the URL it carries (submit, generate and
            # start ask for a fresh URL instead, and record the job as the parent).
            if video.path is not None and Path(video.path).is_file():
                options["video"] = Path(video.path)
            elif video.ok and video.video_url:
                options["video"] = video.video_url
            else:
                raise ValidationError("video", f"{video.id} is {video.status}: only a finished video can be extended")
        request = build_request(prompt, image, **options)  # everything else first: no probe of a mistake
        if request.video and urlsplit(request.video).scheme in ("http", "https"):
            # A link is read here, as a local file is in build_request: checked before anything
            # is paid for, and its length decides provider "google" (media/_remote).
            request = build_request(prompt, image, **{**options, "video": self._video_link(request.video)})
        return request

    def _video_link(self, url: str) -> PreparedVideo:
        """``url`` read and checked (``media/_remote``), or as read less than a minute ago:
        ``veo generate`` and ``%%veo`` check a request before pricing it, then start it."""
        key, now = (url, unchecked_video_urls()), time.monotonic()
        held = self._links.get(key)
        if held is not None and now - held[0] < LINK_REUSE_SECONDS:
            return held[1]
        timeout = (self.timeout.connect or 10.0, self.timeout.read or 30.0)
        clip = probe_video_url(url, timeout=timeout, send_unchecked=key[1])
        self._links = {k: v for k, v in self._links.items() if now - v[0] < LINK_REUSE_SECONDS}
        self._links[key] = (now, clip)
        return clip

    def resolve(self, job: JobLike) -> Job:
        """The job meant: a Job, or one found in the journal by id, prefix or client request
        id, or a new Job for an id this machine never saw."""
        if isinstance(job, Job):
            return job
        if not isinstance(job, str) or not job.strip():
            raise ValidationError("job", f"expected a Job or a generation id, not {job!r}")
        found = self.journal.find(job.strip())
        if found is not None and found.id:
            return found
        if found is not None:
            raise ValidationError(
                "job",
                f"{job} is a create request whose answer never arrived ({found.status}); "
                "it has no generation id to poll",
            )
        return Job(id=job.strip(), status="queued", base_url=self.base_url, demo=self.demo)

    def duration_model(self, model: str | None = None) -> DurationModel:
        """How long jobs take here: learned from this machine's past jobs (of ``model``, if
        given), from the API's published percentiles for it, or a default. Reads the journal."""
        total, _ = self.durations(model)
        return DurationModel.fit(total, prior=self.prior(model, published(self.base_url, model)))

    def durations(self, model: str | None) -> tuple[list[float], list[float]]:
        """Seconds this machine's jobs (of ``model``) took: creation to completion, and
        generating to completion (blocking: reads the journal)."""
        return (
            self.journal.durations(demo=self.demo, model=model),
            self.journal.durations(demo=self.demo, model=model, generating=True),
        )

    def prior(self, model: str | None, found: DurationModel | None) -> DurationModel:
        """What to expect of ``model`` before this machine has history: ``found`` (the API's
        published percentiles) if known, else the demo's or a default."""
        if found is not None:
            return found
        if self.demo:
            # Demo jobs take VEO_DEMO_SECONDS plus a few seconds of rendering.
            return DurationModel(median=float(os.environ.get("VEO_DEMO_SECONDS", "12")) + 4.0, sigma=0.35)
        return DurationModel()

    @staticmethod
    def output_ready(path: PathLike | None) -> None:
        """The one rule for output paths (``schema/_output``), before anything is sent:
        ``path``'s folder (default ``veo_outputs/``) is made if missing; one that cannot be
        written in (or a file where a folder should be) is a ``ValidationError``."""
        writable_output(path if path is not None else output_dir(), "save_to")

    def target(self, job: Job, path: PathLike | None) -> Path:
        """Where ``job``'s video goes: ``path`` (a file or a folder), else ``veo_outputs/``."""
        if path is not None:
            target = Path(path).expanduser()
            # A folder: one that exists, ends with a slash, or has no suffix ("clips").
            if target.is_dir() or str(path).endswith(("/", os.sep)) or not target.suffix:
                return target / self._filename(job)
            return target
        return output_dir() / self._filename(job)

    @staticmethod
    def _filename(job: Job) -> str:
        prompt = str((job.request or {}).get("prompt") or "video")
        stamp = job.created_at.astimezone().strftime("%Y%m%d-%H%M%S")
        short = re.sub(r"[^A-Za-z0-9]", "", job.id)[:8] or "job"
        return f"{stamp}_{_slug(prompt)}_{short}.mp4"
