"""What a create makes: a new job (its id in the server's id style, its charge, the render
it needs) and what its answers say it used.

``EmulatorApp`` (``_routes``) draws the job's run time and seed from its seeded generator and
starts the render; the job itself and its usage are made here, with no I/O.
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

from ._catalogue import charge_usd
from ._jobs import Job
from ._logs import CREDITS_PER_USD
from ._specs import Accepted, frame_size

__all__ = ["cost_headers", "new_id", "new_job", "usage_of"]

_NANO = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


def new_job(
    accepted: Accepted,
    crid: str | None,
    faults: list[str],
    *,
    run_time: float,
    seed: int,
    id_style: str,
    charge_factor: float,
) -> tuple[Job, dict[str, Any]]:
    """The job ``accepted`` asks for, made now and ready after ``run_time`` seconds, and the
    shape of the video to render for it (size, duration, audio, the prompt to draw)."""
    body, spec = accepted.body, accepted.spec
    now = time.time()
    job = Job(
        id=new_id(id_style, spec.id_suffix),
        body=body,
        client_request_id=crid,
        created=now,
        ready_at=now + run_time,
        faults=faults,
        seed=seed,
        token=secrets.token_urlsafe(18),
        cost_usd=round(charge_usd(spec, body) * charge_factor, 4),
    )
    width, height = frame_size(body["aspect_ratio"], body["resolution"])
    shape = {
        "mode": accepted.mode,
        "prompt": body["prompt"],
        "width": width,
        "height": height,
        "duration": body["duration"],
        "audio": body["generate_audio"],
    }
    if accepted.mode == "extend":
        shape["follow_video"] = True  # the input video's orientation, known once it is read
    if accepted.mode != "text":  # the prompt is drawn only in text-to-video: others share renders
        shape["prompt"] = ""
    return job, shape


def new_id(id_style: str, suffix: str | None) -> str:
    """A job id: ``<uuid>:<model suffix>`` (``colon``), a plain UUID, or a 21-letter nanoid
    (also for a model with no suffix)."""
    if id_style == "uuid":
        return str(uuid.uuid4())
    if id_style == "nanoid" or suffix is None:
        return "".join(secrets.choice(_NANO) for _ in range(21))
    return f"{uuid.uuid4()}:{suffix}"


def usage_of(job: Job) -> dict[str, Any]:
    """``meta.usage`` of the job's answers: credits and dollars (or, as a fault, tokens)."""
    if "tokens_used" in job.faults:
        return {"tokens_used": 120000}
    return {"credits_used": round(job.cost_usd * CREDITS_PER_USD), "usd_spent": job.cost_usd}


def cost_headers(job: Job, used: dict[str, Any]) -> dict[str, str]:
    """The headers that say what the job cost, beside ``x-inference-id``."""
    headers = {"x-inference-id": job.id}
    if "credits_used" in used:
        headers["x-aimlapi-credits-used"] = str(used["credits_used"])
        headers["x-aimlapi-usd-spent"] = str(used["usd_spent"])
    return headers
