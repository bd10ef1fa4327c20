"""What both clients share: settings, the key, validation, and where things go.

``_Core`` resolves the settings (demo mode starts the in-process emulator), holds the key
(never shown), validates a request before anything is sent, and answers the questions the
plans ask: which job is meant, how long jobs take here, where a video is saved.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import httpx

from .._config import DEMO_NOTICE, Secret, Settings, output_dir
from .._errors import AuthenticationError, ValidationError, VeoError
from ..journal._store import Journal
from ..protocol._flows import CREATE_PATH, DEFAULT_RETRY, LEGACY_CREATE_PATH, RetryPolicy
from ..protocol._schedule import DurationModel, PollSchedule
from ..schema._images import ImageInput
from ..schema._models import Job, VideoRequest, build_request
from ._money import MoneyPlans
from ._plans import published

__all__ = ["JobLike", "PathLike"]

JobLike = Job | str
PathLike = str | os.PathLike[str]


def _slug(text: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "video"


class _Core(MoneyPlans):
    """Settings, validation and the answers the plans need; the drivers add the I/O."""

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
        budget_usd: float | None = None,
    ) -> None:
        settings = Settings.resolve(api_key, base_url)
        self.demo = settings.demo
        if self.demo and transport is None:
            from ..emulator import demo_emulator

            emulator = demo_emulator()
            settings = Settings(base_url=emulator.url, api_key=Secret(emulator.api_key), demo=True)
        self.base_url = settings.base_url
        self._key = settings.api_key
        self.journal = journal or Journal()
        self.retry = retry
        self._create_path = LEGACY_CREATE_PATH if legacy_paths else CREATE_PATH
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout, connect=10.0)
        self._transport = transport
        self._fixed_schedule = schedule
        self.budget_usd = budget_usd
        self._open(transport)

    def _open(self, transport: Any) -> None:
        """Make the HTTP clients (the driver's kind): one for the API, one for result files."""
        raise NotImplementedError

    def __repr__(self) -> str:
        mode = "demo" if self.demo else "live"
        key = "set" if self._key else "missing"
        return f"{type(self).__name__}({self.base_url!r}, {mode}, key {key})"

    @property
    def demo_notice(self) -> str:
        """The demo-mode notice for a surface to show once ("" with a key); never printed here."""
        return DEMO_NOTICE if self.demo else ""

    @property
    def has_key(self) -> bool:
        """True when the client has an API key (it is never shown)."""
        return bool(self._key)

    def _settings(self) -> dict[str, Any]:
        """The constructor arguments that make another client talk to the same place."""
        return {
            "api_key": self._key,
            "base_url": self.base_url,
            "timeout": self._timeout,
            "journal": self.journal,
            "retry": self.retry,
            "legacy_paths": self._create_path == LEGACY_CREATE_PATH,
            "schedule": self._fixed_schedule,
            "budget_usd": self._budget_arg,
        }

    def _headers(self) -> dict[str, str]:
        if not self._key:
            raise AuthenticationError(
                "no API key. Set the AIMLAPI_KEY environment variable (or pass api_key=...); "
                "or unset VEO_DEMO=0 to use demo mode",
                status_code=401,
            )
        return {"Authorization": f"Bearer {self._key.reveal()}", "Accept": "application/json"}

    def _scrub(self, exc: BaseException) -> None:
        """Make sure no error text carries the key, whatever a server echoed."""
        if not self._key:
            return
        secret = self._key.reveal()
        if any(secret in str(a) for a in exc.args):
            exc.args = tuple(str(a).replace(secret, "[redacted]") for a in exc.args)
            if isinstance(exc, VeoError):
                exc.message = exc.message.replace(secret, "[redacted]")

    def build_request(self, prompt: object, image: ImageInput | Any = None, **options: Any) -> VideoRequest:
        """Validate everything for the chosen model and prepare its inputs (``image``,
        ``last_image``, ``reference_images``, ``video``): raises ``ValidationError``, sends
        nothing. Reads and scales images, so the async client calls it in a thread."""
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
        return build_request(prompt, image, **options)

    def _resolve(self, job: JobLike) -> Job:
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
        total, _ = self._durations(model)
        return DurationModel.fit(total, prior=self._prior(model, published(self.base_url, model)))

    def _durations(self, model: str | None) -> tuple[list[float], list[float]]:
        return (
            self.journal.durations(demo=self.demo, model=model),
            self.journal.durations(demo=self.demo, model=model, generating=True),
        )

    def _prior(self, model: str | None, found: DurationModel | None) -> DurationModel:
        if found is not None:
            return found
        if self.demo:
            # Demo jobs take VEO_DEMO_SECONDS plus a few seconds of rendering.
            return DurationModel(median=float(os.environ.get("VEO_DEMO_SECONDS", "12")) + 4.0, sigma=0.35)
        return DurationModel()

    def _fixed(self) -> PollSchedule | None:
        return self._fixed_schedule

    def _target(self, job: Job, path: PathLike | None) -> Path:
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
