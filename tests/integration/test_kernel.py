"""The panel in a real ipykernel: updates keep arriving while another cell blocks."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager, start_new_kernel

from .servers import pythonpath

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(180)]


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[BlockingKernelClient]:
    # The isolated VEO_HOME/VEO_OUTPUT_DIR from tests/conftest.py, and this checkout's code.
    env = dict(os.environ, VEO_DEMO_SECONDS="2", PYTHONUNBUFFERED="1", PYTHONPATH=pythonpath())
    manager: KernelManager
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), env=env)
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def execute(client: BlockingKernelClient, code: str, timeout: float = 60) -> list[dict[str, Any]]:
    """Run ``code``; return every iopub message from its start to its idle status."""
    msg_id = client.execute(code)
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    started = False
    while time.monotonic() < deadline:
        msg = client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        mine = msg["parent_header"].get("msg_id") == msg_id
        if mine and msg["msg_type"] == "execute_input":
            started = True
        if started:
            messages.append(msg)
        if mine and msg["msg_type"] == "error":
            raise AssertionError("\n".join(msg["content"]["traceback"]))
        if mine and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return messages
    raise AssertionError(f"cell did not finish in {timeout} s: {code!r}")


def badge_updates(messages: list[dict[str, Any]]) -> list[str]:
    seen = []
    for msg in messages:
        if msg["msg_type"] != "comm_msg":
            continue
        data = msg["content"].get("data", {})
        value = data.get("state", {}).get("value") if data.get("method") == "update" else None
        if isinstance(value, str) and 'data-status="' in value:
            seen.append(value.split('data-status="')[1].split('"')[0])
    return seen


def test_status_updates_arrive_while_another_cell_sleeps(kernel: BlockingKernelClient, tmp_path: Path) -> None:
    image = Path(__file__).parents[2] / "examples" / "lighthouse.jpg"
    started = execute(
        kernel,
        "import veo_widgets as veo\n"
        f"panel = veo.Panel(prompt='the beam sweeps', image={str(image)!r}, duration=4, seed=3)\n"
        "panel.generate()\n",
    )
    assert not [m for m in started if m["msg_type"] == "error"]
    # A cell that blocks the kernel (sleeping, not awaiting) until the job ended, or 90 s.
    during = execute(
        kernel,
        "import time\nuntil = time.monotonic() + 90\n"
        "while panel.status not in ('completed', 'error') and time.monotonic() < until:\n"
        "    time.sleep(0.5)\n"
        "time.sleep(1)\nprint('slept')",
        timeout=120,
    )
    statuses = badge_updates(during)
    # Widget updates reached the front end *during* the blocking cell, through to the end.
    assert "completed" in statuses, statuses
    assert any(s in statuses for s in ("queued", "generating", "downloading"))
    # ...and nothing from the background work was printed into the running cell.
    streams = [m["content"]["text"] for m in during if m["msg_type"] == "stream"]
    assert "".join(streams).strip() == "slept"
    assert not [m for m in during if m["msg_type"] in ("display_data", "execute_result", "error")]
    after = execute(kernel, "job = panel.wait(30)\nprint(job.status, job.path.exists())")
    assert "completed True" in "".join(m["content"].get("text", "") for m in after if m["msg_type"] == "stream")
