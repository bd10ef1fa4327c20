"""Veo 3 Fast image-to-video, from Jupyter: a client, a widget panel and ``%%veo``.

>>> import veo_widgets as veo
>>> job = veo.Client().generate("A cat turns its head", image="cat.png")  # doctest: +SKIP

Without ``AIMLAPI_KEY`` everything runs against a built-in emulator ("demo mode").
``%load_ext veo_widgets`` registers the ``%%veo`` and ``%veo`` magics.
"""

from __future__ import annotations

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
from .client._client import AsyncClient, Client
from .client._run import AsyncRun, Run
from .journal._store import Journal
from .media._sample import sample_image
from .money._audit import Audit, AuditSummary, Finding, PriceDrift
from .money._billing import Spend
from .money._budget import BudgetExceededError
from .money._ledger import Charge
from .money._recover import UnconfirmedCreateError
from .money._spend import SpendHistory
from .schema._family import ModelSpec, models
from .schema._models import Job, JobStatus, Usage, VideoRequest

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from .emulator import Emulator
    from .media._media import last_frame, stitch
    from .notebook._storyboard_view import Storyboard
    from .notebook.gallery._gallery import Gallery
    from .notebook.panel._panel import Panel
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


_LONG_TAKE = frozenset(
    {"LongTakeRun", "along_take", "aresume", "astart_long_take", "long_take", "resume", "start_long_take"}
)


def history(limit: int | None = None) -> list[Job]:
    """Every job this machine submitted, newest first, from the journal."""
    return Journal().history(limit)


def __getattr__(name: str) -> Any:
    # The panel pulls in ipywidgets and the emulator PyAV: load them only when asked for.
    if name == "Panel":
        from .notebook.panel._panel import Panel

        return Panel
    if name == "Emulator":
        from .emulator import Emulator

        return Emulator
    if name == "Gallery":
        from .notebook.gallery._gallery import Gallery

        return Gallery
    if name == "Storyboard":  # PyAV (last frames, stitching) and ipywidgets, loaded on first use
        try:
            from .notebook._storyboard_view import Storyboard
        except ImportError:  # no ipywidgets: the storyboard from code, without its editor
            from .studio._storyboard import Storyboard as CodeStoryboard

            return CodeStoryboard
        return Storyboard
    if name in _LONG_TAKE:  # PyAV and the clients' chain logic, loaded on first use
        from .studio import _long_take

        return getattr(_long_take, name)
    if name in ("stitch", "last_frame"):  # PyAV, loaded on first use
        from .media import _media

        return getattr(_media, name)
    raise AttributeError(f"module 'veo_widgets' has no attribute {name!r}")


def load_ipython_extension(ipython: InteractiveShell) -> None:
    """``%load_ext veo_widgets``: register ``%%veo`` and ``%veo``."""
    from .notebook.magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: InteractiveShell) -> None:
    from .notebook.magics import unload_ipython_extension as unload

    unload(ipython)
