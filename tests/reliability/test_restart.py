"""A job submitted in a kernel that is then killed is found, resumed and downloaded by the next."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

pytestmark = [pytest.mark.kernel, pytest.mark.timeout(180)]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lighthouse.jpg"


def run(client: object, code: str) -> str:
    out: list[str] = []

    def hook(msg: dict[str, object]) -> None:
        content = msg["content"]
        assert isinstance(content, dict)
        if msg["msg_type"] == "stream" and content.get("name") == "stdout":
            out.append(str(content["text"]))
        if msg["msg_type"] == "error":
            raise AssertionError("\n".join(content["traceback"]))

    client.execute_interactive(code, timeout=120, output_hook=hook)  # type: ignore[attr-defined]
    return "".join(out)


def test_kill_the_kernel_then_resume_from_the_journal(tmp_path: Path) -> None:
    env = dict(os.environ, VEO_HOME=str(tmp_path / "home"), VEO_OUTPUT_DIR=str(tmp_path / "out"), VEO_DEMO_SECONDS="4")
    manager, client = start_new_kernel(kernel_name="python3", env=env)
    try:
        job_id = run(
            client,
            f"import veo_widgets as veo\nprint(veo.Client().submit('survive', image={str(EXAMPLE)!r}, duration=4).id)",
        ).strip()
    finally:
        client.stop_channels()
        manager.signal_kernel(signal.SIGKILL)  # no clean shutdown: the process dies mid-job
        manager.shutdown_kernel(now=True)
    assert job_id
    manager, client = start_new_kernel(kernel_name="python3", env=env)
    try:
        found = run(client, "import veo_widgets as veo\nprint([j.id for j in veo.history()])")
        assert job_id in found
        result = run(
            client,
            f"c = veo.Client()\njob = c.wait({job_id!r}, timeout=90)\np = c.download(job)\nprint(job.status, p.exists(), p.stat().st_size > 10000)",
        )
        assert result.strip() == "completed True True"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
