"""The account ledger (``GET /v2/billing/transactions``): what was really charged, and when.

The entries are derived from the jobs as they stand, like the balance: a ``MODEL_USAGE``
charge for each job once it has completed (stamped when it completed, its ``reference_id``
the generation id), none for a failed job, and one ``INIT`` top-up for the starting
balance. Three job faults make the ledger disagree with what the client got, so that an
audit has something to find: ``charge_failed`` (the job fails, and is charged anyway),
``charge_twice`` (two charges for one generation) and ``charge_no_file`` (charged, but its
file is never served). Pages are newest first, at most 100 entries, chained by an opaque
signed cursor that a client must pass back verbatim (a re-encoded one is a 400).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from ._jobs import Job, Phase
from ._logs import CREDITS_PER_USD, RateLimit
from ._wire import EmuRequest, EmuResponse, Problem, iso, json_response

__all__ = ["LEDGER_FAULTS", "Entry", "Ledger", "charged_at", "wire_model"]

#: Job faults that make the ledger disagree with what the client got.
LEDGER_FAULTS = ("charge_failed", "charge_twice", "charge_no_file")
_PARAMS = frozenset({"from", "to", "direction", "type", "limit", "cursor"})
_DIRECTIONS = ("TOPUP", "CHARGE")
_TYPES = ("PAYMENT", "BONUS", "REFUND", "ADJUSTMENT", "MODEL_USAGE", "CREDITS_EXPIRED", "INIT")

Outcomes = Callable[[], Iterable[tuple[Job, Phase]]]


@dataclass(frozen=True)
class Entry:
    """One ledger entry. ``key`` orders entries of the same instant (and is never shown)."""

    created_at: float
    direction: str
    type: str
    usd: float
    model: str | None
    reference_id: str | None
    key: str

    def wire(self) -> dict[str, object]:
        return {
            "created_at": iso(datetime.fromtimestamp(self.created_at, timezone.utc)),
            "direction": self.direction,
            "type": self.type,
            "amount": {"usd": self.usd, "credits": round(self.usd * CREDITS_PER_USD)},
            "model": self.model,
            "reference_id": self.reference_id,
        }


def charged_at(job: Job) -> float:
    """When a job's charge was recorded: when it ended."""
    return job.settled_at if job.settled_at is not None else job.ready_at


def wire_model(job: Job) -> str:
    """The model as the logs and the ledger name it (``source/alias``)."""
    name = job.model or "unknown"
    return name if "/" in name else f"google/{name}"


def _charged(job: Job, outcome: Phase) -> int:
    """How many times ``job`` is charged, as it stands now."""
    if outcome.succeeded:
        return 2 if "charge_twice" in job.faults else 1
    if outcome.status == "error" and "charge_failed" in job.faults:
        return 1
    return 0


class Ledger:
    """The entries, derived on each read from ``outcomes`` (every job and where it stands)."""

    def __init__(self, start_balance: float, outcomes: Outcomes, rate_limit: int = 200) -> None:
        self.opened = time.time()
        self.start_balance = start_balance
        self._outcomes = outcomes
        self.limit = RateLimit(rate_limit)
        self._secret = secrets.token_bytes(16)

    def entries(self) -> list[Entry]:
        """Every entry, newest first."""
        found = [Entry(self.opened, "TOPUP", "INIT", self.start_balance, None, None, "0-init")]
        for job, outcome in self._outcomes():
            for n in range(_charged(job, outcome)):
                found.append(
                    Entry(
                        charged_at(job), "CHARGE", "MODEL_USAGE", job.cost_usd, wire_model(job), job.id, f"{job.id}#{n}"
                    )
                )
        return sorted(found, key=lambda e: (e.created_at, e.key), reverse=True)

    def charges(self) -> list[Entry]:
        """The ``MODEL_USAGE`` charges, newest first."""
        return [e for e in self.entries() if e.type == "MODEL_USAGE" and e.direction == "CHARGE"]

    def charged_usd(self) -> float:
        return round(sum(e.usd for e in self.charges()), 6)

    # ------------------------------------------------------------------ the route

    def answer(self, request: EmuRequest) -> EmuResponse:
        """``GET /v2/billing/transactions``."""
        self.limit.check(time.time())
        unknown = sorted(set(request.query) - _PARAMS)
        if unknown:
            raise Problem(400, f"property {unknown[0]} should not exist")
        first, last = (_moment(request.query.get(k), k) for k in ("from", "to"))
        if first is not None and last is not None and last <= first:
            raise Problem(400, "to must be later than from")
        direction, kind = request.query.get("direction"), request.query.get("type")
        if direction is not None and direction not in _DIRECTIONS:
            raise Problem(400, f"direction must be one of the following values: {', '.join(_DIRECTIONS)}")
        if kind is not None and kind not in _TYPES:
            raise Problem(400, f"type must be one of the following values: {', '.join(_TYPES)}")
        limit = _limit(request.query.get("limit"))
        after = self._read_cursor(request.query.get("cursor"))
        shown = [
            e
            for e in self.entries()
            if (direction is None or e.direction == direction)
            and (kind is None or e.type == kind)
            and (first is None or e.created_at >= first)
            and (last is None or e.created_at <= last)
            and (after is None or (e.created_at, e.key) < after)
        ]
        page, more = shown[:limit], len(shown) > limit
        cursor = self._cursor(page[-1]) if more else None
        return json_response(
            200, {"data": [e.wire() for e in page], "pagination": {"next_cursor": cursor, "has_more": more}}
        )

    def _cursor(self, entry: Entry) -> str:
        payload = base64.urlsafe_b64encode(json.dumps([entry.created_at, entry.key]).encode()).decode()
        return f"{payload}.{self._sign(payload)}"

    def _sign(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()[:20]

    def _read_cursor(self, cursor: str | None) -> tuple[float, str] | None:
        if cursor is None:
            return None
        payload, _, signature = cursor.partition(".")
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            raise Problem(400, "cursor is invalid: pass pagination.next_cursor back as it was given")
        try:
            moment, key = json.loads(base64.urlsafe_b64decode(payload.encode()))
            return float(moment), str(key)
        except (ValueError, TypeError, binascii.Error):
            raise Problem(400, "cursor is invalid") from None


def _moment(value: str | None, name: str) -> float | None:
    if value is None:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Problem(400, f"{name} must be an ISO-8601 date-time with an offset") from None
    if moment.tzinfo is None:
        raise Problem(400, f"{name} must be an ISO-8601 date-time with an offset")
    return moment.timestamp()


def _limit(raw: str | None) -> int:
    if raw is None:
        return 50
    if not re.fullmatch(r"[0-9]+", raw.strip()) or not 1 <= int(raw) <= 100:
        raise Problem(400, "limit must be an integer between 1 and 100")
    return int(raw)
