"""No I/O: the audit's join of the journal with the ledger, and what it finds.

Every charge of the ledger (``_ledger``) is matched to the journal row of its generation:

- ``charged_not_saved``: a charge for a journaled job with no file on disk. Download again
  (a fresh link is polled for if the old one expired).
- ``charged_failed``: a charge for a job the API reported failed (failed requests are
  billed nothing, the API says). Ask for a refund.
- ``charged_twice``: two charges for one generation id (ask for a refund of the extra), or
  a second generation made by one of our client request ids (adopt it: it is paid for).
- ``charged_unknown``: a charge for a generation this machine never journaled (another
  machine or key, or a lost create never reconciled). Reconcile, or adopt it.
- ``unconfirmed``: a journal row whose create was never confirmed, settled by the audit
  from the usage logs (found: journaled, download it; failed and billed nothing: nothing to
  do; still not found: reconcile later).

:func:`build_audit` takes the rows, the charges and what the logs said, and returns the
:class:`Audit`; whether a file is on disk is asked of ``saved`` (the caller's stat).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ..schema._models import Job, JobStatus
from ._ledger import Charge
from ._reconcile import Found, FoundFailed, Reconciled, how_to_look_again

__all__ = ["ACTIONS", "KINDS", "Audit", "AuditSummary", "Finding", "PriceDrift", "build_audit"]

KINDS = ("charged_not_saved", "charged_failed", "charged_twice", "charged_unknown", "unconfirmed")
#: What a finding asks of the user: ``download`` (again), ``refund`` (ask support),
#: ``adopt`` (journal the generation and download it), ``reconcile`` (look again), ``none``.
ACTIONS = ("download", "refund", "adopt", "reconcile", "none")
_UNCONFIRMED = frozenset({"unconfirmed"})


@dataclass(frozen=True)
class Finding:
    """One thing the ledger and this machine disagree on, and what to do about it."""

    kind: str
    generation_id: str | None
    client_request_id: str | None
    usd: float
    """The money at stake: the charge (for ``charged_twice``, the extra charge)."""
    when: datetime
    """When it was charged (or, for ``unconfirmed``, when the create was sent)."""
    action: str
    """One of :data:`ACTIONS`."""
    advice: str
    """What to do, in a sentence."""
    model: str | None = None

    def describe(self) -> str:
        who = self.generation_id or self.client_request_id or "?"
        return f"{self.kind}: {who} ${self.usd:.2f} at {self.when:%Y-%m-%d %H:%M} UTC. {self.advice}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "generation_id": self.generation_id,
            "client_request_id": self.client_request_id,
            "usd": round(self.usd, 6),
            "when": self.when.isoformat(),
            "action": self.action,
            "advice": self.advice,
            "model": self.model,
        }


@dataclass(frozen=True)
class PriceDrift:
    """Where this account was charged more than 20 % away from the catalogue's price."""

    model: str
    resolution: str | None
    generate_audio: bool | None
    catalogue_per_second: float
    charged_per_second: float
    jobs: int

    @property
    def ratio(self) -> float:
        return self.charged_per_second / self.catalogue_per_second

    def describe(self) -> str:
        setting = ", ".join(
            p for p in (self.resolution, None if self.generate_audio is None else f"audio {self.generate_audio}") if p
        )
        return (
            f"{self.model}{f' ({setting})' if setting else ''}: charged ${self.charged_per_second:.3f}/s over "
            f"your last {self.jobs} job{'s' if self.jobs != 1 else ''}, the catalogue says "
            f"${self.catalogue_per_second:.3f}/s ({(self.ratio - 1) * 100:+.0f} %)"
        )


