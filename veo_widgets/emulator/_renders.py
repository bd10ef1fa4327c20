"""Rendering jobs' videos on a small thread pool, with a cache: equal inputs render once.

A job's render is described by a JSON-able *source* (its mode, the prompt, references to
its input images or video, and the output's shape), kept on the job so that a job killed
mid-render (a kernel restart in demo mode) renders again when the emulator restarts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import json
import secrets
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._extend import extension
from ._jobs import Job, RenderState
from ._render import DRAFT, FULL, RenderFailure, encode
from ._scenes import output_size, scene_for

__all__ = ["RenderFailure", "Renderer", "fetch_loopback"]

Input = bytes | str
"""An input as the create gave it: the bytes of a data URI, or a URL."""


class Renderer:
    """Renders jobs' videos; ``draft`` makes them at the draft quality (``_render.DRAFT``)."""

    def __init__(self, files_dir: Path, state_dir: Path | None, workers: int, *, draft: bool = False) -> None:
        self.files_dir = files_dir
        self.state_dir = state_dir
        self.quality = DRAFT if draft else FULL
        files_dir.mkdir(parents=True, exist_ok=True)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="veo-emulator-render")
        self._cache: dict[str, Future[None]] = {}
        self._renders: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    def start(self, job: Job, shape: dict[str, Any], images: list[Input], video: Input | None) -> None:
        """Render ``job``'s video in the background; ``shape`` holds mode, prompt, size, duration, audio."""
        blobs = [*images, *([video] if video is not None else [])]
        described: list[Any] = [shape, job.seed, [b if isinstance(b, str) else len(b) for b in blobs]]
        if self.quality != FULL:  # a draft is never served in place of a full render, nor the reverse
            described.append(self.quality.hold)
        key = hashlib.sha256(
            json.dumps(described).encode() + b"".join(b for b in blobs if isinstance(b, bytes))
        ).hexdigest()[:32]
        out = self.files_dir / f"{key}.mp4"
        job.file = str(out)
        job.source = {
            **shape,
            "images": [self._keep(b) for b in images],
            "video": self._keep(video) if video is not None else None,
        }
        seed, quality = job.seed, self.quality

        def work() -> None:
            if out.exists():
                return
            image_data = [_read(b) for b in images]
            video_data = _read(video) if video is not None else None
            width, height = output_size(shape, video_data)
            seconds: float = shape["duration"]
            drawn_at = quality
            if shape["mode"] == "extend" and video_data is not None:  # the input, then the added seconds
                # An extension plays its input frame for frame at 24 fps; only the seconds it
                # adds are drafted (drawn small and held, by the scene itself).
                drawn_at = dataclasses.replace(quality, hold=1)
                scene, seconds = extension(video_data, width, height, seed, shape["duration"], quality)
            else:
                drawn = quality.scene_size(width, height)
                scene = scene_for({**shape, "width": drawn[0], "height": drawn[1]}, image_data, video_data, seed)
            tmp = out.with_name(out.name + f".{secrets.token_hex(4)}.tmp")
            encode(
                scene,
                tmp,
                width=width,
                height=height,
                duration=seconds,
                seed=seed,
                audio=shape["audio"],
                quality=drawn_at,
            )
            tmp.replace(out)

        with self._lock:
            future = self._cache.get(key)
            if future is None or (future.done() and future.exception() is not None):
                future = self._pool.submit(work)
                self._cache[key] = future
            self._renders[job.id] = future

    def resume(self, job: Job) -> None:
        """Render again a job that a restart interrupted, from its saved source."""
        source = job.source
        if source is None and job.input is not None:  # state written by an older emulator
            width, height = (1280, 720) if job.body.get("aspect_ratio") != "9:16" else (720, 1280)
            if str(job.body.get("resolution", "")).lower() == "1080p":
                width, height = width * 3 // 2, height * 3 // 2
            source = {
                "mode": "image",
                "prompt": job.body.get("prompt", ""),
                "width": width,
                "height": height,
                "duration": job.body.get("duration", 8),
                "audio": job.body.get("generate_audio", True),
                "images": [job.input],
                "video": None,
            }
        if source is None:
            job.failure = "the emulator restarted while rendering and lost the job's inputs"
            return
        try:
            images = [_restore(ref) for ref in source.get("images") or []]
            video = _restore(source["video"]) if source.get("video") else None
        except OSError:
            job.failure = "the emulator restarted while rendering and lost the job's inputs"
            return
        shape = {k: v for k, v in source.items() if k not in ("images", "video")}
        self.start(job, shape, images, video)

    def state(self, job: Job) -> RenderState:
        """How ``job``'s render is going. Reads only."""
        with self._lock:
            future = self._renders.get(job.id)
        if future is None:
            return RenderState()
        if not future.done():
            return RenderState(pending=True)
        exc = future.exception()
        if exc is None:
            return RenderState()
        return RenderState(failure=str(exc) if isinstance(exc, RenderFailure) else f"render failed: {exc!r}")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _keep(self, data: Input) -> str:
        """A reference to an input that survives a restart: the URL, or a saved copy's path."""
        if isinstance(data, str):
            return data
        digest = hashlib.sha256(data).hexdigest()[:32]
        if self.state_dir is None:
            return f"memory:{digest}"
        saved = self.state_dir / "inputs" / f"{digest}.img"
        if not saved.exists():
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_bytes(data)
        return str(saved)


def _restore(ref: str) -> Input:
    if ref.startswith(("http://", "https://")):
        return ref
    if ref.startswith("memory:"):
        raise OSError("input kept in memory only")
    return Path(ref).read_bytes()


def _read(data: Input) -> bytes:
    return data if isinstance(data, bytes) else fetch_loopback(data)


def fetch_loopback(url: str) -> bytes:
    """Fetch an input URL, but only from this machine: the emulator has no internet."""
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise RenderFailure(
            f"the emulator cannot reach the internet to fetch {host}; pass a local file or a data URI in demo mode"
        )
    import httpx

    try:
        response = httpx.get(url, timeout=10.0, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise RenderFailure(f"could not fetch {url}: {exc}") from None
    if response.status_code != 200:
        raise RenderFailure(f"fetching {url} answered HTTP {response.status_code}")
    return response.content
