"""The emulator under abuse: many concurrent clients, malformed and oversized requests.
Every answer has the API's shape, and it keeps serving. Bounded in count and time."""

from __future__ import annotations

import json
import random
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from veo_widgets.emulator import Emulator

from ..conftest import image_bytes
from ..helpers import HTTP

pytestmark = pytest.mark.timeout(120)
THREADS, REQUESTS_EACH = 16, 40


def api_shaped(response: httpx.Response) -> bool:
    if response.status_code < 400:
        return "status" in response.json() or response.headers.get("content-type") == "video/mp4"
    body = response.json()
    if response.status_code == 401:
        return response.headers["content-type"] == "application/problem+json" and body["error"]["name"]
    return bool(body["message"]) and body["statusCode"] == str(response.status_code) and bool(body["requestId"])


def test_concurrent_mixed_traffic() -> None:
    import base64

    image = "data:image/png;base64," + base64.b64encode(image_bytes((64, 64))).decode()
    with Emulator(timing=0.5) as emu:
        auth = {"Authorization": f"Bearer {emu.api_key}"}
        url = f"{emu.url}/v2/video/generations"
        valid = {"model": "google/veo-3.0-i2v-fast", "prompt": "p", "image_url": image, "duration": 4, "seed": 1}
        known = HTTP.post(url, json=valid, headers=auth, timeout=30).json()["id"]
        port = int(emu.url.rsplit(":", 1)[1])

        def oversized() -> bool:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(b"POST /v2/video/generations HTTP/1.1\r\nHost: x\r\nContent-Length: 900000000\r\n\r\n")
                data = b""
                while chunk := sock.recv(4096):
                    data += chunk
            head, _, payload = data.partition(b"\r\n\r\n")
            return head.startswith(b"HTTP/1.1 413") and json.loads(payload)["statusCode"] == "413"

        def one(rng: random.Random, client: httpx.Client) -> bool:
            choice = rng.randrange(8)
            if choice == 0:
                return oversized()
            if choice == 1:
                r = client.post(
                    url, content=b"{" * rng.randrange(1, 500), headers={**auth, "Content-Type": "application/json"}
                )
            elif choice == 2:
                r = client.get(url, params={"generation_id": known}, headers=auth)
            elif choice == 3:
                r = client.get(url, params={"generation_id": "x" * rng.randrange(1, 2000)}, headers=auth)
            elif choice == 4:
                r = client.post(url, json=valid, headers={"Authorization": "Bearer nope"})
            elif choice == 5:
                r = client.post(url, json={**valid, "duration": rng.choice(["8", 5, None, [], {}])}, headers=auth)
            elif choice == 6:
                r = client.get(f"{emu.url}/files/{'../' * rng.randrange(1, 5)}etc/passwd")
            else:
                r = client.post(url, json=valid, headers=auth)
            return bool(api_shaped(r))

        def worker(seed: int) -> list[bool]:
            rng = random.Random(seed)
            with httpx.Client(timeout=20) as client:
                return [one(rng, client) for _ in range(REQUESTS_EACH)]

        started = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            results = [ok for batch in pool.map(worker, range(THREADS)) for ok in batch]
        assert len(results) == THREADS * REQUESTS_EACH and all(results)
        assert time.monotonic() - started < 90
        assert HTTP.get(f"{emu.url}/health", timeout=30).json()["status"] == "ok"
        assert emu.stats.duplicate_creates == {}
