"""Front-end servers for the integration tests: JupyterLab, Notebook 7 and Voila on loopback.

Each gets its own root folder outside the repository (with the test notebooks), its own
Jupyter config/data/runtime/settings folders, its own ``VEO_HOME``, a ``veo_outputs``
folder inside the notebook folder, and ``PYTHONPATH`` pointing at the tree under test, so
kernels import this checkout and nothing else.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nbformat

ROOT = Path(__file__).resolve().parents[2]
#: Variables a developer's shell may hold that must never reach a test kernel.
SCRUBBED = ("AIMLAPI_KEY", "AIML_API_KEY", "AIMLAPI_BASE_URL", "VEO_DEMO", "VEO_OUTPUT_DIR", "VEO_HOME")
#: How long a demo job takes in the test kernels (the README's default is 12 s).
DEMO_SECONDS = "1"
#: Jobs long enough to cancel one of two while both run.
SLOW_DEMO_SECONDS = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pythonpath() -> str:
    """``PYTHONPATH`` with the tree under test first: kernels import this checkout, not
    whatever an editable install points at."""
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(ROOT)]
    return os.pathsep.join([str(ROOT), *rest])


def tree_env(**extra: str) -> dict[str, str]:
    """This environment without secrets, importing ``veo_widgets`` from the tree under test."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env.update(PYTHONPATH=pythonpath(), PYTHONUNBUFFERED="1", **extra)
    return env


# ---------------------------------------------------------------------------- notebooks


