"""2. Concurrency: 1,000 jobs in flight at once from one machine, against the emulator in its
own process (so the client's CPU is the client's alone).

Measures wall time against the longest single job, client CPU per poll while waiting, and
peak memory above the idle interpreter, for one ``AsyncClient`` (one event loop, one
connection pool) and, as the baseline in the same run, one thread per job on a shared
blocking ``Client`` (what a thread-per-generation panel does). Every phase has a deadline:
a run that misses it is reported as such, never waited on forever.
"""

from __future__ import annotations

import asyncio
import io
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

import veo_widgets as veo
from veo_widgets.client._drivers import MAX_IN_FLIGHT
from veo_widgets.protocol._schedule import DurationModel, PollSchedule

try:
    from ._table import table
except ImportError:
    from _table import table  # type: ignore[no-redef]

JOBS = int(os.environ.get("BENCH_JOBS", "1000"))
SECONDS = 8.0  # how long each emulated job takes
DEADLINE = 240.0  # per run, seconds
#: Run handles download every video: fewer of them, so the disk is not the benchmark.
START_JOBS = min(JOBS, int(os.environ.get("BENCH_START_JOBS", "200")))
ARGS: dict[str, Any] = {"duration": 4, "seed": 1}
#: One prompt for every job: the emulator renders equal inputs once, so its renderer does
#: not take the shared cores from the client being measured (with a prompt per job it
#: rendered 1,000 clips during the run).
PROMPT = "waves roll in"
#: The poll budget of every client here: high enough that the schedule, not the budget, sets
#: the pace of 1,000 jobs of 8 s (bench_polling.py measures what a lower budget costs).
POLLS_PER_SECOND = float(os.environ.get("BENCH_POLLS_PER_SECOND", "1000"))
#: The goals (issue 24), checked by ``run_all.py``: (what, measured, goal, met).
VERDICTS: list[tuple[str, str, str, bool]] = []


def small_image() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 180), (40, 90, 160)).save(buf, "PNG")
    return buf.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class PeakMemory:
    """Samples resident memory every 50 ms on a thread while the block runs."""

    def __enter__(self) -> PeakMemory:
        self.idle = self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


