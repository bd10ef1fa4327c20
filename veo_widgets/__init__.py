"""Veo 3 Fast image-to-video, from Jupyter: a client, a widget panel and ``%%veo``.

>>> import veo_widgets as veo
>>> job = veo.Client().generate("A cat turns its head", image="cat.png")  # doctest: +SKIP

Without ``AIMLAPI_KEY`` everything runs against a built-in emulator ("demo mode").
``%load_ext veo_widgets`` registers the ``%%veo`` and ``%veo`` magics.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._errors import (
    AmbiguousIdError,
    APIConnectionError,
    APIError,
    AuthenticationError,
    GenerationFailedError,
    GenerationTimeoutError,
    InsufficientCreditsError,
    NotFoundError,
    RateLimitError,
    ServerError,
    ValidationError,
    VeoError,
    WaitCancelled,
)

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from .client._client import AsyncClient, Client
    from .client._run import AsyncRun, Run
    from .emulator import Emulator
    from .journal._store import Journal
    from .media._media import last_frame, stitch
    from .media._sample import sample_image
    from .money._audit import Audit, AuditSummary, Finding, PriceDrift
    from .money._billing import Spend
    from .money._budget import BudgetExceededError
    from .money._ledger import Charge
    from .money._recover import UnconfirmedCreateError
    from .money._spend import SpendHistory
    from .notebook._storyboard_view import Storyboard
    from .notebook.gallery._gallery import Gallery
    from .notebook.panel._panel import Panel
    from .schema._family import ModelSpec, models
    from .schema._models import Job, JobStatus, Usage, VideoRequest
    from .studio._long_take import (
        LongTakeRun,
        along_take,
        aresume,
        astart_long_take,
        long_take,
        resume,
        start_long_take,
    )

__version__ = "0.1.0"

__all__ = [
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
]


#: Where each public name lives. Each module loads on first use (module ``__getattr__``), not on
#: ``import veo_widgets``: the ``veo`` command must be able to turn Ctrl-C while its modules and
#: their dependencies (httpx, Pillow, SQLite, PyAV, ipywidgets) import into one line
#: (``cli/__init__.py``), and a kernel pays only for what it uses.
_WHERE = {
    **dict.fromkeys(("AsyncClient", "Client"), ".client._client"),
    **dict.fromkeys(("AsyncRun", "Run"), ".client._run"),
    "Emulator": ".emulator",
    "Journal": ".journal._store",
    **dict.fromkeys(("last_frame", "stitch"), ".media._media"),
    "sample_image": ".media._sample",
    **dict.fromkeys(("Audit", "AuditSummary", "Finding", "PriceDrift"), ".money._audit"),
    "Spend": ".money._billing",
    "BudgetExceededError": ".money._budget",
    "Charge": ".money._ledger",
    "UnconfirmedCreateError": ".money._recover",
    "SpendHistory": ".money._spend",
    "Gallery": ".notebook.gallery._gallery",
    "Panel": ".notebook.panel._panel",
    **dict.fromkeys(("ModelSpec", "models"), ".schema._family"),
    **dict.fromkeys(("Job", "JobStatus", "Usage", "VideoRequest"), ".schema._models"),
    **dict.fromkeys(
        ("LongTakeRun", "along_take", "aresume", "astart_long_take", "long_take", "resume", "start_long_take"),
        ".studio._long_take",
    ),
}


def history(limit: int | None = None) -> list[Job]:
    """Every job this machine submitted, newest first, from the journal."""
    journal: type[Journal] = __getattr__("Journal")
    return journal().history(limit)


def _storyboard() -> Any:
    try:  # the widget: ipywidgets, and PyAV for last frames and stitching
        return import_module(".notebook._storyboard_view", __name__).Storyboard
    except ImportError:  # no ipywidgets: the storyboard from code, without its editor
        return import_module(".studio._storyboard", __name__).Storyboard


def __getattr__(name: str) -> Any:
    if name == "Storyboard":
        value = _storyboard()
    elif name in _WHERE:
        value = getattr(import_module(_WHERE[name], __name__), name)
    else:
        raise AttributeError(f"module 'veo_widgets' has no attribute {name!r}")
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})  # names not loaded yet too: tab completion offers them


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """``%load_ext veo_widgets``: register ``%%veo`` and ``%veo``."""
    from .notebook.magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: InteractiveShell) -> None:
    from .notebook.magics import unload_ipython_extension as unload

    unload(ipython)
