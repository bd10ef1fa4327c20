"""An audit as HTML (totals, then one line per finding), and the ``--since`` words the
surfaces share (``7d``, ``24h``, ``90m`` or an ISO date)."""

from __future__ import annotations

import html

from ..money._audit import Audit, Finding
from ..money._audit_run import parse_since

__all__ = ["ACTION_LABELS", "all_matched", "audit_html", "finding_html", "parse_since"]

#: The button each action gets; ``refund`` and ``none`` get no button (nothing to click here).
ACTION_LABELS = {"download": "Download again", "adopt": "Adopt", "reconcile": "Reconcile"}


def all_matched(audit: Audit) -> str:
    """What a clean audit says: "No findings: 10 jobs delivered, $16.80 charged, all matched"."""
    s = audit.summary
    jobs = f"{s.delivered} job{'s' if s.delivered != 1 else ''}"
    return f"No findings: {jobs} delivered, ${s.charged_usd:.2f} charged, all matched."


def finding_html(finding: Finding) -> str:
    who = html.escape(finding.generation_id or finding.client_request_id or "?")
    return (
        f"<div class='veo-finding' data-kind='{finding.kind}' data-action='{finding.action}'>"
        f"<b>{finding.kind.replace('_', ' ')}</b> <code>{who}</code> ${finding.usd:.2f} "
        f"<span class='veo-note'>{finding.when:%Y-%m-%d %H:%M} UTC</span><br>{html.escape(finding.advice)}</div>"
    )


def audit_html(audit: Audit, *, with_findings: bool = True) -> str:
    """The totals (and, unless ``with_findings`` is False, the findings) as HTML."""
    s = audit.summary
    head = (
        f"<div class='veo-audit-totals'><b>Audit</b> {s.since:%Y-%m-%d %H:%M} to {s.until:%Y-%m-%d %H:%M} UTC: "
        f"{html.escape('; '.join(s.lines()))}.</div>"
    )
    drift = "".join(f"<div class='veo-note'>price: {html.escape(d.describe())}</div>" for d in s.drift)
    if audit.ok:
        body = f"<div class='veo-audit-ok'>{html.escape(all_matched(audit))}</div>"
    elif with_findings:
        body = "".join(finding_html(f) for f in audit.findings)
    else:
        body = ""
    return f"<div class='veo-audit'>{head}{drift}{body}</div>"
