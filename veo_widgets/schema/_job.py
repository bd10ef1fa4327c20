"""Value objects: a job as last seen, and what it cost."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ._status import JobStatus

__all__ = ["Job", "Usage"]


@dataclass(frozen=True)
class Usage:
    """What a generation cost, as far as the API reported it."""

    credits: int | None = None
    """``meta.usage.credits_used`` or the ``x-aimlapi-credits-used`` header."""
    tokens: int | None = None
    """``meta.usage.tokens_used``, the older schema's field."""
    usd: float | None = None
    """``meta.usage.usd_spent`` or the ``x-aimlapi-usd-spent`` header."""

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.credits, self.tokens, self.usd))

    def merged(self, other: Usage) -> Usage:
        """This usage with the gaps filled from ``other``."""
        return Usage(
            credits=self.credits if self.credits is not None else other.credits,
            tokens=self.tokens if self.tokens is not None else other.tokens,
            usd=self.usd if self.usd is not None else other.usd,
        )

    def describe(self) -> str:
        parts = []
        if self.usd is not None:
            parts.append(f"${self.usd:.2f}")
        if self.credits is not None:
            parts.append(f"{self.credits:,} credits")
        if self.tokens is not None:
            parts.append(f"{self.tokens:,} tokens")
        return ", ".join(parts) or "not reported"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Job:
    """One generation, as last seen. Immutable: clients return updated copies."""

    id: str
    """The API's generation id (opaque; may contain ``:``)."""
    status: str = "queued"
    """As the API says: ``queued``, ``generating``, ``completed``, ``error``, or anything new."""
    video_url: str | None = None
    """The result URL once completed. It expires: download promptly."""
    path: Path | None = None
    """Where the video was saved, once downloaded."""
    error: str | None = None
    """The API's reason, for a failed job."""
    usage: Usage = field(default_factory=Usage)
    request: Mapping[str, Any] | None = None
    """The request's fields (the image summarised), or None for a job found by id alone."""
    created_at: datetime = field(default_factory=_now)
    updated_at: datetime = field(default_factory=_now)
    client_request_id: str | None = None
    """The ``X-Client-Request-Id`` the create request carried."""
    base_url: str | None = None
    """The server that holds the job."""
    demo: bool = False
    """True when the job ran on the built-in emulator, not on Veo."""
    model: str | None = None
    """The model id the job ran on (None for rows journaled before the family)."""
    parent_id: str | None = None
    """The job this one was made from (the video it extends, the take it re-runs)."""
    relation: str | None = None
    """How it relates to ``parent_id``: ``extend``, ``continue``, ``rerun``, ``take``, ``retry``."""
    batch: str | None = None
    """The batch it was submitted in, if any."""
    chosen: bool = False
    """Picked as the take to keep, among its siblings."""
    watched_until: datetime | None = field(default=None, compare=False)
    """From the journal: a process polling this job said it would poll again before then."""

    @property
    def done(self) -> bool:
        """True once the status is terminal, success or failure."""
        return not JobStatus.is_pending(self.status)

    @property
    def ok(self) -> bool:
        return JobStatus.is_success(self.status)

    @property
    def elapsed(self) -> float:
        """Seconds from creation to the last update."""
        return (self.updated_at - self.created_at).total_seconds()

    def evolve(self, **changes: Any) -> Job:
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        extra = f", path={str(self.path)!r}" if self.path else ""
        if self.error:
            extra += f", error={_short(self.error, 60)!r}"
        demo = ", demo" if self.demo else ""
        return f"Job({self.id!r}, {self.status!r}{extra}{demo})"