@dataclass(frozen=True)
class AuditSummary:
    """The window's money: what the ledger charged and what this machine has to show for it."""

    since: datetime
    until: datetime
    charged_usd: float = 0.0
    charges: int = 0
    delivered: int = 0
    """Jobs of the window that completed and whose file is on disk."""
    delivered_usd: float = 0.0
    failed_unbilled: int = 0
    """Failed jobs of the window with no charge (as the API promises)."""
    running: int = 0
    at_stake_usd: float = 0.0
    """The money the findings are about."""
    requests: int = 0
    """Ledger and log requests the audit sent."""
    cached: int = 0
    """Charges read from the cache, with no request."""
    drift: tuple[PriceDrift, ...] = ()

    def lines(self) -> list[str]:
        out = [
            f"charged ${self.charged_usd:.2f} in {self.charges} charge{'s' if self.charges != 1 else ''}",
            f"{self.delivered} job{'s' if self.delivered != 1 else ''} delivered (${self.delivered_usd:.2f})",
            f"{self.failed_unbilled} failed job{'s' if self.failed_unbilled != 1 else ''} billed nothing",
        ]
        if self.running:
            out.append(f"{self.running} still running")
        if self.at_stake_usd:
            out.append(f"${self.at_stake_usd:.2f} in findings")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "charged_usd": round(self.charged_usd, 6),
            "charges": self.charges,
            "delivered": self.delivered,
            "delivered_usd": round(self.delivered_usd, 6),
            "failed_unbilled": self.failed_unbilled,
            "running": self.running,
            "at_stake_usd": round(self.at_stake_usd, 6),
            "requests": self.requests,
            "cached": self.cached,
            "drift": [d.describe() for d in self.drift],
        }


