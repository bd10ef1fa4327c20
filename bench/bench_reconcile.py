"""Settling unconfirmed creates (issue 21): 8 rows, half made with their answer lost, half
journaled and never sent, looked up in the emulator's usage logs by ``client.reconcile()``.

The target: all 8 settled (found, or not made) in 10 s or less, with a usage-logs query per
round for the window that holds them. Before, each row was looked up alone with its own
rounds: 81 s for 8 rows in the report, and every row still "may exist".
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from PIL import Image

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.money._reconcile import Found, NotMade
from veo_widgets.protocol._flows import RetryPolicy

try:
    from ._table import machine, table
except ImportError:
    from _table import machine, table  # type: ignore[no-redef]

ROWS = 8
LAG = 1.0  # seconds before a create's row shows in the emulator's usage logs


def unconfirmed(emu: Emulator, client: veo.Client, image: Path) -> int:
    """ROWS unconfirmed journal rows: half made (their answer dropped), half never sent."""
    client.on_notice = lambda text: None
    client.reconcile_timeout = 0.05  # each create gives up on the logs at once
    emu.add_fault("drop", endpoint="create", times=ROWS // 2)
    for i in range(ROWS // 2):
        try:
            client.submit(f"lost {i}", image=image, duration=4, seed=i)
        except veo.VeoError:
            pass
    for i in range(ROWS - ROWS // 2):
        client.journal.record_submission(f"never-{i}", base_url=emu.url, demo=False, request={"prompt": "never"})
    return len(client.journal.unconfirmed())


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, Emulator(timing=0.5, log_lag=LAG) as emu:
        image = Path(folder) / "a.png"
        Image.new("RGB", (320, 180), (20, 60, 120)).save(image)
        journal = veo.Journal(Path(folder) / "journal.db")
        retry = RetryPolicy(base=0.05, cap=0.2)
        with veo.Client(emu.api_key, emu.url, timeout=1.0, retry=retry, journal=journal) as client:
            rows = unconfirmed(emu, client, image)
            client.logs_final_after = LAG + 1.0
            started = time.monotonic()
            results = client.reconcile(timeout=30)
            took = time.monotonic() - started
    found = sum(isinstance(r, Found) for r in results)
    closed = sum(isinstance(r, NotMade) for r in results)
    table(
        f"Reconcile {ROWS} unconfirmed rows ({machine()})",
        ("rows", "found", "not made", "still unknown", "seconds", "target"),
        [(rows, found, closed, rows - found - closed, took, "<= 10 s")],
    )


if __name__ == "__main__":
    main()
