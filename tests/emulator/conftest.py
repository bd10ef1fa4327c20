"""Helpers for the emulator's tests: request bodies, auth, and waiting for a job."""

from __future__ import annotations

import base64
import io
import time
from typing import Any

import httpx
from PIL import Image, ImageDraw

from veo_widgets.emulator import Emulator

from ..conftest import image_bytes
from ..helpers import HTTP

PENDING = ("queued", "generating", "waiting", "active")


def patterned(size: tuple[int, int] = (800, 600), colour: tuple[int, int, int] = (220, 180, 40)) -> bytes:
    img = Image.new("RGB", size, (20, 40, 90))
    draw = ImageDraw.Draw(img)
    for x in range(0, size[0], 80):
        draw.rectangle((x, 0, x + 40, size[1]), fill=colour)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def data_uri(data: bytes, kind: str = "image/png") -> str:
    return f"data:{kind};base64," + base64.b64encode(data).decode()


def body(**overrides: Any) -> dict[str, Any]:
    out = {
        "model": "google/veo-3.0-i2v-fast",
        "prompt": "waves",
        "image_url": data_uri(image_bytes()),
        "duration": 4,
        "seed": 5,
    }
    out.update(overrides)
    return {k: v for k, v in out.items() if v is not ...}


def auth(emu: Emulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {emu.api_key}"}


def create(emu: Emulator, payload: dict[str, Any], **headers: str) -> httpx.Response:
    return HTTP.post(f"{emu.url}/v2/video/generations", json=payload, headers={**auth(emu), **headers}, timeout=30)


def poll(emu: Emulator, job_id: str, path: str = "/v2/video/generations") -> dict[str, Any]:
    answer = HTTP.get(f"{emu.url}{path}", params={"generation_id": job_id}, headers=auth(emu), timeout=30)
    return dict(answer.json())


def wait_done(emu: Emulator, job_id: str, path: str = "/v2/video/generations", timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = poll(emu, job_id, path)
        if answer["status"] not in PENDING:
            return answer
        time.sleep(0.2)
    raise AssertionError("job did not finish")
