"""Re-run the notebooks in demo mode and keep only small, deterministic outputs.

    python notebooks/refresh.py

Outputs are kept for cells marked ``# NBVAL_CHECK_OUTPUT`` (nbval compares those) and for
cells tagged ``raises-exception``; everything else is cleared, widget state is dropped, so
the committed files hold no videos, no ids, no timestamps and never a key.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def refresh(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as home:
        env = {"VEO_HOME": home, "VEO_OUTPUT_DIR": str(Path(home) / "out"), "VEO_DEMO_SECONDS": "2"}
        for name in ("AIMLAPI_KEY", "AIML_API_KEY", "AIMLAPI_BASE_URL", "VEO_DEMO"):
            os.environ.pop(name, None)
        os.environ.update(env)
        # Run where nothing of the checkout is beside it, as the suite runs it
        # (tests/integration/test_notebooks.py) and as a person who downloads it would.
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": home}}).execute()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        keep = "NBVAL_CHECK_OUTPUT" in cell.source or "raises-exception" in cell.metadata.get("tags", [])
        if not keep:
            cell.outputs = []
        # Counts stay (nbval skips a cell without one); they are deterministic: cells run in order.
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    print(f"refreshed {path.name}")


if __name__ == "__main__":
    for name in sys.argv[1:] or sorted(p.name for p in HERE.glob("*.ipynb")):
        refresh(HERE / name)
