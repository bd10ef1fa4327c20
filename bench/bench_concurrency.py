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
from veo_widgets._protocol import DurationModel, PollSchedule

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


async def run(url: str, n: int, concurrent: bool) -> tuple[float, float, int]:
    polls = 0

    async def count(request: httpx.Request) -> None:
        nonlocal polls
        polls += request.method == "GET" and "generation_id" in str(request.url)

    schedule = PollSchedule(DurationModel(median=SECONDS + 0.5, sigma=0.3))
    async with veo.AsyncClient("k", url, schedule=schedule) as client:
        client._http.event_hooks["request"].append(count)
        cpu, wall = time.process_time(), time.perf_counter()
        items = [{"prompt": f"job {i}", "image": EXAMPLE, **ARGS} for i in range(n)]
        if concurrent:
            await client.generate_many(items, concurrency=n)
        else:
            for item in items:
                await client.generate(**item)
        return time.perf_counter() - wall, time.process_time() - cpu, polls


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
            single, _, _ = asyncio.run(run(url, 1, False))
            wall, cpu, polls = asyncio.run(run(url, JOBS, True))
            seq_wall, seq_cpu, seq_polls = asyncio.run(run(url, SEQUENTIAL_SAMPLE, False))
    finally:
        server.terminate()
        server.wait(10)
    scale = JOBS / SEQUENTIAL_SAMPLE
    rows = [
        [f"{JOBS} jobs, one AsyncClient", wall, f"{wall / single:.2f}x", polls, cpu / polls * 1000],
        [
            f"sequential loop (from {SEQUENTIAL_SAMPLE} jobs, x{scale:g})",
            seq_wall * scale,
            f"{seq_wall * scale / single:.1f}x",
            int(seq_polls * scale),
            seq_cpu / seq_polls * 1000,
        ],
        ["longest single job", single, "1x", "", ""],
    ]
    return table(
        f"Concurrency: {JOBS} generations of {SECONDS:g} s jobs (submit, poll, download)",
        ["run", "wall s", "vs one job", "polls", "client CPU ms/poll (incl. downloads)"],
        rows,
    )


if __name__ == "__main__":
    main()
