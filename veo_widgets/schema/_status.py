"""A job's status, in every spelling the API uses: one rule for the client, the journal,
the views and the gallery (shared/API.md, "Status values")."""

from __future__ import annotations

import enum

__all__ = ["FAILURE_STATUSES", "PENDING_STATUSES", "SUCCESS_STATUSES", "JobStatus"]


class JobStatus(str, enum.Enum):
    """Statuses in the API's schema. ``Job.status`` keeps whatever string arrived; older
    spellings (``waiting``, ``active``, the extend pages' ``complete``) are understood."""

    QUEUED = "queued"
    GENERATING = "generating"
    COMPLETED = "completed"
    ERROR = "error"

    @staticmethod
    def is_pending(status: str) -> bool:
        """True while the job may still change: queued, generating and their other spellings."""
        return status.lower() in _PENDING

    @staticmethod
    def is_queued(status: str) -> bool:
        """True while the job waits for its turn (``queued``, ``waiting``, ``pending``, ...):
        a pending status that is not yet generating."""
        return status.lower() in _QUEUED

    @staticmethod
    def is_success(status: str) -> bool:
        """True for every spelling of a finished video (``completed``, ``succeeded``, ...)."""
        return status.lower() in _SUCCESS

    @staticmethod
    def is_failure(status: str) -> bool:
        """True for every spelling of a job that ended without a video (``error``, ``failed``, ...)."""
        return status.lower() in _FAILURE


# GET /v2/video/generations serves every video model of the API; its pages and the official
# SDK spell the same three outcomes several ways (shared/API.md, "Status values").
_PENDING = frozenset(
    {"queued", "waiting", "active", "generating", "pending", "processing", "in_progress", "running", "starting", ""}
)
_QUEUED = frozenset({"queued", "waiting", "pending", "starting", ""})
_SUCCESS = frozenset({"completed", "complete", "succeeded", "success"})
_FAILURE = frozenset({"error", "failed", "failure", "cancelled", "canceled", "rejected", "expired"})
#: Each state's known spellings (lower case), for a filter that lists them (the gallery's,
#: SQL's ``IN``): judge one status with ``JobStatus.is_*``, which also covers letter case.
PENDING_STATUSES = tuple(sorted(_PENDING - {""}))
SUCCESS_STATUSES = tuple(sorted(_SUCCESS))
FAILURE_STATUSES = tuple(sorted(_FAILURE))