def _notebook(*cells: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


PANEL_CELL = "import veo_widgets as veo\n\npanel = veo.Panel(duration=4, seed=1)\npanel"
#: Says whether the kernel holds the whole key without ever printing it: its length and a
#: hash prefix the test compares with its own. (The client keeps the key in a ``Secret``.)
KEY_CHECK_CELL = (
    "import hashlib\n"
    "secret = panel.client._core.key  # the client's own copy of the key (private: this is the check)\n"
    "held = secret.reveal() if secret else ''\n"
    "print('key-check', len(held), hashlib.sha256(held.encode()).hexdigest()[:12], repr(panel.client))"
)
CANCEL_CELL = (
    "import os\n\n"
    f"os.environ['VEO_DEMO_SECONDS'] = '{SLOW_DEMO_SECONDS}'  # jobs long enough to cancel one\n"
    "import veo_widgets as veo\n\n"
    "panel = veo.Panel(duration=4, seed=2)\npanel"
)
#: Two clips in the journal, then the gallery of every clip this machine made.
GALLERY_CELL = (
    "import veo_widgets as veo\n\n"
    "client = veo.Client()\n"
    "for seed, prompt in enumerate(['A lighthouse at dusk', 'Gulls over the sea']):\n"
    "    client.generate(prompt, image=veo.sample_image(), duration=4, seed=seed)\n"
    "gallery = veo.Gallery()\ngallery"
)
#: A panel set to four takes of one request (seeds 1 to 4).
TAKES_CELL = (
    "import veo_widgets as veo\n\n"
    "panel = veo.Panel('The beam sweeps the sea', image=veo.sample_image(), duration=4, seed=1, takes=4)\npanel"
)
#: A text-to-video panel: a prompt is all it needs, so a test can type and send at once.
TEXT_CELL = "import veo_widgets as veo\n\npanel = veo.Panel(model='veo-3-fast-t2v', duration=4, seed=1)\npanel"
#: A panel left at one take, with its image: a person picks the number of takes.
ONE_TAKE_CELL = (
    "import veo_widgets as veo\n\n"
    "panel = veo.Panel('The beam sweeps the sea', image=veo.sample_image(), duration=4, seed=1)\npanel"
)
#: One video, then the Audit view: its totals and the spend chart with a $5 daily budget. The
#: budget is set after the video: the other notebooks on the same server share its demo
#: journal, and what they spent today must not refuse this one.
AUDIT_CELL = (
    "import veo_widgets as veo\n"
    "from veo_widgets.notebook._audit_view import AuditView\n\n"
    "client = veo.Client(budget_usd=None)\n"
    "client.generate('A lighthouse at dusk', image=veo.sample_image(), duration=4, seed=1)\n"
    "client.budget_usd = 5.0  # the line the chart draws\n"
    "AuditView(client)"
)
#: One notebook per test, so no test opens a file another one saved.
NOTEBOOKS = {
    "panel.ipynb": _notebook(PANEL_CELL),
    "look.ipynb": _notebook(PANEL_CELL),
    "key.ipynb": _notebook(PANEL_CELL, KEY_CHECK_CELL),
    "reopen.ipynb": _notebook(PANEL_CELL),
    "summary.ipynb": _notebook(PANEL_CELL),
    "cancel.ipynb": _notebook(CANCEL_CELL),
    "gallery.ipynb": _notebook(GALLERY_CELL),
    "play.ipynb": _notebook(GALLERY_CELL),
    "takes.ipynb": _notebook(TAKES_CELL),
    "fast.ipynb": _notebook(TEXT_CELL),
    "fold.ipynb": _notebook(ONE_TAKE_CELL),
    "audit.ipynb": _notebook(AUDIT_CELL),
}


# ---------------------------------------------------------------------------- servers


@dataclass
class Server:
    """A running front end: where it listens and which folder it serves."""

    kind: str
    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen[bytes]

    def page_url(self, notebook: str) -> str:
        route = {"lab": "lab/tree", "notebook7": "notebooks", "voila": "voila/render"}[self.kind]
        # Lab restores the last layout; ``reset`` opens just this notebook, on its own.
        reset = "&reset" if self.kind == "lab" else ""
        return f"{self.url}/{route}/{notebook}?token={self.token}{reset}"

    def api(self, method: str, path: str) -> Any:
        response = httpx.request(method, f"{self.url}{path}", params={"token": self.token}, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def save_widget_state(self, on: bool) -> None:
        """Turn JupyterLab's "Save Jupyter widget state in notebooks" on or off (pages opened
        afterwards read it)."""
        response = httpx.put(
            f"{self.url}/lab/api/settings/@jupyter-widgets/jupyterlab-manager:plugin",
            params={"token": self.token},
            json={"raw": json.dumps({"saveState": on})},
            timeout=10,
        )
        response.raise_for_status()

    def stop(self) -> None:
        """SIGTERM: the server shuts its kernels down; then anything left of the session
        this test started is killed (kernels also exit when their parent is gone)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait(10)


def _settings(base: Path, save_widget_state: bool) -> Path:
    settings = base / "settings"
    widgets = settings / "@jupyter-widgets" / "jupyterlab-manager"
    widgets.mkdir(parents=True)
    (widgets / "plugin.jupyterlab-settings").write_text(json.dumps({"saveState": save_widget_state}))
    quiet = settings / "@jupyterlab" / "apputils-extension"
    quiet.mkdir(parents=True)
    (quiet / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    return settings


def start_server(kind: str, base: Path, *, save_widget_state: bool = False, shipped: tuple[Path, ...] = ()) -> Server:
    """A server of ``kind`` on the test notebooks; with ``shipped``, on copies of those files
    instead (notebooks and their ``voila.json``), started in their folder as a person does."""
    root = base / "notebooks"  # outside the repository, as a user's folder would be
    root.mkdir(parents=True)
    for name, nb in NOTEBOOKS.items() if not shipped else ():
        nbformat.write(nb, root / name)
    for path in shipped:
        shutil.copy(path, root / path.name)
    port, token = free_port(), secrets.token_hex(16)
    # No VEO_OUTPUT_DIR: videos go where a person's would, ./veo_outputs beside the notebook
    # (a temporary folder here), and the panel shows them as it would to that person.
    env = tree_env(
        VEO_HOME=str(base / "veo_home"),
        VEO_DEMO_SECONDS=DEMO_SECONDS,
        IPYTHONDIR=str(base / "ipython"),
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_DATA_DIR=str(base / "data"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(_settings(base, save_widget_state)),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
    )
    env.pop("VEO_EMULATOR_DRAFT", None)  # the browser plays demo mode's full 24 fps render, as a person's would
    root_flag = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    jupyter = [
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        *root_flag,
    ]
    argv = {
        "lab": ["jupyterlab", *jupyter, "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        "notebook7": ["notebook", *jupyter],
        "voila": [
            "voila",
            str(root),
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            f"--Voila.port={port}",
            "--Voila.port_retries=0",
            f"--Voila.token={token}",
            "--VoilaConfiguration.show_tracebacks=True",
        ],
    }[kind]
    if kind == "lab":
        # Lets a test switch the theme through the app's own command, as the menu does.
        argv.append("--LabApp.expose_app_in_browser=True")
    log_path = base / f"{kind}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", *argv],
            env=env,
            cwd=root if shipped else base,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(kind, f"http://127.0.0.1:{port}", token, root, log_path, process)
    ready = "/voila/tree" if kind == "voila" else "/api/status"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{server.url}{ready}", params={"token": token}, timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise AssertionError(f"{kind} did not start:\n" + log_path.read_text(errors="replace")[-3000:])
        time.sleep(0.3)
