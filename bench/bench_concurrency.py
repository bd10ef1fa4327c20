"""2. Concurrency: 100 jobs through one AsyncClient against the emulator (in its own
process), against the longest single job and a sequential loop; and client CPU per poll."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

import veo_widgets as veo
from veo_widgets._schedule import DurationModel, PollSchedule

try:
    from ._table import table
except ImportError:
    from _table import table  # type: ignore[no-redef]

JOBS, SECONDS, SEQUENTIAL_SAMPLE = 100, 4.0, 5
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "lighthouse.jpg"
ARGS = {"duration": 4, "seed": 1}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def run(url: str, n: int, concurrent: bool) -> dict[str, float]:
    """Submit, wait and download ``n`` jobs; CPU is measured per phase, so the waiting
    phase's CPU per poll is not mixed with image preparation or downloads."""
    polls = 0

    async def count(request: httpx.Request) -> None:
        nonlocal polls
        polls += request.method == "GET" and "generation_id" in str(request.url)

    schedule = PollSchedule(DurationModel(median=SECONDS + 0.5, sigma=0.3))
    async with veo.AsyncClient("k", url, schedule=schedule) as client:
        client._http.event_hooks["request"].append(count)
        wall = time.perf_counter()
        cpu = time.process_time()
        items = [{"prompt": f"job {i}", "image": EXAMPLE, **ARGS} for i in range(n)]
        if not concurrent:
            for item in items:
                await client.generate(**item)
            return {
                "wall": time.perf_counter() - wall,
                "cpu_per_poll": (time.process_time() - cpu) / polls,
                "polls": polls,
            }
        jobs = await asyncio.gather(*(client.submit(**item) for item in items))
        cpu_wait = time.process_time()
        done = await asyncio.gather(*(client.wait(job) for job in jobs))
        cpu_wait = time.process_time() - cpu_wait
        await asyncio.gather(*(client.download(job) for job in done))
        return {"wall": time.perf_counter() - wall, "cpu_per_poll": cpu_wait / polls, "polls": polls}


def main() -> str:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "veo_widgets.emulator",
            "--port",
            str(port),
            "--api-key",
            "k",
            "--seconds",
            str(SECONDS),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    server.stdout.readline()
    url = f"http://127.0.0.1:{port}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["VEO_HOME"], os.environ["VEO_OUTPUT_DIR"] = tmp, str(Path(tmp) / "out")
            asyncio.run(run(url, 1, False))  # warm the emulator's render cache
            single = asyncio.run(run(url, 1, False))["wall"]
            many = asyncio.run(run(url, JOBS, True))
            seq = asyncio.run(run(url, SEQUENTIAL_SAMPLE, False))
    finally:
        server.terminate()
        server.wait(10)
    scale = JOBS / SEQUENTIAL_SAMPLE
    rows = [
        [
            f"{JOBS} jobs, one AsyncClient",
            many["wall"],
            f"{many['wall'] / single:.2f}x",
            int(many["polls"]),
            many["cpu_per_poll"] * 1000,
        ],
        [
            f"sequential loop (from {SEQUENTIAL_SAMPLE} jobs, x{scale:g})",
            seq["wall"] * scale,
            f"{seq['wall'] * scale / single:.1f}x",
            int(seq["polls"] * scale),
            seq["cpu_per_poll"] * 1000,
        ],
        ["longest single job", single, "1x", "", ""],
    ]
    return table(
        f"Concurrency: {JOBS} generations of {SECONDS:g} s jobs (submit, poll, download)",
        ["run", "wall s", "vs one job", "polls", "client CPU ms/poll"],
        rows,
    )


if __name__ == "__main__":
    main()
