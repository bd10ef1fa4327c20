"""``veo audit`` and ``veo spend``: the account's money, from the terminal.

``veo audit [--since 7d] [--json]`` joins the ledger with this machine's jobs and exits 0
when nothing is wrong, 1 with findings. ``veo spend [--days 30] [--by day|model]`` draws
the spend per day per model as text, the daily budget as a line. ``cli/_main.py``
registers both with one call, ``add_money_commands(subparsers)``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sys
from datetime import datetime, timedelta
from typing import Any

from .._config import DEMO_NOTICE
from .._errors import ValidationError
from ..client._client import Client
from ..money._ledger import LedgerProgress
from ..money._spend import SpendHistory
from ..views._audit import parse_since
from ..views._spend import spend_text

__all__ = ["add_money_commands", "cmd_audit", "cmd_spend"]


def _since(text: str) -> timedelta | datetime | None:
    try:
        return parse_since(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def add_money_commands(sub: Any) -> None:
    """Register ``audit`` and ``spend`` on the ``veo`` command's subparsers."""
    text = "check every charge of the account against the videos on this machine"
    audit = sub.add_parser("audit", help=text, description=f"{text[:1].upper()}{text[1:]}. Exit code 1: findings.")
    audit.add_argument("--since", type=_since, default="7d", help="a span back (7d, 24h, 90m) or a date (default: 7d)")
    audit.add_argument("--json", action="store_true", help="print the findings and totals as JSON")
    audit.set_defaults(func=cmd_audit)

    text = "spend per day per model, with the daily budget"
    spend = sub.add_parser("spend", help=text, description=f"{text[:1].upper()}{text[1:]}.")
    spend.add_argument("--days", type=int, default=30, help="how many days back, 1 to 92 (default: 30)")
    spend.add_argument("--by", choices=("day", "model"), default="day", help="group the totals (default: day)")
    spend.add_argument("--json", action="store_true", help="print the spend as JSON")
    spend.set_defaults(func=cmd_spend)


@contextlib.contextmanager
def _client() -> Any:
    with contextlib.redirect_stderr(io.StringIO()):  # the command says demo mode itself, once
        client = Client()
    if client.demo:
        print(f"veo_widgets {DEMO_NOTICE}", file=sys.stderr)
    try:
        yield client
    finally:
        client.close()


def _progress(step: LedgerProgress) -> None:
    if step.pages > 1:  # a long window: say how far back the ledger has been read
        print(f"reading the ledger: page {step.pages}, back to {step.reached:%Y-%m-%d}", file=sys.stderr)


def cmd_audit(args: argparse.Namespace) -> int:
    with _client() as client:
        audit = client.audit(args.since, on_progress=_progress)
    print(json.dumps(audit.to_json(), indent=2) if args.json else audit.describe())
    return 0 if audit.ok else 1


def cmd_spend(args: argparse.Namespace) -> int:
    with _client() as client:
        history = client.spend(by=args.by, days=args.days)
    if args.json:
        payload = {"usd": history.usd, "days": history.days, "budget_usd": history.budget_usd}
        payload["totals"] = [{"key": k, "usd": v} for k, v in history.totals()]
        print(json.dumps(payload, indent=2))
        return 0
    assert isinstance(history, SpendHistory)
    print(spend_text(history, width=shutil.get_terminal_size((80, 24)).columns))
    if args.by == "model":
        for model, usd in history.totals():
            print(f"{model}: ${usd:,.2f}")
    return 0
