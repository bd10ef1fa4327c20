"""The local steps of a plan, performed: journal writes and reads, part files, other work.

Blocking: the async driver calls :func:`perform_local` in a worker thread. :func:`adopt`
journals a create's late answer that nobody waits for any more.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from ..money._learned import learn_job, learn_jobs
from ..protocol._responses import Malformed, parse_job
from ..protocol._steps import (
    Call,
    Commit,
    Learn,
    Local,
    Prepare,
    Record,
    RecordOutcome,
    RecordState,
    RecordSubmission,
    Resolve,
    Send,
)
from ..schema._models import Job
from ._core import Core

__all__ = ["adopt", "learn_from", "perform_local"]


def perform_local(core: Core, step: Local, parts: set[Path], *, learn: bool = True) -> Any:
    """Do one local step for the client whose core is ``core``, and return its answer.

    ``parts`` is the driver's set of part files still on disk; a commit or discard takes
    its file off the set, and the driver removes whatever is left when the plan ends.
    ``learn=False`` leaves a recorded job's charge to :func:`learn_from`, which the async
    driver calls once for all the writes it commits together.
    """
    journal = core.journal
    if isinstance(step, Call):
        return step.fn(*step.args)
    if isinstance(step, Prepare):
        return core.build_request(step.prompt, step.image, **step.options)
    if isinstance(step, Resolve):
        return core.resolve(step.job)
    if isinstance(step, Learn):
        return core.durations(step.model)
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
        if learn:
            learn_job(step.job)  # a completed job's charge corrects later estimates (money/_learned.py)
    elif isinstance(step, Commit):
        step.part.replace(step.target)
        parts.discard(step.part)
    else:
        step.part.unlink(missing_ok=True)
        parts.discard(step.part)
    return None


def learn_from(steps: Sequence[Local]) -> None:
    """Learn the charges of the jobs these journal writes recorded, in one write of the
    charges file (``money/_learned.py``)."""
    learn_jobs([step.job for step in steps if isinstance(step, Record)])


def adopt(core: Core, send: Send, outcome: object) -> None:
    """Journal the job a create's late answer names, after its caller stopped waiting for
    it (a second Ctrl-C), so that the paid job can still be found, resumed and saved."""
    crid = send.headers.get("X-Client-Request-Id")
    if not crid or not isinstance(outcome, httpx.Response) or not outcome.is_success:
        return
    try:
        job = parse_job(Job(id="", client_request_id=crid), outcome)
    except Malformed:
        return
    core.journal.record(job.evolve(base_url=core.base_url, demo=core.demo))
