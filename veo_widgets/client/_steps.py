"""The local steps a plan yields, and how a driver performs them.

Besides the network steps (``Send``, ``Sleep``, ``Fetch``) a plan yields *local* steps for
everything that touches the disk or takes CPU time: journal writes and reads, committing or
discarding a part file, preparing a request's images. A plan never does that work itself,
so the async driver can run it off the event loop (:func:`perform_local` is blocking).

When the caller stops (a stop event, ``Run.cancel()``, Ctrl-C), the driver throws
:class:`Stopped` into the plan at the next network step it has not begun; plans turn it
into ``WaitCancelled``, with the journal right.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..money._learned import learn_job
from ..protocol._download import Commit, Discard, Fetch
from ..protocol._flows import Send, Sleep
from ..schema._models import Job

if TYPE_CHECKING:
    from ._plans import Plans

__all__ = [
    "LOCAL_STEPS",
    "Call",
    "Learn",
    "Plan",
    "Prepare",
    "Record",
    "RecordOutcome",
    "RecordState",
    "RecordSubmission",
    "Resolve",
    "Stopped",
    "perform_local",
]

T = TypeVar("T")


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


def perform_local(plans: Plans, step: Local, parts: set[Path]) -> Any:
    """Do one local step (blocking: the async driver calls this in a worker thread).

    ``parts`` is the driver's set of part files still on disk; a commit or discard takes
    its file off the set, and the driver removes whatever is left when the plan ends.
    """
    journal = plans.journal
    if isinstance(step, Call):
        return step.fn(*step.args)
    if isinstance(step, Prepare):
        return plans.build_request(step.prompt, step.image, **step.options)
    if isinstance(step, Resolve):
        return plans._resolve(step.job)
    if isinstance(step, Learn):
        return plans._durations(step.model)
    if isinstance(step, RecordSubmission):
        journal.record_submission(
            step.client_request_id, base_url=step.base_url, demo=step.demo, request=step.request, **step.fields
        )
    elif isinstance(step, RecordOutcome):
        journal.record_outcome(step.client_request_id, status=step.status, error=step.error)
    elif isinstance(step, RecordState):
        journal.set_state(step.client_request_id, step.state)
    elif isinstance(step, Record):
        journal.record(step.job)
        learn_job(step.job)  # a completed job's charge corrects later estimates (money/_learned.py)
    elif isinstance(step, Commit):
        step.part.replace(step.target)
        parts.discard(step.part)
    else:
        step.part.unlink(missing_ok=True)
        parts.discard(step.part)
    return None
