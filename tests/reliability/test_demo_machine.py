"""Demo mode is one API for the whole machine: a job made by one process (a `veo generate`
in a terminal) is resumed, downloaded again and found in the usage logs by another that was
already running (a kernel's gallery), as it would be with the real API."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import _demo_mode

from ..helpers import HTTP

pytestmark = pytest.mark.timeout(180)

#: The other process: makes a demo job and ends before it is done, as Ctrl-C would.
_SUBMIT = (
    "import veo_widgets as veo\n"
    "job = veo.Client().submit('made elsewhere', image=veo.sample_image(), duration=4, seed=5)\n"
    "print(job.id, job.client_request_id)\n"
)


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> Iterator[veo.Client]:
    """This process's demo client, its emulator started (under this test's $VEO_HOME)
    before the other process makes anything."""
    monkeypatch.setattr(_demo_mode, "_demo", None)
    client = veo.Client()
    assert client.demo
    client.estimate()  # the emulator is up and answering
    yield client
    client.close()
    if _demo_mode._demo is not None:
        _demo_mode._demo.close()


def test_a_job_made_by_another_process_is_resumed_and_downloaded_here(demo: veo.Client, tmp_path: Path) -> None:
    env = dict(os.environ, VEO_DEMO_SECONDS="2")
    done = subprocess.run([sys.executable, "-c", _SUBMIT], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    job_id, crid = done.stdout.split()

    job = demo.wait(job_id, timeout=90)  # "Not found" before: this emulator had never seen it
    assert job.status == "completed"
    first = demo.download(job, tmp_path / "here.mp4")
    again = demo.download(demo.get(job_id), tmp_path / "again.mp4")  # Download again
    assert first.stat().st_size > 10_000 and again.read_bytes() == first.read_bytes()

    # Its create is in this emulator's usage logs too (a reconcile from here finds it).
    emulator = _demo_mode.demo_emulator()
    logs = HTTP.get(
        f"{emulator.url}/v2/logs",
        params={"period": "1h"},
        headers={"Authorization": f"Bearer {emulator.api_key}"},
        timeout=30,
    ).json()["data"]
    assert [row["inference_id"] for row in logs if row["client_request_id"] == crid] == [job_id]