@dataclass(frozen=True)
class Audit:
    """What ``client.audit()`` found: ``findings`` (empty when all is well) and ``summary``."""

    findings: tuple[Finding, ...]
    summary: AuditSummary
    charges: tuple[Charge, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        return not self.findings

    def of_kind(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def describe(self) -> str:
        head = f"Audit {self.summary.since:%Y-%m-%d %H:%M} to {self.summary.until:%Y-%m-%d %H:%M} UTC: "
        lines = [head + "; ".join(self.summary.lines()) + "."]
        lines += [f"  - {f.describe()}" for f in self.findings]
        lines += [f"  price: {d.describe()}" for d in self.summary.drift]
        if not self.findings:
            lines.append("Nothing to do: every charge is a video on this machine.")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"findings": [f.to_json() for f in self.findings], "summary": self.summary.to_json()}

    def __str__(self) -> str:
        return self.describe()


def _state(job: Job) -> str:
    return str(getattr(job, "state", None) or job.status).lower()


def _by_generation(charges: Iterable[Charge]) -> dict[str, list[Charge]]:
    found: dict[str, list[Charge]] = {}
    for charge in sorted(charges, key=lambda c: c.at):
        if charge.generation_id:
            found.setdefault(charge.generation_id, []).append(charge)
    return found


def _settled(row: Job, result: Reconciled | None, charged: Sequence[Charge]) -> Finding:
    crid = row.client_request_id
    usd = sum(c.usd for c in charged)
    if isinstance(result, Found):
        advice = (
            f"The lost create made {result.generation_id}; the audit journaled it: download it "
            f"(client.download({result.generation_id!r}) or `veo resume {result.generation_id}`)."
        )
        return Finding("unconfirmed", result.generation_id, crid, usd, row.created_at, "download", advice, row.model)
    if isinstance(result, FoundFailed) and result.billed_nothing:
        advice = "Settled: the API logged the create failed and billed nothing; nothing to do."
        return Finding("unconfirmed", None, crid, 0.0, row.created_at, "none", advice, row.model)
    detail = result.describe() if result is not None else "The usage logs could not be read."
    advice = f"{detail} Then {how_to_look_again(crid or '')}."
    return Finding("unconfirmed", None, crid, 0.0, row.created_at, "reconcile", advice, row.model)


def build_audit(
    rows: Sequence[Job],
    charges: Sequence[Charge],
    *,
    since: datetime,
    until: datetime,
    saved: Callable[[Job], bool],
    settled: Mapping[str, Reconciled] | None = None,
    crids: Mapping[str, str] | None = None,
    requests: int = 0,
    cached: int = 0,
    drift: Sequence[PriceDrift] = (),
) -> Audit:
    """Join ``rows`` (the journal, a little wider than the window) with the window's
    ``charges``. ``settled``: what the logs said of each unconfirmed row (by client request
    id); ``crids``: the client request id the logs give a generation this journal lacks."""
    settled = settled or {}
    crids = crids or {}
    by_gen = _by_generation(charges)
    by_id = {r.id: r for r in rows if r.id}
    by_crid = {r.client_request_id: r for r in rows if r.client_request_id}
    recovered = {
        result.generation_id: crid for crid, result in settled.items() if isinstance(result, Found) and crid in by_crid
    }
    findings: list[Finding] = []
    for gen, billed in by_gen.items():
        first = billed[0]
        row = by_id.get(gen)
        if gen in recovered:
            continue  # the unconfirmed finding of its row says it
        if row is None:
            crid = crids.get(gen)
            twin = by_crid.get(crid) if crid else None
            usd = sum(c.usd for c in billed)
            if twin is not None:
                advice = (
                    f"Your create {crid} made a second generation ({gen}) besides {twin.id or 'its journaled one'}; "
                    f"it is paid for: adopt it (client.download({gen!r})) and keep or drop it."
                )
                findings.append(Finding("charged_twice", gen, crid, usd, first.at, "adopt", advice, first.model))
            else:
                advice = (
                    f"No job of this machine made {gen} (another machine or key, or a lost create never "
                    f"reconciled): reconcile, or adopt it (client.download({gen!r}) journals and saves it)."
                )
                findings.append(Finding("charged_unknown", gen, crid, usd, first.at, "adopt", advice, first.model))
            continue
        crid = row.client_request_id
        if len(billed) > 1:
            extra = sum(c.usd for c in billed[1:])
            advice = (
                f"{gen} was charged {len(billed)} times (${first.usd:.2f} each): ask AI/ML API support to refund "
                f"${extra:.2f}, quoting the generation id."
            )
            findings.append(Finding("charged_twice", gen, crid, extra, billed[1].at, "refund", advice, first.model))
        if JobStatus.is_failure(row.status):
            advice = (
                f"The API reported {gen} failed ({(row.error or 'no reason given')[:80]}) but charged "
                f"${first.usd:.2f}; failed requests are billed nothing: ask AI/ML API support for a refund."
            )
            findings.append(Finding("charged_failed", gen, crid, first.usd, first.at, "refund", advice, first.model))
        elif not saved(row):
            advice = (
                f"Paid ${first.usd:.2f} but no file is on disk: download it again "
                f"(client.download({gen!r}) or `veo resume {gen}`; a fresh link is asked for if the old one expired)."
            )
            findings.append(
                Finding("charged_not_saved", gen, crid, first.usd, first.at, "download", advice, first.model)
            )
    for row in rows:
        sent_as = row.client_request_id
        if sent_as and not row.id and _state(row) in _UNCONFIRMED and since <= row.created_at <= until:
            result = settled.get(sent_as)
            made = result.generation_id if isinstance(result, Found) else None
            findings.append(_settled(row, result, by_gen.get(made or "", [])))
    findings.sort(key=lambda f: f.when)
    summary = replace(
        _summary(rows, charges, by_gen, since=since, until=until, saved=saved),
        at_stake_usd=round(sum(f.usd for f in findings), 6),
        requests=requests,
        cached=cached,
        drift=tuple(drift),
    )
    return Audit(tuple(findings), summary, tuple(charges))


def _summary(
    rows: Sequence[Job],
    charges: Sequence[Charge],
    by_gen: Mapping[str, list[Charge]],
    *,
    since: datetime,
    until: datetime,
    saved: Callable[[Job], bool],
) -> AuditSummary:
    delivered = failed_unbilled = running = 0
    delivered_usd = 0.0
    for row in rows:
        if not since <= row.created_at <= until:
            continue
        billed = by_gen.get(row.id or "", [])
        if JobStatus.is_success(row.status) and saved(row):
            delivered += 1
            delivered_usd += billed[0].usd if billed else (row.usage.usd or 0.0)
        elif JobStatus.is_failure(row.status) and not billed:
            failed_unbilled += 1
        elif JobStatus.is_pending(row.status) and row.id:
            running += 1
    return AuditSummary(
        since=since,
        until=until,
        charged_usd=round(sum(c.usd for c in charges), 6),
        charges=len(charges),
        delivered=delivered,
        delivered_usd=round(delivered_usd, 6),
        failed_unbilled=failed_unbilled,
        running=running,
    )
