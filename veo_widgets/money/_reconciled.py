"""What looking a lost create up in the usage logs can end in (see :mod:`._reconcile`):
found, found failed, not made (the logs are final and hold no row), still unknown, or the
logs cannot be read. Each says itself in one paragraph a person can act on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["CannotReconcile", "Found", "FoundFailed", "NotFound", "NotMade", "Reconciled", "how_to_look_again"]


def how_to_look_again(client_request_id: str) -> str:
    return (
        f"look again later with client.reconcile({client_request_id!r}), "
        f"`veo reconcile {client_request_id}` or `%veo reconcile {client_request_id}`"
    )


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


@dataclass(frozen=True)
class Found:
    """The create succeeded: ``generation_id`` (the row's ``inference_id``) is the job."""

    client_request_id: str
    generation_id: str
    row: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def describe(self) -> str:
        return (
            f"The create's answer was lost, but the usage logs show the job was made: "
            f"recovered {self.generation_id} (client request id {self.client_request_id})."
        )


@dataclass(frozen=True)
class FoundFailed:
    """The API logged the create as failed. ``cost_usd`` is what the row says it cost."""

    client_request_id: str
    inference_id: str | None = None
    cost_usd: float | None = None
    row: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def billed_nothing(self) -> bool:
        """True when the row shows no charge, so sending again cannot pay twice."""
        return not self.cost_usd

    def describe(self) -> str:
        billed = "was billed nothing" if self.billed_nothing else f"was billed ${self.cost_usd:.2f}"
        return f"The usage logs show the create request {self.client_request_id} failed and {billed}."


@dataclass(frozen=True)
class NotFound:
    """No row with our id by the deadline: the create may still have made a job. With
    ``final_at``: the moment after which the logs are final for it (looking again then
    settles it, found or not made)."""

    client_request_id: str
    looked_for: float
    requests: int
    problem: str | None = None
    final_at: datetime | None = None

    def describe(self) -> str:
        text = (
            f"The create's answer was lost and no usage-log row with client request id "
            f"{self.client_request_id} appeared after looking for {_duration(self.looked_for)} "
            f"({self.requests} requests)"
        )
        if self.problem:
            text += f"; last problem: {self.problem}"
        if self.final_at is not None:
            when = self.final_at.astimezone().strftime("%H:%M:%S")
            return (
                f"{text}. Still unknown: the logs are final after {when}; "
                f"{how_to_look_again(self.client_request_id)} then (it settles it either way)."
            )
        return (
            f"{text}. A job may exist and be billed: {how_to_look_again(self.client_request_id)} "
            "before submitting again."
        )


@dataclass(frozen=True)
class NotMade:
    """The logs are final for the create's time and hold no row with our id: the request
    never reached the API, so no job was made and nothing was billed."""

    client_request_id: str
    final_at: datetime

    def describe(self) -> str:
        return (
            f"The usage logs, final since {self.final_at.astimezone().strftime('%H:%M:%S')}, have no row "
            f"for create {self.client_request_id}: it never reached the API, no job was made and "
            "nothing was billed. Closed (it may be sent again)."
        )


@dataclass(frozen=True)
class CannotReconcile:
    """The logs cannot be read here (no key, or 401/403/404): nothing is known."""

    client_request_id: str
    reason: str

    def describe(self) -> str:
        return (
            f"The create's answer was lost and the usage logs cannot be read ({self.reason}), "
            f"so whether a job was made is unknown. Look for client request id "
            f"{self.client_request_id} in veo.history() before submitting again."
        )


Reconciled = Found | FoundFailed | NotFound | NotMade | CannotReconcile
