"""Run every benchmark and print their tables: `python bench/run_all.py`."""

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
from _table import machine

if __name__ == "__main__":
    print(f"# veo_widgets benchmarks, {time.strftime('%Y-%m-%d')}, {machine()}\n")
    for module in (
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
    ):
        module.main()
