"""Run by hand (``python -m pytest notebooks/quickstart.ipynb``), nbval runs these notebooks in
place in demo mode, with a private journal and output folder. The suite does not: it copies
them alone into an empty folder and runs them there with the same environment
(``tests/integration/test_notebooks.py``), so a notebook that leans on the checkout fails."""

from __future__ import annotations

import os
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # The kernels nbval starts inherit this environment.
    for name in ("AIMLAPI_KEY", "AIML_API_KEY", "AIMLAPI_BASE_URL", "VEO_DEMO"):
        os.environ.pop(name, None)
    home = tempfile.mkdtemp(prefix="veo-nbval-")
    os.environ.setdefault("VEO_HOME", home)
    os.environ.setdefault("VEO_OUTPUT_DIR", os.path.join(home, "out"))
    os.environ.setdefault("VEO_DEMO_SECONDS", "2")
