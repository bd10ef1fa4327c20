"""What the surfaces (the panel, the gallery, the takes view, ``%%veo``, ``veo``) use of a
client: its public methods and attributes, and nothing else.

``veo_widgets.Client`` satisfies it; mypy checks that wherever a UI function is given one.
A surface that needs a new method of the client adds it here first, so the boundary
between the UI and the client stays written down in one place.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from typing_extensions import Unpack

from ..client._base import GenerateOptions
from ..client._run import Run
from ..journal._store import Journal
from ..money._audit import Audit
from ..money._billing import Balance
from ..money._ledger import LedgerProgress
from ..money._pricing import Estimate
from ..money._reconcile import Reconciled
from ..money._spend import SpendHistory
from ..protocol._schedule import DurationModel
from ..schema._family import ModelList
from ..schema._models import Job, VideoRequest

__all__ = ["ClientAPI"]

JobLike = Job | str
PathLike = str | os.PathLike[str]


class ClientAPI(Protocol):
    """The blocking client, as the UI sees it."""

    demo: bool

    @property
    def journal(self) -> Journal: ...

    @property
    def base_url(self) -> str: ...

    @property
    def demo_notice(self) -> str: ...

    @property
    def has_key(self) -> bool: ...

    @property
    def budget_usd(self) -> float | None: ...

    @budget_usd.setter
    def budget_usd(self, value: float | None) -> None: ...

    def build_request(self, prompt: object, image: Any = None, **options: Any) -> VideoRequest: ...

    def start(
        self,
        prompt: str,
        image: Any = None,
        *,
        save_to: PathLike | None = None,
        timeout: float | None = ...,
        lineage: Mapping[str, Any] | None = None,
        **options: Unpack[GenerateOptions],
    ) -> Run: ...

    def start_variations(self, prompt: str, image: Any = None, *, n: int = 4, **options: Any) -> list[Run]: ...

    def get(self, job: JobLike) -> Job: ...

    def wait(
        self,
        job: JobLike,
        *,
        timeout: float | None = ...,
        on_update: Callable[[Job], Any] | None = None,
        stop: threading.Event | None = None,
    ) -> Job: ...

    def download(self, job: JobLike, path: PathLike | None = None) -> Path: ...

    def duration_model(self, model: str | None = None) -> DurationModel: ...

    def models(self, *, refresh: bool = False) -> ModelList: ...

    def estimate(self, request: Any = None, **options: Any) -> Estimate: ...

    def afford(self, request: Any = None, **options: Any) -> Estimate: ...

    def balance(self) -> Balance: ...

    def reconcile(
        self, job_or_crid: Job | str | Sequence[Job | str] | None = None, *, timeout: float = 10.0
    ) -> list[Reconciled]: ...

    def audit(
        self,
        since: datetime | timedelta | str | None = None,
        until: datetime | None = None,
        *,
        on_progress: Callable[[LedgerProgress], Any] | None = None,
    ) -> Audit: ...

    def spend(self, *, by: str, days: int = 30) -> SpendHistory: ...

    def close(self) -> None: ...
