"""A sentinel key, used everywhere a key goes, appears in no saved file, output, log,
journal or repr."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import veo_widgets as veo
from veo_widgets.emulator import Emulator

from ..conftest import FAST, QUICK_POLLS
from ..integration.servers import pythonpath

pytestmark = pytest.mark.timeout(240)
SENTINEL = "sk-SENTINEL-7f3a9c1e5b2d4680aa11"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["quickstart", "magics", "python_api"])
def test_notebook_executed_with_the_key_and_widget_state_keeps_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("AIMLAPI_KEY", SENTINEL)
    monkeypatch.setenv("VEO_DEMO", "1")  # the key is set, but nothing may leave this machine
    monkeypatch.setenv("VEO_DEMO_SECONDS", "2")
    monkeypatch.setenv("PYTHONPATH", pythonpath())  # the kernel imports this checkout, installed or not
    nb = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import veo_widgets as veo\n"
            "panel = globals().get('panel') or veo.Panel()\n"
            f"panel.api_key.value = {SENTINEL[::-1]!r}[::-1]; panel.key.use.click()  # typed into the panel, Use key\n"
            "display(panel)\n"
            "%reload_ext veo_widgets\n%veo config\nprint(repr(panel), repr(panel.client), veo.history(3))\n"
            "import os; print(sorted(k for k in os.environ if 'KEY' in k))"
        )
    )
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(tmp_path / "notebooks")}},
    ).execute()
    saved = tmp_path / "notebooks" / "saved.ipynb"
    nbformat.write(nb, saved)
    text = saved.read_text()
    assert "application/vnd.jupyter.widget-state+json" in text and "AIMLAPI_KEY" in text  # state and outputs exist
    assert SENTINEL not in text
    journal = Path(os.environ["VEO_HOME"]) / "journal.sqlite3"
    assert SENTINEL.encode() not in journal.read_bytes()


def test_logs_errors_reprs_and_journal(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with Emulator(timing=0.3, api_key=SENTINEL) as emu:
        client = veo.Client(SENTINEL, emu.url, schedule=QUICK_POLLS)
        job = client.generate("secret keeping", image=ROOT / "examples" / "lighthouse.jpg", **FAST)
        emu.add_fault("401", endpoint="poll")
        with pytest.raises(veo.AuthenticationError) as caught:
            client.get(job.id)
        texts = [
            caplog.text,
            repr(client),
            repr(job),
            str(caught.value),
            repr(caught.value),
            repr(veo._config.Secret(SENTINEL)),
            repr(veo.history()),
            str(vars(client)),
        ]
        client.close()
    assert "httpx" in caplog.text  # the HTTP layer did log, at DEBUG
    for text in texts:
        assert SENTINEL not in text
    assert SENTINEL.encode() not in (Path(os.environ["VEO_HOME"]) / "journal.sqlite3").read_bytes()
