"""The steps a flow or a plan yields: plain data, no I/O.

A flow (``_flows``, ``_download``, the money flows) yields network steps: :class:`Send` ("send
this request"), :class:`Sleep` ("wait this long") and :class:`Fetch` ("stream this URL into
this part file"), and receives their outcome. A client's plan also yields *local* steps for
everything that touches the disk or takes CPU time: journal writes and reads, committing or
discarding a part file, preparing a request's images. A driver (``client/_drivers.py``)
performs every step; the async one runs the local ones off the event loop.

When the caller stops (a stop event, ``Run.cancel()``, Ctrl-C), the driver throws
:class:`Stopped` into the plan at the next network step it has not begun; plans turn it
into ``WaitCancelled``, with the journal right.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from ..schema._models import Job

__all__ = [
    "LOCAL_STEPS",
    "Call",
    "Commit",
    "Discard",
    "Fetch",
    "Learn",
    "Local",
    "Outcome",
    "Params",
    "Plan",
    "Prepare",
    "Primitive",
    "Record",
    "RecordOutcome",
    "RecordState",
    "RecordSubmission",
    "Resolve",
    "Send",
    "Sleep",
    "Step",
    "Stopped",
]

T = TypeVar("T")
Params = Mapping[str, str] | Sequence[tuple[str, str]]


# --------------------------------------------------------------------------- network


@dataclass(frozen=True)
class Send:
    """Ask the driver to send a request and send back the outcome.

    ``params`` go in the query string; a sequence of pairs may repeat a name
    (``[("model", "a"), ("model", "b")]``). ``must_finish`` marks a request whose answer
    must not be abandoned once it may have left (the create): a cancel or an interrupt
    that arrives while it is in flight waits for the answer, so the job gets journaled.
    """

    method: str
    path: str
    params: Params = field(default_factory=dict)
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    must_finish: bool = False
    auth: bool = True
    """False for the API's public endpoints (model metrics, the catalogue): no key is sent."""


@dataclass(frozen=True)
class Sleep:
    """Ask the driver to wait; it sends back ``None``."""

    seconds: float


@dataclass(frozen=True)
class Fetch:
    """One download attempt: GET ``url`` from byte ``offset``, appending to ``part``."""

    url: str
    offset: int
    part: Path


Step = Send | Sleep
Outcome = httpx.Response | httpx.TransportError | None


# --------------------------------------------------------------------------- local


@dataclass(frozen=True)
class Commit:
    """Move the finished ``part`` file to ``target`` (atomically, replacing it)."""

    part: Path
    target: Path


@dataclass(frozen=True)
class Discard:
    """Remove the ``part`` file of a download that will not finish."""

    part: Path


@dataclass(frozen=True)
class RecordSubmission:
    """Journal a create request about to be sent (``fields``: lineage, batch, estimate)."""

    client_request_id: str
    base_url: str
    demo: bool
    request: Mapping[str, Any]
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordOutcome:
    """Journal a create that yielded no job: ``NOT_SUBMITTED`` or ``UNCONFIRMED``."""

    client_request_id: str
    status: str
    error: str


@dataclass(frozen=True)
class RecordState:
    """Journal what became of a create (``recovered``, ``not_created``, ...)."""

    client_request_id: str
    state: str


@dataclass(frozen=True)
class Record:
    """Journal what is now known of ``job``."""

    job: Job


@dataclass(frozen=True)
class Resolve:
    """Look ``job`` up (a Job, an id, a prefix, a client request id); the driver sends back a Job."""

    job: Job | str


@dataclass(frozen=True)
class Learn:
    """Ask how long ``model``'s jobs took here; the driver sends back two lists of seconds:
    creation to completion, and generating to completion."""

    model: str | None


@dataclass(frozen=True)
class Prepare:
    """Validate and build a request (reads and scales images); the driver sends back the
    ``VideoRequest`` or raises ``ValidationError``."""

    prompt: object
    image: Any
    options: Mapping[str, Any]


@dataclass(frozen=True)
class Call:
    """Any other blocking local work (a budget check reading the journal, the price cache on
    disk): the driver performs ``fn(*args)`` and sends back what it returns."""

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()


Local = Call | RecordSubmission | RecordOutcome | RecordState | Record | Commit | Discard | Resolve | Learn | Prepare
LOCAL_STEPS = (Call, RecordSubmission, RecordOutcome, RecordState, Record, Commit, Discard, Resolve, Learn, Prepare)
Primitive = Send | Sleep | Fetch | Local
Plan = Generator[Primitive, Any, T]


class Stopped(Exception):
    """Thrown into a plan in place of a network step the caller stopped before it began.

    ``in_flight`` is True in the one case where the step may have left without its answer
    (a second Ctrl-C while a create was in flight): its outcome is then unknown.
    """

    def __init__(self, *, in_flight: bool = False) -> None:
        super().__init__("stopped")
        self.in_flight = in_flight
