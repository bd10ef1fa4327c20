"""Making clips from clips: takes of one request, continuing from a last frame, extending.

Each function starts its generations with the public run handle, ``client.start(...)``,
and says where each job came from (``parent_id`` and ``relation``, or a ``take_group``),
so the journal and the gallery can show the chain.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._errors import ValidationError
from ..schema._family import get_model, models
from ..schema._models import Job

__all__ = [
    "astart_with",
    "continue_from",
    "extend",
    "extend_model",
    "image_models",
    "model_names",
    "short_name",
    "start_with",
]

EXTEND_MODEL = "google/veo3-1-extend-video"
FAST_EXTEND_MODEL = "google/veo3-1-fast-extend-video"


def all_models() -> list[str]:
    """Every model's short name (as ``veo models`` lists them), for a filter."""
    return [spec.short for spec in models()]


def short_name(model: str | None) -> str:
    """The short name ``veo models`` shows for ``model`` (an id in any spelling); the id's
    last part for a model this package does not know."""
    if not model:
        return ""
    try:
        return get_model(model).short
    except ValidationError:
        return model.split("/")[-1]


def model_names(model: str) -> tuple[str, ...]:
    """Every spelling of ``model`` a journal may hold: what a filter by its short name matches."""
    try:
        return get_model(model).names
    except ValidationError:
        return (model,)


def image_models() -> list[tuple[str, str]]:
    """Models that take a first-frame image, as (short name, id): what a clip can be
    continued with."""
    return [(spec.short, spec.id) for spec in models() if "image" in spec.modes]


def start_with(client: Any, prompt: str, *, lineage: dict[str, str | None], **options: Any) -> Any:
    """``client.start(...)`` with where the job came from, journaled in the same write as its
    create (a kernel dying just after the create cannot lose the link)."""
    return client.start(prompt, lineage=lineage, **options)


async def astart_with(client: Any, prompt: str, *, lineage: dict[str, str | None], **options: Any) -> Any:
    """:func:`start_with` for an ``AsyncClient``."""
    return await client.start(prompt, lineage=lineage, **options)


def extend_model(job: Job) -> str | None:
    """The Veo 3.1 extend model for a finished 3.1 clip (fast for fast), else None."""
    model = str(getattr(job, "model", None) or (job.request or {}).get("model") or "")
    if "3.1" not in model and "3-1" not in model:
        return None
    return FAST_EXTEND_MODEL if "fast" in model else EXTEND_MODEL


def continue_from(client: Any, job: Job, prompt: str, **options: Any) -> Any:
    """Start an image-to-video job whose first frame is ``job``'s last; records the parent."""
    if not prompt or not prompt.strip():
        raise ValidationError("prompt", "write what happens next")
    from ..media._media import last_frame  # PyAV: loaded when a clip is continued, not with the panel

    frame = last_frame(job)
    return start_with(client, prompt, image=frame, lineage={"parent_id": job.id, "relation": "continue"}, **options)


def extend(client: Any, job: Job, prompt: str, **options: Any) -> Any:
    """Start a Veo 3.1 extend job that continues ``job``'s video; records the parent."""
    model = options.pop("model", None) or extend_model(job)
    if model is None:
        raise ValidationError("model", "only Veo 3.1 clips can be extended; continue from the last frame instead")
    if not prompt or not prompt.strip():
        raise ValidationError("prompt", "write what happens next")
    video = str(job.path) if job.path is not None and Path(job.path).is_file() else job.video_url
    if not video:
        raise ValidationError("video", f"job {job.id} has no saved file or link to extend; download it again first")
    lineage: dict[str, str | None] = {"parent_id": job.id, "relation": "extend"}
    return start_with(client, prompt, video=video, model=model, lineage=lineage, **options)
