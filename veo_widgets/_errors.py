"""The exception tree. Every error the package raises on purpose is a ``VeoError``.

::

    VeoError
    ├── ValidationError              bad input, caught before any request (no money spent)
    │   └── AmbiguousIdError         an id prefix that matches several jobs
    ├── APIError                     the API answered with an error
    │   ├── AuthenticationError      401: missing or invalid key
    │   ├── InsufficientCreditsError 403: out of credits
    │   ├── NotFoundError            404: unknown generation id or path, or an expired result
    │   ├── RateLimitError           429: carries ``retry_after``
    │   └── ServerError              500, 502, 503, 504, or an unreadable answer
    ├── APIConnectionError           the server could not be reached or did not answer
    ├── UnconfirmedCreateError       a create's answer was lost and the usage logs did not show
    │                                it in time: the job may exist (``client.reconcile()``)
    ├── BudgetExceededError          a create would pass ``budget_usd`` today; nothing was sent
    ├── GenerationFailedError        the job ended in ``error`` (or another failure status)
    ├── GenerationTimeoutError       our own deadline passed; also a ``TimeoutError``
    └── WaitCancelled                the caller stopped waiting (the job itself goes on)

Context is keyword-only. Errors raised by ``submit`` carry ``may_exist``: when true the
create request may have reached the server, so it was not sent again, and
``client_request_id`` is the ``X-Client-Request-Id`` it carried (also in the journal).
"""

from __future__ import annotations

from typing import Any, Protocol


# The errors sit below everything that raises them, so they name the job and the reconcile
# result by what they use of them (``schema.Job`` and ``money.NotFound`` fit), not by import.
class Job(Protocol):
    """What an error says of a job: its id, status and the client request id of its create."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def client_request_id(self) -> str | None: ...


class NotFound(Protocol):
    """What an :class:`UnconfirmedCreateError` says of a create the usage logs did not show."""

    @property
    def client_request_id(self) -> str: ...
    @property
    def looked_for(self) -> float: ...
    def describe(self) -> str: ...


__all__ = [
    "APIConnectionError",
    "APIError",
    "AmbiguousIdError",
    "AuthenticationError",
    "BudgetExceededError",
    "GenerationFailedError",
    "GenerationTimeoutError",
    "InsufficientCreditsError",
    "NotFoundError",
    "RateLimitError",
    "ServerError",
    "UnconfirmedCreateError",
    "ValidationError",
    "VeoError",
    "WaitCancelled",
    "explain",
]


class VeoError(Exception):
    """Base of every error raised by veo_widgets."""

    def __init__(
        self,
        message: str,
        *,
        may_exist: bool = False,
        client_request_id: str | None = None,
    ) -> None:
        if may_exist:
            message = (
                f"{message} The create request may have reached the server, so it was not "
                f"sent again: a job may exist and be billed. Look for client request id "
                f"{client_request_id} in veo.history() before submitting again."
            )
        super().__init__(message)
        self.message = message
        self.may_exist = may_exist
        self.client_request_id = client_request_id


class ValidationError(VeoError, ValueError):
    """Input that the API would reject (or that would waste money), caught locally.

    ``field`` names the offending argument, for example ``"duration"`` or ``"image"``;
    ``reason`` says what is wrong with it, in words a person can act on.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def within(self, prefix: str) -> ValidationError:
        """The same error for a field nested under ``prefix`` (``items[2]`` + ``seed``)."""
        return type(self)(f"{prefix}.{self.field}", self.reason)


class AmbiguousIdError(ValidationError):
    """A prefix that matches more than one job. ``candidates`` lists the matching ids."""

    def __init__(self, prefix: str, candidates: list[str]) -> None:
        shown = ", ".join(candidates[:10]) + (" ..." if len(candidates) > 10 else "")
        super().__init__("job", f"{prefix!r} matches {len(candidates)} jobs ({shown}); give more of the id")
        self.prefix = prefix
        self.candidates = candidates

    def within(self, prefix: str) -> ValidationError:
        return ValidationError(f"{prefix}.{self.field}", self.reason)


class APIError(VeoError):
    """The API answered with an HTTP error."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        request_id: str | None = None,
        body: Any = None,
        may_exist: bool = False,
        client_request_id: str | None = None,
    ) -> None:
        text = f"HTTP {status_code}: {message}"
        if request_id:
            text += f" (request id {request_id})"
        super().__init__(text, may_exist=may_exist, client_request_id=client_request_id)
        self.status_code = status_code
        self.api_message = message
        self.request_id = request_id
        self.body = body


class AuthenticationError(APIError):
    """401: the API key is missing or invalid."""


class InsufficientCreditsError(APIError):
    """402/403: the account is out of credits, or the key's spend limit was reached."""


class NotFoundError(APIError):
    """404: the generation id or the path is unknown, or a result URL has expired."""


class RateLimitError(APIError):
    """429: too many requests. ``retry_after`` is the server's hint in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIError):
    """500, 502, 503, 504, or an answer that could not be read."""


class APIConnectionError(VeoError):
    """The server could not be reached, or the connection broke before an answer."""


class GenerationFailedError(VeoError):
    """The job ended in a failure status. ``job`` is the final Job, ``reason`` the API's."""

    def __init__(self, job: Job, reason: str) -> None:
        super().__init__(f"generation {job.id} failed ({job.status}): {reason}")
        self.job = job
        self.reason = reason


