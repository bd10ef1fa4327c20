"""The public surface is what we mean, and importing it stays light."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import get_type_hints

import veo_widgets as veo

ROOT = Path(__file__).resolve().parents[1]

EXPECTED = {
    "APIConnectionError",
    "APIError",
    "AmbiguousIdError",
    "AsyncClient",
    "AsyncRun",
    "Audit",
    "AuditSummary",
    "AuthenticationError",
    "BudgetExceededError",
    "Charge",
    "Client",
    "Emulator",
    "Finding",
    "Gallery",
    "GenerationFailedError",
    "GenerationTimeoutError",
    "InsufficientCreditsError",
    "Job",
    "JobStatus",
    "Journal",
    "LongTakeRun",
    "ModelSpec",
    "NotFoundError",
    "Panel",
    "PriceDrift",
    "RateLimitError",
    "Run",
    "ServerError",
    "Spend",
    "SpendHistory",
    "Storyboard",
    "UnconfirmedCreateError",
    "Usage",
    "ValidationError",
    "VeoError",
    "VideoRequest",
    "WaitCancelled",
    "__version__",
    "along_take",
    "aresume",
    "astart_long_take",
    "history",
    "last_frame",
    "long_take",
    "models",
    "resume",
    "sample_image",
    "start_long_take",
    "stitch",
}


def test_all_is_sorted_and_complete() -> None:
    assert veo.__all__ == sorted(veo.__all__, key=str.lower) or veo.__all__ == sorted(veo.__all__)
    assert set(veo.__all__) == EXPECTED
    for name in veo.__all__:
        assert getattr(veo, name) is not None


def test_every_public_name_is_offered_before_it_is_loaded() -> None:
    code = (
        "import veo_widgets as veo; names = dir(veo); print('Client' in names, 'Panel' in names, 'Panel' in vars(veo))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True", "False"]  # tab completion lists them; nothing loaded yet


def test_error_tree() -> None:
    for name in (
        "ValidationError",
        "APIError",
        "APIConnectionError",
        "GenerationFailedError",
        "GenerationTimeoutError",
    ):
        assert issubclass(getattr(veo, name), veo.VeoError)
    for name in ("AuthenticationError", "InsufficientCreditsError", "NotFoundError", "RateLimitError", "ServerError"):
        assert issubclass(getattr(veo, name), veo.APIError)
    assert issubclass(veo.GenerationTimeoutError, TimeoutError)


def test_import_does_not_load_widgets_the_emulator_or_patch_asyncio() -> None:
    code = (
        "import sys, veo_widgets; "
        "print(sorted(m for m in ('ipywidgets', 'av', 'nest_asyncio', 'veo_widgets.emulator') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_demo_panel_is_built_while_the_emulator_still_starts(tmp_path: Path) -> None:
    """Voila shows the panel as soon as its cell ends: that cell neither loads PyAV nor waits
    for demo mode's emulator, whose start is held here for good."""
    code = (
        "import sys, threading\n"
        "from veo_widgets.emulator import _demo_mode\n"
        "_demo_mode.Emulator = lambda **options: threading.Event().wait()  # its start never ends\n"
        "import veo_widgets as veo\n"
        "panel = veo.Panel(prompt='x', image=veo.sample_image(), duration=4)\n"
        "print(panel.client.demo, 'av' in sys.modules, 'veo_widgets.emulator._routes' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("AIMLAPI_KEY", "AIML_API_KEY", "AIMLAPI_BASE_URL")}
    env.update(PYTHONPATH=str(ROOT), VEO_HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False", "False"]  # demo mode; no PyAV, no renderer


def test_extension_entry_points() -> None:
    assert callable(veo.load_ipython_extension) and callable(veo.unload_ipython_extension)


def test_the_older_public_import_paths_still_work() -> None:
    from veo_widgets.gallery import Gallery
    from veo_widgets.magics import VeoMagics
    from veo_widgets.widget import Panel, video_player

    assert Panel is veo.Panel and Gallery is veo.Gallery and callable(video_player)
    assert VeoMagics.__name__ == "VeoMagics"
    out = subprocess.run([sys.executable, "-m", "veo_widgets.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "usage: veo" in out.stdout


def test_what_the_money_methods_return_is_public() -> None:
    assert get_type_hints(veo.Client.audit)["return"] is veo.Audit
    assert get_type_hints(veo.AsyncClient.audit)["return"] is veo.Audit
    audit = get_type_hints(veo.Audit)
    assert audit["findings"] == tuple[veo.Finding, ...] and audit["summary"] is veo.AuditSummary
    assert audit["charges"] == tuple[veo.Charge, ...]
    assert get_type_hints(veo.AuditSummary)["drift"] == tuple[veo.PriceDrift, ...]
    assert issubclass(veo.SpendHistory, veo.Spend)
    assert get_type_hints(veo.Client.spend)["return"] is veo.Spend
