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
import contextlib
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
from concurrent.futures import wait as wait_futures
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

import veo_widgets as veo
from veo_widgets.client._adriver import MAX_IN_FLIGHT
from veo_widgets.client._drivers import tls_context
from veo_widgets.client._http11 import api_transport
from veo_widgets.protocol._schedule import DurationModel, PollSchedule

try:
    from ._table import table
except ImportError:
    from _table import table  # type: ignore[no-redef]

JOBS = int(os.environ.get("BENCH_JOBS", "1000"))
SECONDS = 8.0  # how long each emulated job takes
DEADLINE = float(os.environ.get("BENCH_DEADLINE", "240"))  # per run, seconds
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
#: The async driver's limits for httpx's own transport (used when a proxy is set).
ASYNC_LIMITS = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)
#: The emulator's process id while one runs (its CPU time is read from /proc), else 0.
EMULATOR = [0]
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
        # The async driver's own transport, which a transport given to it replaces.
        ours = api_transport(None, ssl_context=tls_context(), max_idle=MAX_IN_FLIGHT)
        hook, inner = self.hook, ours or httpx.AsyncHTTPTransport(limits=ASYNC_LIMITS)

        class Counted(httpx.AsyncBaseTransport):
            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                hook(request)
                return await inner.handle_async_request(request)

        return Counted()


def schedule() -> PollSchedule:
    return PollSchedule(DurationModel(median=SECONDS + 0.5, sigma=0.3))


