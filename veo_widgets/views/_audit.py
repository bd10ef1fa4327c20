"""An audit as HTML (totals, then one line per finding), and the ``--since`` words the
surfaces share (``7d``, ``24h``, ``90m`` or an ISO date)."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone

from .._errors import ValidationError
from ..money._audit import Audit, Finding

__all__ = ["ACTION_LABELS", "audit_html", "finding_html", "parse_since"]

#: The button each action gets; ``refund`` and ``none`` get no button (nothing to click here).
ACTION_LABELS = {"download": "Download again", "adopt": "Adopt", "reconcile": "Reconcile"}
_SPAN = re.compile(r"^([1-9][0-9]*)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str | None) -> timedelta | datetime | None:
    """``7d`` (a span back from now), ``2026-12-01`` (a date, UTC), or None."""
    if text is None or not text.strip():
        return None
    words = text.strip().lower()
    match = _SPAN.match(words)
    if match is not None:
        return timedelta(**{_UNITS[match[2]]: int(match[1])})
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("since", f"give a span such as 7d, 24h or 90m, or a date, not {text!r}") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


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
        body = "<div class='veo-audit-ok'>Nothing to do: every charge is a video on this machine.</div>"
    elif with_findings:
        body = "".join(finding_html(f) for f in audit.findings)
    else:
        body = ""
    return f"<div class='veo-audit'>{head}{drift}{body}</div>"
