"""Where the client's CPU goes while 1,000 jobs are in flight: ``python bench/profile_polls.py``.

Runs the concurrency benchmark's one-event-loop case (``BENCH_JOBS`` jobs, default 1000)
under cProfile against the emulator in its own process, and prints the functions with the
most time of their own, per poll (the profile's overhead inflates every figure alike: read
the shares, not the milliseconds). First it says how much CPU each process used, the client
(this one: ``time.process_time``) and the emulator (from ``/proc``), in all and while
submitting: the two share the machine's cores. ``BENCH_PROFILE=0`` runs the same without
cProfile, for those figures alone. Not part of ``run_all.py``: it is a tool, not a figure.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_concurrency as bench

TOP = int(os.environ.get("BENCH_PROFILE_TOP", "25"))


def show(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def main() -> None:
    port = bench.free_port()
    command = [sys.executable, "-m", "veo_widgets.emulator", "--port", str(port), "--api-key", "k"]
    server = subprocess.Popen([*command, "--seconds", str(bench.SECONDS)], stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    server.stdout.readline()
    url = f"http://127.0.0.1:{port}"
    bench.EMULATOR[0] = server.pid
    profiling = os.environ.get("BENCH_PROFILE", "1") != "0"
    profile = cProfile.Profile()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["VEO_HOME"], os.environ["VEO_OUTPUT_DIR"] = tmp, str(Path(tmp) / "out")
            bench.one_loop(url, 1)  # warm the emulator's render cache and the imports
            if profiling:
                profile.enable()
            result = bench.one_loop(url, bench.JOBS)
            profile.disable()
    finally:
        server.terminate()
        server.wait(10)
    note = "(profiled)" if profiling else "(not profiled)"
    submit, per_poll = (show(bench.timed(result, key)) for key in ("submit", "cpu_per_poll_ms"))
    print(
        f"{result['done']}/{result['n']} done, wall {result['wall']:.1f} s, submitting {submit} s, "
        f"{result['polls']} polls, {per_poll} ms CPU per poll {note}"
    )
    submitting = (result["cpu_per_create_ms"] or 0) * result["n"] / 1000
    print(
        f"CPU s: client {result['client_cpu']:.2f} (submitting {submitting:.2f}), "
        f"emulator {bench.emulator_cpu(result)} {note}; load average {os.getloadavg()[0]:.1f}"
    )
    if not profiling:
        return
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(TOP)
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(TOP)
    print(out.getvalue())


if __name__ == "__main__":
    main()
