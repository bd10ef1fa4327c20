"""Run every benchmark and print their tables, then every goal as a ratio measured in this
run against its target: `python bench/run_all.py`.

A regression guard, not a timed test: it reports (and exits 1 when a goal is missed), so a
slower change shows up here, side by side with its baseline, never as a flaky test.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_concurrency
import bench_download
import bench_emulator
import bench_images
import bench_import
import bench_journal
import bench_kernel
import bench_lost_answers
import bench_polling
import bench_reconcile
import bench_voila
from _table import machine, table

MODULES = (
    bench_polling,
    bench_concurrency,
    bench_journal,
    bench_kernel,
    bench_images,
    bench_download,
    bench_emulator,
    bench_import,
    bench_lost_answers,
    bench_reconcile,
    bench_voila,
)


def goals() -> bool:
    """Print every goal the benchmarks checked; True if all are met."""
    verdicts = [v for module in MODULES for v in getattr(module, "VERDICTS", [])]
    rows = [[what, measured, goal, "met" if met else "NOT met"] for what, measured, goal, met in verdicts]
    table(f"Goals, measured in this run ({time.strftime('%Y-%m-%d')})", ["goal", "measured", "target", ""], rows)
    return all(met for *_, met in verdicts)


if __name__ == "__main__":
    print(f"# veo_widgets benchmarks, {time.strftime('%Y-%m-%d')}, {machine()}\n")
    only = set(sys.argv[1:])  # e.g. `run_all.py bench_concurrency bench_import`
    for module in MODULES:
        if not only or module.__name__ in only:
            module.main()
    sys.exit(0 if goals() else 1)