class Deadline:
    """A run's deadline: what is left of it, and whether some part of the run missed it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.missed = False

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def miss(self) -> None:
        self.missed = True


def errors(what: str, failures: list[BaseException]) -> None:
    if failures:
        kinds = sorted({type(exc).__name__ for exc in failures})
        print(f"{what}: {len(failures)} errors ({', '.join(kinds)}): {failures[0]}", file=sys.stderr)


Body = Callable[[Polls, Callable[[], None], Deadline], int]


def measure(n: int, body: Body, seconds: float = DEADLINE) -> dict[str, Any]:
    """Run ``body`` (which calls ``waiting()`` when every job is submitted, gives up on what
    is still running at the deadline, and returns how many finished); CPU per poll counts the
    waiting phase only. A run that misses its deadline, or fails, is reported as such
    (``timed_out``, ``failed``) with what it finished, instead of ending the benchmark."""
    polls = Polls()
    marks: dict[str, float] = {}
    deadline = Deadline(seconds)
    failed = ""

    def waiting() -> None:
        marks["cpu"], marks["polls"] = time.process_time(), polls.count
        marks["submitted"], marks["emulator"] = time.perf_counter(), cpu_seconds(EMULATOR[0])

    with PeakMemory() as memory:
        started, started_cpu, emulator_cpu = time.perf_counter(), time.process_time(), cpu_seconds(EMULATOR[0])
        try:
            done = body(polls, waiting, deadline)
        except Exception as exc:  # reported in the table; the other runs still go ahead
            done, failed = 0, f"{type(exc).__name__}: {exc}"
        wall = time.perf_counter() - started
        cpu = time.process_time() - marks.get("cpu", time.process_time())
    waited = polls.count - int(marks.get("polls", 0))
    return {
        "n": n,
        "done": done,
        "wall": wall,
        "submit": marks["submitted"] - started if "submitted" in marks else None,
        "polls": polls.count,
        "cpu_per_poll_ms": 1000 * cpu / max(1, waited) if "cpu" in marks else None,
        "cpu_per_create_ms": 1000 * (marks["cpu"] - started_cpu) / n if "cpu" in marks else None,
        "memory_mb": memory.peak - memory.idle,
        "client_cpu": time.process_time() - started_cpu,
        "emulator_cpu": cpu_seconds(EMULATOR[0]) - emulator_cpu,
        "emulator_cpu_submitting": marks["emulator"] - emulator_cpu if "emulator" in marks else None,
        "timed_out": deadline.seconds if deadline.missed else None,
        "failed": failed,
    }


async def settle(tasks: list[asyncio.Task[Any]], deadline: Deadline) -> list[Any]:
    """Each task's result or exception; those still running at the deadline are cancelled
    (a create in flight is let finish: the driver waits for its answer) and count as None."""
    if not tasks:
        return []
    _, pending = await asyncio.wait(tasks, timeout=deadline.left())
    if pending:
        deadline.miss()
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    return [None if task in pending else task.exception() or task.result() for task in tasks]


def one_loop(url: str, n: int, seconds: float = DEADLINE) -> dict[str, Any]:
    """n jobs on one AsyncClient: submit all, then wait for all, on one event loop."""
    image = small_image()

    def body(polls: Polls, waiting: Callable[[], None], deadline: Deadline) -> int:
        async def run() -> int:
            async with veo.AsyncClient(
                "k", url, transport=polls.async_transport(), schedule=schedule(), max_polls_per_second=POLLS_PER_SECOND
            ) as client:
                gate = asyncio.Semaphore(100)  # creates in flight at once, as a polite client would

                async def submit(i: int) -> veo.Job:
                    async with gate:
                        return await client.submit(PROMPT, image=image, **ARGS)

                submitted = await settle([asyncio.ensure_future(submit(i)) for i in range(n)], deadline)
                failures = [s for s in submitted if isinstance(s, BaseException)]
                errors("one event loop, submitting", failures)
                if deadline.missed:
                    return 0
                waiting()
                jobs = [s for s in submitted if isinstance(s, veo.Job)]
                waits = [asyncio.ensure_future(client.wait(job, timeout=deadline.left() + 1)) for job in jobs]
                ended = await settle(waits, deadline)
                errors("one event loop, waiting", [e for e in ended if isinstance(e, BaseException)])
                if any(isinstance(e, TimeoutError) for e in ended):
                    deadline.miss()
                return sum(isinstance(j, veo.Job) and j.ok for j in ended)

        return asyncio.run(run())

    return measure(n, body, seconds)


def thread_per_job(url: str, n: int) -> dict[str, Any]:
    """The baseline: every job on its own thread, submitting and polling with a blocking
    client. At the deadline the jobs still waited for are stopped and counted as not done."""
    image = small_image()

    def body(polls: Polls, waiting: Callable[[], None], deadline: Deadline) -> int:
        with veo.Client(
            "k", url, transport=polls.sync_transport(), schedule=schedule(), max_polls_per_second=POLLS_PER_SECOND
        ) as client:
            stop, all_submitted = threading.Event(), threading.Event()
            lock, submitted = threading.Lock(), [0]
            failures: list[BaseException] = []

            def one(i: int) -> bool:
                job = None
                try:
                    if not stop.is_set():  # past the deadline: no new paid job
                        job = client.submit(PROMPT, image=image, **ARGS)
                except Exception as exc:  # counted as not done
                    failures.append(exc)
                finally:
                    with lock:
                        submitted[0] += 1
                        if submitted[0] == n:
                            all_submitted.set()
                if job is None:
                    return False
                try:
                    return client.wait(job, timeout=deadline.left() + 1, stop=stop).ok
                except veo.WaitCancelled:
                    return False
                except Exception as exc:
                    failures.append(exc)
                    return False

            pool = ThreadPoolExecutor(max_workers=n)
            try:
                futures = [pool.submit(one, i) for i in range(n)]
                if all_submitted.wait(deadline.left()):
                    waiting()
                ended, pending = wait_futures(futures, timeout=deadline.left())
                if pending or not all_submitted.is_set():
                    deadline.miss()
                finished = sum(bool(f.result()) for f in ended)
            finally:
                stop.set()  # the waits still running end at their next sleep
                pool.shutdown(wait=True, cancel_futures=True)
            errors("thread per job", failures)
            return finished

    return measure(n, body)


def run_handles(url: str, n: int) -> dict[str, Any]:
    """n ``client.start`` runs (the panel's and ``veo batch``'s handle): a daemon thread per
    run that submits, polls and downloads. Submitting is not a separate phase here, so CPU
    per poll covers the whole run, downloads included."""
    image = small_image()

    def body(polls: Polls, waiting: Callable[[], None], deadline: Deadline) -> int:
        with veo.Client(
            "k", url, transport=polls.sync_transport(), schedule=schedule(), max_polls_per_second=POLLS_PER_SECOND
        ) as client:
            runs: list[veo.Run] = []
            try:
                for _ in range(n):
                    if not deadline.left():
                        deadline.miss()
                        return 0
                    runs.append(client.start(PROMPT, image=image, **ARGS))
                waiting()
                finished = 0
                for run in runs:
                    try:
                        finished += run.wait(timeout=deadline.left()).ok
                    except TimeoutError:
                        deadline.miss()
                    except veo.VeoError:
                        pass
                return finished
            finally:
                for run in runs:
                    run.cancel()  # past the deadline: stopped before the folder goes
                for run in runs:
                    with contextlib.suppress(Exception):
                        run.wait(timeout=60)

    return measure(n, body)


def emulator_cpu(r: dict[str, Any]) -> str:
    """The emulator's CPU seconds in a run, and in its submission (its own process)."""
    submitting = r["emulator_cpu_submitting"]
    return f"{r['emulator_cpu']:.2f}" + (f" ({submitting:.2f})" if submitting is not None else "")


