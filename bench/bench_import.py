"""7. `import veo_widgets` time versus `import httpx` (fresh interpreters, median of 9).

``import veo_widgets`` loads its public names on first use (so that the ``veo`` command can
turn Ctrl-C during its imports into one line), so the goal is measured on what a first line
of code costs: ``import veo_widgets; veo_widgets.Client``.
"""

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
CLIENT = "import veo_widgets; veo_widgets.Client"


def timed(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(9)
    ]
    return statistics.median(runs)


def main() -> str:
    package, ours, base = timed("import veo_widgets"), timed(CLIENT), timed("import httpx")
    VERDICTS[:] = [(f"{CLIENT} vs import httpx", f"{ours / base:.2f}x", f"under {GOAL:g}x", ours / base < GOAL)]
    rows = [
        ["import veo_widgets (names load on first use)", package * 1000, f"{package / base:.2f}x"],
        [CLIENT, ours * 1000, f"{ours / base:.2f}x"],
        ["import httpx", base * 1000, "1x"],
    ]
    return table("Import time", ["statement", "ms (median of 9)", "vs httpx"], rows)


if __name__ == "__main__":
    main()
