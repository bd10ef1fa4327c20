"""Lost creates, the money side of them: a create whose answer was lost is looked up in the
usage logs (``recover``, inside the submit plan), and ``reconcile`` settles every
unconfirmed create of this server at once. :class:`~._money.Money` holds one and gives it
what it reads: its patience settings, where notices go, and the price catalogue at hand.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Protocol

from .._errors import ValidationError, VeoError, WaitCancelled
from ..journal._store import NOT_SUBMITTED, RECOVERED
from ..money._pricing import Catalogue
from ..money._reconcile import (
    LOGS_FINAL_AFTER,
    CannotReconcile,
    Found,
    FoundFailed,
    Lookup,
    NotMade,
    RateWindow,
    Reconciled,
    reconcile_many_flow,
)
from ..money._recover import recover_flow
from ..protocol._flows import create_flow, new_client_request_id
from ..protocol._steps import Call, Plan, Record, RecordOutcome, RecordState, RecordSubmission, Stopped
from ..schema._models import Job, VideoRequest
from ._core import Core

__all__ = ["LostCreates", "Named", "Patience"]

Named = Job | str | Sequence[Job | str]
_NO_KEY = "no API key to read them with"


class Patience(Protocol):
    """The settings a look-up in the logs reads when it runs (a client's, changed at will)."""

    reconcile_timeout: float
    logs_final_after: float | None


class LostCreates:
    """``recover`` and ``reconcile`` for a client: over its ``core``, its ``patience``
    settings, where its notices go (``notice``) and the price catalogue it has at hand
    (``known_catalogue``, never fetched: the logs name models as the catalogue does)."""

    def __init__(
        self,
        core: Core,
        patience: Patience,
        *,
        notice: Callable[[str], None],
        known_catalogue: Callable[[], Plan[Catalogue | None]],
    ) -> None:
        self._core, self._patience = core, patience
        self._notice, self._known_catalogue = notice, known_catalogue
        self.rate = RateWindow()
        """The usage logs' rate limit, shared by every look-up of this client (and its audits)."""

    def _names(self, model: str) -> Plan[tuple[str, ...]]:
        catalogue = yield from self._known_catalogue()
        return catalogue.names_for(model) if catalogue is not None else (model,)

    def recover(
        self, request: VideoRequest, client_request_id: str, error: VeoError, timeout: float | None = None
    ) -> Plan[Job]:
        """The job a create whose answer was lost (``error.may_exist``; its row journaled
        ``unconfirmed``) made, looked up in the usage logs for at most ``timeout`` seconds
        and ``reconcile_timeout``; or ``error``, saying what is known."""
        core = self._core
        patience = (
            self._patience.reconcile_timeout if timeout is None else min(timeout, self._patience.reconcile_timeout)
        )
        sent_at = datetime.now(timezone.utc)
        names = yield from self._names(request.model)

        def create(crid: str) -> Plan[Job]:
            return create_flow(request, client_request_id=crid, path=core.create_path, retry=core.retry)

        def resend(old: str, new: str) -> Plan[None]:
            yield RecordOutcome(old, NOT_SUBMITTED, f"the API logged it failed, billed nothing; sent again as {new}")
            yield RecordSubmission(new, core.base_url, core.demo, request.summary(), {"retry_of": old})

        def outcome(crid: str, result: Reconciled) -> Plan[None]:
            if isinstance(result, Found):
                yield RecordState(crid, RECOVERED)
            self._notice(result.describe())

        try:
            job = yield from recover_flow(
                error,
                client_request_id,
                create=create,
                lookup=lambda crid: Lookup(crid, sent_at, names),
                timeout=patience,
                rate=self.rate,
                new_id=new_client_request_id,
                before_resend=resend,
                on_outcome=outcome,
                can_reconcile=bool(core.key),
            )
        except Stopped:
            raise WaitCancelled(None, client_request_id=client_request_id, submitted=True) from None
        return job.evolve(request=request.summary())

    def reconcile(self, which: Named | None, timeout: float) -> Plan[list[Reconciled]]:
        """Look every unconfirmed create of this server (or those named) up in the logs, all at
        once: one found is journaled to be resumed, one the final logs never saw is closed
        (``not_submitted``: nothing was made or billed); the rest say when to look again."""
        rows: list[Job] = yield Call(self._unconfirmed, (which,))
        lookups = [Lookup(row.client_request_id or "", row.created_at) for row in rows if not row.id]
        found: dict[str, Reconciled] = {}
        if lookups and not self._core.key:
            found = {item.client_request_id: CannotReconcile(item.client_request_id, _NO_KEY) for item in lookups}
        elif lookups:
            final_after = self._logs_final_after()
            found = yield from reconcile_many_flow(lookups, timeout=timeout, final_after=final_after, rate=self.rate)
        results: list[Reconciled] = []
        for row in rows:
            crid = row.client_request_id or ""
            if row.id:  # already known (a named row whose create answered): nothing to look up
                results.append(Found(crid, row.id))
                continue
            result = found[crid]
            if isinstance(result, Found):
                yield Record(
                    row.evolve(id=result.generation_id, status="queued", base_url=row.base_url or self._core.base_url)
                )
                yield RecordState(crid, RECOVERED)
            elif isinstance(result, NotMade) or (isinstance(result, FoundFailed) and result.billed_nothing):
                yield RecordOutcome(crid, NOT_SUBMITTED, result.describe())
            results.append(result)
        return results

    def _logs_final_after(self) -> timedelta:
        """When a create's logs row has surely appeared: ``logs_final_after`` if set; in demo
        mode the emulator's lag (``VEO_DEMO_LOG_LAG``) and a few seconds; else the API's."""
        if self._patience.logs_final_after is not None:
            return timedelta(seconds=self._patience.logs_final_after)
        if self._core.demo:
            return timedelta(seconds=float(os.environ.get("VEO_DEMO_LOG_LAG") or 0) + 5)
        return LOGS_FINAL_AFTER

    def _unconfirmed(self, which: Named | None) -> list[Job]:
        if which is not None:
            named: Sequence[Job | str] = [which] if isinstance(which, (Job, str)) else which
            return [self._named(one) for one in named]
        journal, demo = self._core.journal, self._core.demo
        return [
            job
            for job in journal.unconfirmed()
            if job.client_request_id and job.demo == demo and (demo or job.base_url == self._core.base_url)
        ]

    def _named(self, which: Job | str) -> Job:
        key = (which.client_request_id or which.id) if isinstance(which, Job) else str(which).strip()
        found = self._core.journal.find(key) if key else None
        if found is None or not found.client_request_id:
            raise ValidationError("job", f"no create with client request id or job id {key!r} in the journal")
        return found