def timed(r: dict[str, Any], key: str) -> object:
    """A figure of a run, or why there is none."""
    if r[key] is not None and not (key == "wall" and (r["timed_out"] or r["failed"])):
        return r[key]
    if r["failed"]:
        return f"failed ({r['failed'][:60]})"
    return f"timed out after {r['timed_out']:g} s" if r["timed_out"] else "n/a"


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process ``pid`` so far, from ``/proc`` (0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> str:
    port = free_port()
    command = [sys.executable, "-m", "veo_widgets.emulator", "--port", str(port), "--api-key", "k"]
    server = subprocess.Popen([*command, "--seconds", str(SECONDS)], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    server.stdout.readline()
    url = f"http://127.0.0.1:{port}"

    EMULATOR[0] = server.pid
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
    longest = single["wall"] if not (single["timed_out"] or single["failed"]) else None
    rows: list[list[object]] = [
        [
            f"{name}: {r['done']}/{r['n']} done",
            timed(r, "wall"),
            timed(r, "submit"),
            f"{r['wall'] / longest:.2f}x" if longest and not (r["timed_out"] or r["failed"]) else "n/a",
            r["polls"],
            timed(r, "cpu_per_poll_ms"),
            timed(r, "cpu_per_create_ms"),
            emulator_cpu(r),
            r["memory_mb"],
        ]
        for name, r in results
    ]
    rows.append(
        [
            "longest single job",
            timed(single, "wall"),
            timed(single, "submit"),
            "1x",
            single["polls"],
            timed(single, "cpu_per_poll_ms"),
            timed(single, "cpu_per_create_ms"),
            emulator_cpu(single),
            "",
        ]
    )
    VERDICTS[:] = verdicts(results[0][1], results[1][1], single)
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
                "emulator CPU s (submitting)",
                "peak MB above idle",
            ],
            rows,
        )
    )


def verdicts(ours: dict[str, Any], threads: dict[str, Any], single: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """Issue 24's goals for this run; a figure a timed-out or failed run could not give is
    reported as such, and not met."""
    out: list[tuple[str, str, str, bool]] = []
    cpu, base = ours["cpu_per_poll_ms"], threads["cpu_per_poll_ms"]
    if cpu is None:
        out.append(("client CPU per poll, 1,000 jobs", str(timed(ours, "cpu_per_poll_ms")), "2 ms or less", False))
    else:
        out.append(("client CPU per poll, 1,000 jobs", f"{cpu:.2f} ms", "2 ms or less", cpu <= 2.0))
    if cpu is None or base is None:
        why = timed(ours if cpu is None else threads, "cpu_per_poll_ms")
        out.append(("  vs thread per job, same run", f"not measured: {why}", "0.35x or less", False))
    else:
        out.append(("  vs thread per job, same run", f"{cpu / base:.2f}x", "0.35x or less", cpu / base <= 0.35))
    if any(r["timed_out"] or r["failed"] for r in (ours, single)):
        why = timed(ours, "wall") if ours["timed_out"] or ours["failed"] else f"single job {timed(single, 'wall')}"
        out.append(("wall of 1,000 jobs vs one job", f"not measured: {why}", "1.5x or less", False))
    else:
        ratio = ours["wall"] / single["wall"]
        out.append(("wall of 1,000 jobs vs one job", f"{ratio:.2f}x", "1.5x or less", ratio <= 1.5))
    submit = ours["submit"]
    measured = f"{submit:.2f} s" if submit is not None else str(timed(ours, "submit"))
    out.append(("submitting 1,000", measured, "5 s or less", submit is not None and submit <= 5.0))
    out.append(("all 1,000 done", f"{ours['done']}/{ours['n']}", "all", ours["done"] == ours["n"]))
    return out


if __name__ == "__main__":
    main()
