"""12. Voila's first paint (issue 21, item 14): seconds from the page request to the panel on
screen, for each shipped notebook, in headless Chromium; next to the 3 s goal and to a bare
ipywidgets Button notebook served the same way in the same run (the floor: a kernel, the
page's scripts and one widget, nothing of ours).

Where the time goes, from the same run: the page's first byte and its scripts (the browser's
navigation timing), the kernel (an IPython startup file records when it is ready, and
``pre_run_cell``/``post_run_cell`` hooks when each cell starts and ends, in wall-clock time
as the browser's ``performance.timeOrigin`` is), and the paint (the first animation frame in
which the panel has a box). What is ours: "cells to panel", from the first cell's start to
the end of the cell that shows the panel (imports, the client, the widgets), and "drawing",
from there to the paint (the page making the panel's widget views). Each notebook gets a
fresh page and kernel, shut down once the panel shows, so the next one has the cores.

Needs Debian's Chromium (``VEO_CHROMIUM``, default ``/usr/bin/chromium``), Playwright and
Voila (``pip install -e '.[test]'``). ``BENCH_VOILA_NOTEBOOKS`` picks some (comma-separated
names without ``.ipynb``); ``BENCH_VOILA_RUNS`` (3) opens of each, in rounds, after one
unmeasured warm-up of the floor (the first page a fresh server and browser serve is slower).
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the integration tests' server helpers, and this checkout

from tests.integration.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.integration.servers import Server, start_server  # noqa: E402

try:
    from ._table import table
except ImportError:
    from _table import table  # type: ignore[no-redef]

#: Issue 21, item 14: the panel visible within 3 s of the page request.
GOAL = 3.0
VERDICTS: list[tuple[str, str, str, bool]] = []
#: Opens of each notebook (``BENCH_VOILA_RUNS``); the table has each mark's median.
RUNS = int(os.environ.get("BENCH_VOILA_RUNS", "3"))
SHIPPED = ROOT / "notebooks"
FLOOR = "floor.ipynb"
#: What "the panel" is in each notebook: the first thing a person looks for on the page.
#: magics.ipynb and python_api.ipynb have no panel: their first output stands in.
TARGET = {
    FLOOR: ".widget-button",
    "quickstart.ipynb": ".veo-panel",
    "studio.ipynb": ".veo-panel",
    "veo_family.ipynb": ".veo-panel",
    "magics.ipynb": ".jp-OutputArea-output",
    "python_api.ipynb": ".jp-OutputArea-output",
}

#: Runs in each kernel before the first cell: when the kernel was ready, and when each cell
#: started and ended, as wall-clock seconds in a file named after the kernel's pid.
KERNEL_CLOCK = """
import json, os, time
from pathlib import Path

_bench_file = Path(os.environ["VEO_BENCH_CLOCK"]) / f"{os.getpid()}.jsonl"

def _bench_mark(what, cell=""):
    with _bench_file.open("a") as f:
        f.write(json.dumps([what, time.time(), cell]) + "\\n")

_bench_mark("ready")
get_ipython().events.register("pre_run_cell", lambda info: _bench_mark("start", info.raw_cell))
get_ipython().events.register("post_run_cell", lambda result: _bench_mark("end", result.info.raw_cell))
"""

#: Installed before the page's own scripts: when the target first has a box (then the next
#: animation frame, when it is painted), and when the first cell output shows.
PAGE_CLOCK = """
(() => {
  const target = TARGET;
  const seen = () => {
    const now = performance.timeOrigin + performance.now();
    const out = document.querySelector('.jp-OutputArea-output');
    if (window.benchFirstOutput === undefined && out && out.getBoundingClientRect().height > 0) {
      window.benchFirstOutput = now;
    }
    const el = document.querySelector(target);
    if (window.benchSeen === undefined && el && el.getBoundingClientRect().height > 10) {
      window.benchSeen = now;
      requestAnimationFrame(() => { window.benchPainted = performance.timeOrigin + performance.now(); });
    }
  };
  new MutationObserver(seen).observe(document, {childList: true, subtree: true, attributes: true});
})();
"""


def floor_notebook(folder: Path) -> Path:
    """A bare ipywidgets Button: the least any widget notebook can cost in Voila."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import ipywidgets as widgets\n\nwidgets.Button(description='Floor')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / FLOOR
    nbformat.write(nb, path)
    return path


def kernel_marks(clock: Path, since: set[Path]) -> tuple[list[list[Any]], int | None]:
    """The marks of the one kernel started since ``since`` was listed, and its pid."""
    new = sorted(set(clock.glob("*.jsonl")) - since)
    if not new:
        return [], None
    return [json.loads(line) for line in new[-1].read_text().splitlines() if line], int(new[-1].stem)


def shut_down(server: Server, pid: int | None) -> None:
    """Shut the page's kernel down and wait until it has exited. (Voila's own shutdown on
    leaving the page is refused with a token: its POST carries no ``_xsrf``.)"""
    if pid is None:
        return
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    connection = next(a for a in argv if a.endswith(".json"))
    kernel_id = Path(connection).stem.removeprefix("kernel-")
    server.api("DELETE", f"/api/kernels/{kernel_id}")
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)  # waiting for the kernel's exit, an event: polled


