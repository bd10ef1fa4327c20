"""3. The kernel stays free: the round trip of a trivial cell while 20 panel generations
poll, versus an idle kernel (a real ipykernel, driven by jupyter_client)."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

try:
    from ._table import table
except ImportError:
    from _table import table  # type: ignore[no-redef]

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "lighthouse.jpg"
SAMPLES = 40


def round_trips(client: object) -> list[float]:
    times = []
    for _ in range(SAMPLES):
        start = time.perf_counter()
        client.execute_interactive("1 + 1", timeout=30, output_hook=lambda msg: None)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, VEO_HOME=tmp, VEO_OUTPUT_DIR=str(Path(tmp) / "out"), VEO_DEMO_SECONDS="60")
        for name in ("AIMLAPI_KEY", "AIML_API_KEY", "AIMLAPI_BASE_URL"):
            env.pop(name, None)
        manager, client = start_new_kernel(kernel_name="python3", env=env)
        try:
            client.execute_interactive("import veo_widgets as veo", timeout=60, output_hook=lambda msg: None)
            idle = round_trips(client)
            setup = (
                f"panel = veo.Panel(prompt='busy', image={str(EXAMPLE)!r}, duration=4, seed=1)\n"
                "for i in range(20):\n    panel.generate()\n"
            )
            client.execute_interactive(setup, timeout=60, output_hook=lambda msg: None)
            time.sleep(3)  # let all twenty reach their polling loops
            busy = round_trips(client)
            check = "print(sum(r.status in ('queued', 'generating') for r in panel._runs))"
            polling: list[str] = []
            client.execute_interactive(
                check, timeout=30, output_hook=lambda m: polling.append(m["content"].get("text", ""))
            )
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)

    def row(name: str, xs: list[float]) -> list[object]:
        return [name, statistics.median(xs), sorted(xs)[int(len(xs) * 0.95) - 1], max(xs)]

    rows = [
        row(f"while 20 generations poll ({''.join(polling).strip()} still running)", busy),
        row("idle kernel", idle),
    ]
    rows.append(["ratio (median)", f"{statistics.median(busy) / statistics.median(idle):.2f}x", "", ""])
    return table(f"Kernel round trip of `1 + 1` ({SAMPLES} runs)", ["kernel", "median ms", "p95 ms", "max ms"], rows)


if __name__ == "__main__":
    main()