class GenerationTimeoutError(VeoError, TimeoutError):
    """Our wait deadline passed; the job goes on. Resume with ``client.wait(err.job_id)``."""

    def __init__(self, job: Job, timeout: float) -> None:
        super().__init__(
            f"generation {job.id} still {job.status} after {timeout:g} s; it may still "
            f"complete: resume with client.wait({job.id!r}) or `veo resume {job.id}`"
        )
        self.job = job
        self.job_id = job.id
        self.timeout = timeout


class WaitCancelled(VeoError):
    """The caller stopped (cancel, stop event, Ctrl-C). The API cannot cancel a job.

    ``job`` is the job when it was created (it may still complete and be billed). ``job``
    is None when no generation id is known: ``submitted`` then says whether the create
    request may have reached the server (True: it is journaled under ``client_request_id``
    and reconciliation can find it) or surely did not (False: nothing was submitted).
    """

    def __init__(self, job: Job | None, *, client_request_id: str | None = None, submitted: bool = True) -> None:
        if job is not None and job.id:
            text = (
                f"stopped waiting for {job.id}; the API cannot cancel a job, so it may still "
                f"complete and be billed: fetch it later with client.wait({job.id!r}) or `veo resume {job.id}`"
            )
        elif submitted:
            text = (
                "cancelled while the create request was in flight: a job may exist and be billed. "
                f"It is journaled under client request id {client_request_id}; veo.history() shows it "
                "and reconciliation can find it"
            )
        else:
            text = "cancelled before the create request was sent: nothing was submitted"
        super().__init__(text, client_request_id=client_request_id or (job.client_request_id if job else None))
        self.job = job if job is not None and job.id else None
        self.job_id = self.job.id if self.job is not None else None
        self.submitted = self.job is not None or submitted


class BudgetExceededError(VeoError):
    """A create (or a batch) would pass the daily budget, or its price is unknown while a
    budget is set; nothing was sent. ``budget``, ``spent`` (today so far, running jobs'
    estimates included) and ``estimate`` (None: price unknown) are in US dollars."""

    def __init__(self, *, budget: float, spent: float, estimate: float | None, count: int = 1) -> None:
        what = "this job" if count == 1 else f"this batch of {count} jobs"
        if estimate is None:
            message = (
                f"the price of {what} is unknown, so it cannot be checked against the daily budget of "
                f"${budget:.2f} (${spent:.2f} spent or running today, UTC); nothing was sent. "
                "Pass budget_usd=None to send it without a budget."
            )
        else:
            message = (
                f"{what} would pass the daily budget of ${budget:.2f}: ${spent:.2f} spent or running today "
                f"(UTC), and {what} is estimated at ${estimate:.2f}; nothing was sent. Raise budget_usd "
                "(or VEO_BUDGET_USD), or wait until 00:00 UTC."
            )
        super().__init__(message)
        self.budget = budget
        self.spent = spent
        self.estimate = estimate
        self.count = count


class UnconfirmedCreateError(VeoError):
    """A create's answer was lost and the usage logs did not show it by the deadline. The job
    may exist and be billed; ``client_request_id`` finds it later (``client.reconcile``)."""

    def __init__(self, result: NotFound, cause: VeoError | None = None) -> None:
        super().__init__(result.describe(), client_request_id=result.client_request_id)
        self.may_exist = True
        self.result = result
        self.cause = cause
        self.looked_for = result.looked_for


def explain(exc: BaseException) -> str:
    """One sentence for a person: what went wrong and what to do next (no traceback)."""
    if isinstance(exc, AmbiguousIdError):
        return f"{exc.prefix!r} matches {len(exc.candidates)} jobs: give more of the id (veo.history() lists them)."
    if isinstance(exc, ValidationError):
        return f"Check the {exc.field.replace('_', ' ')}: {exc.reason}."
    if isinstance(exc, BudgetExceededError):
        text = str(exc)  # it already says nothing was sent, and what to do
        return text[:1].upper() + text[1:]
    if isinstance(exc, UnconfirmedCreateError):
        return (
            f"{exc} The job may exist and be billed: run client.reconcile() (or `veo reconcile`) later "
            f"to find it by its client request id {exc.client_request_id}."
        )
    if isinstance(exc, AuthenticationError):
        return (
            "The API key was refused or is missing: set AIMLAPI_KEY (or paste a key into the key field) "
            "and generate again; without a key, demo mode needs no key at all."
        )
    if isinstance(exc, InsufficientCreditsError):
        return "The AI/ML API account is out of credits: top it up, then generate again."
    if isinstance(exc, RateLimitError):
        wait = f"{exc.retry_after:g} s" if exc.retry_after else "a minute"
        return f"Too many requests right now: wait {wait} and generate again."
    if isinstance(exc, GenerationFailedError):
        return f"Veo could not make this video ({exc.reason}); try another prompt or image."
    if isinstance(exc, (GenerationTimeoutError, WaitCancelled)):
        return str(exc) + "."
    if exc.__class__.__name__ == "KeyboardInterrupt":
        return "Interrupted."
    if isinstance(exc, VeoError) and exc.may_exist:
        return str(exc)
    if isinstance(exc, ServerError):
        return f"The AI/ML API had a server error ({exc.api_message}); try again in a minute."
    if isinstance(exc, NotFoundError):
        return f"Not found: {exc.api_message}. Check the generation id (veo.history() lists yours)."
    if isinstance(exc, APIConnectionError):
        return f"Could not reach the AI/ML API ({exc}); check the network and try again."
    if isinstance(exc, VeoError):
        return str(exc)
    return f"Unexpected error: {type(exc).__name__}: {exc}"