def measure(
    server: Server, browser: Any, notebook: str, clock: Path, cells: tuple[str, str | None]
) -> dict[str, float]:
    """Open ``notebook`` once; seconds from the request to each mark."""
    before = set(clock.glob("*.jsonl"))
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.add_init_script(PAGE_CLOCK.replace("TARGET", json.dumps(TARGET[notebook])))
    page.goto(server.page_url(notebook), wait_until="commit", timeout=120_000)
    page.wait_for_function("() => window.benchPainted !== undefined", timeout=600_000, polling=100)
    got = page.evaluate(
        """() => {
          const nav = performance.getEntriesByType('navigation')[0];
          return {origin: performance.timeOrigin, painted: window.benchPainted,
                  first_output: window.benchFirstOutput ?? null,
                  first_byte: nav.responseStart, scripts: nav.domContentLoadedEventEnd || null};
        }"""
    )
    marks, pid = kernel_marks(clock, before)
    context.close()
    shut_down(server, pid)
    origin = got["origin"] / 1000
    out = {
        "first byte": got["first_byte"] / 1000,
        "page scripts": (got["scripts"] or 0) / 1000,
        "painted": got["painted"] / 1000 - origin,
    }
    if got["first_output"] is not None:
        out["first output"] = got["first_output"] / 1000 - origin
    first, panel = cells
    for key, what, cell in (
        ("kernel ready", "ready", ""),
        ("first cell starts", "start", first),
        ("panel cell ends", "end", panel),
    ):
        at = [t for mark, t, source in marks if mark == what and cell is not None and source.strip() == cell.strip()]
        if at:
            out[key] = at[0] - origin
    if "panel cell ends" in out and "first cell starts" in out:  # ours: the cells, then drawing their widgets
        out["cells to panel"] = out["panel cell ends"] - out["first cell starts"]
        out["drawing"] = out["painted"] - out["panel cell ends"]
    return out


def cells(notebook: Path) -> tuple[str, str | None]:
    """The notebook's first code cell, and the one that shows the panel (None: no panel; the
    floor's Button cell stands for one)."""
    sources = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    panel = sources[0] if notebook.name == FLOOR else next((s for s in sources if "veo.Panel(" in s), None)
    return sources[0], panel


def main() -> str:
    from playwright.sync_api import sync_playwright

    # Bytecode for this checkout, as an installed package has it (a kernel never compiles
    # our modules in front of a person; PYTHONDONTWRITEBYTECODE would have it compile every time).
    compileall.compile_dir(ROOT / "veo_widgets", quiet=1)
    load_before = os.getloadavg()[0]
    wanted = [n.strip() for n in os.environ.get("BENCH_VOILA_NOTEBOOKS", "").split(",") if n.strip()]
    shipped = sorted(p for p in SHIPPED.glob("*.ipynb") if not wanted or p.stem in wanted)
    with tempfile.TemporaryDirectory(prefix="bench-voila-") as tmp:
        base = Path(tmp)
        clock = base / "clock"
        clock.mkdir()
        startup = base / "ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-bench-clock.py").write_text(KERNEL_CLOCK)
        os.environ["VEO_BENCH_CLOCK"] = str(clock)  # the server's environment, so its kernels'
        floor = floor_notebook(base)
        files = (floor, *shipped, SHIPPED / "voila.json")
        server = start_server("voila", base, shipped=files)
        runs: dict[str, list[dict[str, float]]] = {}
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                try:
                    measure(server, browser, FLOOR, clock, cells(server.root / FLOOR))  # warm-up, not counted
                    # Round by round, the floor in each: the machine's load changes during a run.
                    for _ in range(RUNS):
                        for name in [FLOOR, *(p.name for p in shipped)]:
                            got = measure(server, browser, name, clock, cells(server.root / name))
                            runs.setdefault(name, []).append(got)
                            print(f"  {name}: {json.dumps({k: round(v, 2) for k, v in got.items()})}", flush=True)
                finally:
                    browser.close()
        finally:
            server.stop()
    results = {name: median_of(got) for name, got in runs.items()}
    load = f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    floor_s = results[FLOOR]["painted"]
    columns = [
        "first byte",
        "page scripts",
        "kernel ready",
        "first cell starts",
        "cells to panel",
        "drawing",
        "painted",
    ]

    def row(name: str, got: dict[str, float]) -> list[object]:
        painted = got["painted"]
        return [name, *(got.get(c, "") for c in columns), f"{painted / GOAL:.2f}x", f"{painted / floor_s:.2f}x"]

    rows = [row("floor (a Button)" if name == FLOOR else name, got) for name, got in results.items()]
    VERDICTS[:] = [
        (f"Voila {name}: panel painted", f"{got['painted']:.1f} s", f"{GOAL:g} s or less", got["painted"] <= GOAL)
        for name, got in results.items()
        if name != FLOOR
    ]
    header = ["notebook", *(f"{c} s" for c in columns), "vs 3 s goal", "vs floor"]
    title = f"Voila: seconds from the page request to the panel on screen (median of {RUNS}; {load})"
    return table(title, header, rows)


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each mark's median over the runs that have it."""
    keys = {k for got in runs for k in got}
    return {k: statistics.median(got[k] for got in runs if k in got) for k in sorted(keys)}


if __name__ == "__main__":
    main()