class Polls:
    """Counts the status polls that leave the client, on any transport."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def hook(self, request: httpx.Request) -> None:
        if request.method == "GET" and "generation" in str(request.url):
            with self._lock:
                self.count += 1

    def sync_transport(self) -> httpx.BaseTransport:
        hook, inner = self.hook, httpx.HTTPTransport(limits=httpx.Limits(max_connections=100))

        class Counted(httpx.BaseTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                hook(request)
                return inner.handle_request(request)

        return Counted()

    def async_transport(self) -> httpx.AsyncBaseTransport:
        # The async driver's own pool, which a transport given to it replaces.
        limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)
        hook, inner = self.hook, httpx.AsyncHTTPTransport(limits=limits)

        class Counted(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                hook(request)
                return await inner.handle_async_request(request)

        return Counted()


def schedule() -> PollSchedule:
    return PollSchedule(DurationModel(median=SECONDS + 0.5, sigma=0.3))


def measure(n: int, body: Callable[[Polls, Callable[[], None]], int]) -> dict[str, Any]:
    """Run ``body`` (which calls ``waiting()`` when every job is submitted and returns how
    many finished); CPU per poll counts the waiting phase only."""
    polls = Polls()
    marks: dict[str, float] = {}

    def waiting() -> None:
        marks["cpu"], marks["polls"] = time.process_time(), polls.count
        marks["submitted"] = time.perf_counter()

    with PeakMemory() as memory:
        started, started_cpu = time.perf_counter(), time.process_time()
        done = body(polls, waiting)
        wall = time.perf_counter() - started
        cpu = time.process_time() - marks.get("cpu", time.process_time())
    waited = polls.count - int(marks.get("polls", 0))
    return {
        "n": n,
        "done": done,
        "wall": wall,
        "submit": marks.get("submitted", started) - started,
        "polls": polls.count,
        "cpu_per_poll_ms": 1000 * cpu / max(1, waited),
        "cpu_per_create_ms": 1000 * (marks.get("cpu", started_cpu) - started_cpu) / n,
        "memory_mb": memory.peak - memory.idle,
    }


def one_loop(url: str, n: int) -> dict[str, Any]:
    """n jobs on one AsyncClient: submit all, then wait for all, on one event loop."""
    image = small_image()

    def body(polls: Polls, waiting: Callable[[], None]) -> int:
        async def run() -> int:
            async with veo.AsyncClient(
                "k", url, transport=polls.async_transport(), schedule=schedule(), max_polls_per_second=POLLS_PER_SECOND
            ) as client:
                gate = asyncio.Semaphore(100)  # creates in flight at once, as a polite client would

                async def submit(i: int) -> veo.Job:
                    async with gate:
                        return await client.submit(PROMPT, image=image, **ARGS)

                jobs = await asyncio.gather(*(submit(i) for i in range(n)))
                waiting()
                done = await asyncio.wait_for(
                    asyncio.gather(*(client.wait(job, timeout=DEADLINE) for job in jobs), return_exceptions=True),
                    DEADLINE,
                )
                return sum(isinstance(j, veo.Job) and j.ok for j in done)

        return asyncio.run(run())

    return measure(n, body)


def thread_per_job(url: str, n: int) -> dict[str, Any]:
    """The baseline: every job on its own thread, submitting and polling with a blocking client."""
    image = small_image()

    def body(polls: Polls, waiting: Callable[[], None]) -> int:
        with veo.Client(
            "k", url, transport=polls.sync_transport(), schedule=schedule(), max_polls_per_second=POLLS_PER_SECOND
        ) as client:
            submitted = threading.Barrier(n + 1, timeout=DEADLINE)
            failures: list[Exception] = []

            def one(i: int) -> bool:
                job = None
                try:
                    job = client.submit(PROMPT, image=image, **ARGS)
                except Exception as exc:  # counted as not done; every thread still meets the others
                    failures.append(exc)
                finally:
                    submitted.wait()
                if job is None:
                    return False
                try:
                    return client.wait(job, timeout=DEADLINE).ok
                except Exception as exc:
                    failures.append(exc)
                    return False

            with ThreadPoolExecutor(max_workers=n) as pool:
                futures = [pool.submit(one, i) for i in range(n)]
                submitted.wait()
                waiting()
                finished = sum(bool(f.result(timeout=DEADLINE)) for f in futures)
            if failures:
                kinds = sorted({type(exc).__name__ for exc in failures})
                print(f"thread per job: {len(failures)} errors ({', '.join(kinds)}): {failures[0]}", file=sys.stderr)
            return finished

    return measure(n, body)


def run_handles(url: str, n: int) -> dict[str, Any]:
    """n ``client.start`` runs (the panel's and ``veo batch``'s handle): a daemon thread per
    run that submits, polls and downloads. Submitting is not a separate phase here, so CPU
    per poll covers the whole run, downloads included."""
    image = small_image()

    def body(polls: Polls, waiting: Callable[[], None]) -> int:
        with veo.Client(
            "k", url, transport=polls.sync_transport(), schedule=schedule(), max_polls_per_second=POLLS_PER_SECOND
        ) as client:
            runs = [client.start(PROMPT, image=image, **ARGS) for _ in range(n)]
            waiting()
            finished = 0
            for run in runs:
                try:
                    finished += run.wait(timeout=DEADLINE).ok
                except (veo.VeoError, TimeoutError):
                    pass
            return finished

    return measure(n, body)


def main() -> str:
    port = free_port()
    command = [sys.executable, "-m", "veo_widgets.emulator", "--port", str(port), "--api-key", "k"]
    server = subprocess.Popen([*command, "--seconds", str(SECONDS)], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    server.stdout.readline()
    url = f"http://127.0.0.1:{port}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["VEO_HOME"], os.environ["VEO_OUTPUT_DIR"] = tmp, str(Path(tmp) / "out")
            one_loop(url, 1)  # warm the emulator's render cache and this process's imports
            single = one_loop(url, 1)
            results = [("one AsyncClient (one event loop)", one_loop(url, JOBS))]
            results.append(("baseline: one thread per job", thread_per_job(url, JOBS)))
            results.append(("client.start run handles (+ download)", run_handles(url, START_JOBS)))
    finally:
        server.terminate()
        server.wait(10)
    rows: list[list[object]] = [
        [
            f"{name}: {r['done']}/{r['n']} done",
            r["wall"],
            r["submit"],
            f"{r['wall'] / single['wall']:.2f}x",
            r["polls"],
            r["cpu_per_poll_ms"],
            r["cpu_per_create_ms"],
            r["memory_mb"],
        ]
        for name, r in results
    ]
    rows.append(
        [
            "longest single job",
            single["wall"],
            single["submit"],
            "1x",
            single["polls"],
            single["cpu_per_poll_ms"],
            single["cpu_per_create_ms"],
            "",
        ]
    )
    ours, threads = results[0][1], results[1][1]
    cpu, cpu_ratio = ours["cpu_per_poll_ms"], ours["cpu_per_poll_ms"] / threads["cpu_per_poll_ms"]
    wall_ratio = ours["wall"] / single["wall"]
    VERDICTS[:] = [
        ("client CPU per poll, 1,000 jobs", f"{cpu:.2f} ms", "2 ms or less", cpu <= 2.0),
        ("  vs thread per job, same run", f"{cpu_ratio:.2f}x", "0.35x or less", cpu_ratio <= 0.35),
        ("wall of 1,000 jobs vs one job", f"{wall_ratio:.2f}x", "1.5x or less", wall_ratio <= 1.5),
        ("submitting 1,000", f"{ours['submit']:.2f} s", "5 s or less", ours["submit"] <= 5.0),
        ("all 1,000 done", f"{ours['done']}/{ours['n']}", "all", ours["done"] == ours["n"]),
    ]
    return str(
        table(
            f"Concurrency: {JOBS:,} jobs of {SECONDS:g} s in flight at once (submit, then poll to completion)",
            [
                "run",
                "wall s",
                "of which submitting",
                "vs one job",
                "polls",
                "client CPU ms/poll",
                "client CPU ms/create",
                "peak MB above idle",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
