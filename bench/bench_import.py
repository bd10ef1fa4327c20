"""7. `import veo_widgets` time versus `import httpx` (fresh interpreters, median of 9)."""

from __future__ import annotations

import statistics
import subprocess
import sys

try:
    from ._table import table
except ImportError:
    from _table import table  # type: ignore[no-redef]


#: The goal (issue 24), checked by ``run_all.py``.
GOAL = 2.0
VERDICTS: list[tuple[str, str, str, bool]] = []


def timed(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(9)
    ]
    return statistics.median(runs)


def main() -> str:
    ours, base = timed("veo_widgets"), timed("httpx")
    VERDICTS[:] = [
        ("import veo_widgets vs import httpx", f"{ours / base:.2f}x", f"under {GOAL:g}x", ours / base < GOAL)
    ]
    rows = [["import veo_widgets", ours * 1000, f"{ours / base:.2f}x"], ["import httpx", base * 1000, "1x"]]
    return table("Import time", ["statement", "ms (median of 9)", "vs httpx"], rows)


if __name__ == "__main__":
    main()
