"""No I/O: a create whose answer was lost, reconciled into the job it made (or a typed error).

:func:`create_or_recover` wraps the create conversation. When the create's outcome is
unknown (``may_exist``: a 500/502/504, a dropped connection, a read timeout, an unreadable
200) it looks the request up in the usage logs (:mod:`._reconcile`):

- found: the generation id is the job; the caller carries on exactly as if the create had
  answered, and tells the user one line (``on_outcome``);
- found failed, billed nothing: the create is sent again, once, under a new client request
  id (``before_resend`` journals the link first); its own lost answer is reconciled too, but
  never sent a third time;
- not found by the deadline: :class:`UnconfirmedCreateError`, saying what is known;
- logs unreadable (no key, 401/403/404): the original error, with a sentence saying so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import Any

from .._errors import UnconfirmedCreateError, VeoError
from ..schema._models import Job
from ._reconcile import CannotReconcile, Found, FoundFailed, Lookup, NotMade, RateWindow, Reconciled, reconcile_flow

__all__ = ["UnconfirmedCreateError", "create_or_recover", "explain_cannot", "recover_flow"]

CreateFlow = Callable[[str], Generator[Any, Any, Job]]
#: A callback that may yield steps (a journal write) before the flow goes on.
Hook = Generator[Any, Any, None]


def _noted(error: VeoError, note: str) -> VeoError:
    """``error`` with one more sentence (its type kept, so callers catch it as before)."""
    error.message += " " + note
    error.args = (f"{error.args[0]} {note}", *error.args[1:]) if error.args else (note,)
    return error


def explain_cannot(error: VeoError, result: CannotReconcile) -> VeoError:
    """``error`` (today's may-exist error) with a sentence saying why it was not reconciled."""
    return _noted(error, f"It could not be reconciled: the usage logs cannot be read ({result.reason}).")


def _settle(lost: VeoError, result: Reconciled, found: Callable[[Found], Job], *, last: bool = False) -> Job:
    if isinstance(result, Found):
        return found(result)
    if isinstance(result, CannotReconcile):
        raise explain_cannot(lost, result) from lost
    if isinstance(result, FoundFailed):
        again = " It was not sent again." if result.billed_nothing and last else ""
        raise _noted(lost, result.describe() + again) from lost
    if isinstance(result, NotMade):
        raise _noted(lost, result.describe()) from lost
    raise UnconfirmedCreateError(result, lost) from lost


def recover_flow(
    lost: VeoError,
    client_request_id: str,
    *,
    create: CreateFlow,
    lookup: Callable[[str], Lookup],
    timeout: float,
    rate: RateWindow | None = None,
    new_id: Callable[[], str],
    before_resend: Callable[[str, str], Hook] | None = None,
    on_outcome: Callable[[str, Reconciled], Hook] | None = None,
    can_reconcile: bool = True,
    clock: Callable[[], float] = time.monotonic,
) -> Generator[Any, Any, Job]:
    """The job a create whose answer was lost (``lost``, with ``may_exist``) made, found in the
    usage logs; or one more create when the API logged it failed and billed nothing.

    ``create(crid)`` is the create conversation; ``lookup(crid)`` says what to look for;
    ``can_reconcile`` is False without a key to read the logs with. ``before_resend(old, new)``
    and ``on_outcome(crid, result)`` may yield steps of their own (journal writes); the first
    runs before the second create leaves. Jobs found in the logs come back ``queued``.
    """

    def recovered(found: Found) -> Job:
        return Job(id=found.generation_id, status="queued", client_request_id=found.client_request_id)

    def reconcile(crid: str) -> Generator[Any, Any, Reconciled]:
        if not can_reconcile:
            result: Reconciled = CannotReconcile(crid, "no API key to read them with")
        else:
            result = yield from reconcile_flow(lookup(crid), timeout=timeout, rate=rate, clock=clock)
        if on_outcome is not None:
            yield from on_outcome(crid, result)
        return result

    result = yield from reconcile(client_request_id)
    if not (isinstance(result, FoundFailed) and result.billed_nothing):
        return _settle(lost, result, recovered)
    # The API says the create failed and billed nothing: only now may it go again, once.
    second = new_id()
    if before_resend is not None:
        yield from before_resend(client_request_id, second)
    try:
        return (yield from create(second))
    except VeoError as exc:
        if not exc.may_exist:
            raise
        lost = exc
    result = yield from reconcile(second)
    return _settle(lost, result, recovered, last=True)  # never a third send


def create_or_recover(create: CreateFlow, client_request_id: str, **options: Any) -> Generator[Any, Any, Job]:
    """The create conversation, and :func:`recover_flow` when its answer was lost."""
    try:
        return (yield from create(client_request_id))
    except VeoError as exc:
        if not exc.may_exist:
            raise
        lost = exc
    return (yield from recover_flow(lost, client_request_id, create=create, **options))
