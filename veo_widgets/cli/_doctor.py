"""``veo doctor``: the free checks of ``views/_doctor.py``, one line each; nothing is generated.

``veo doctor --live --budget USD`` also runs one cheapest generation (``views/_doctor_live``)
and writes a report with one line per open question of the API contract
(``views/_doctor_report``) into the data folder.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from ..views._doctor_live import DEFAULT_LOGS_WAIT
from ..views._doctor_run import run_doctor

__all__ = ["add_doctor_command", "cmd_doctor"]


def cmd_doctor(args: argparse.Namespace) -> int:
    def err(line: str) -> None:
        print(line, file=sys.stderr)

    return run_doctor(args.live, args.budget, logs_wait=args.logs_wait, out=print, err=err)


def _usd(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a price in US dollars: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"a budget is more than 0 US dollars, not {text!r}")
    return value


def add_doctor_command(sub: Any) -> None:
    """``veo doctor``: register the command on the ``veo`` subparsers."""
    text = "check the key, balance, catalogue, prices, usage logs and clock; nothing is generated"
    doctor = sub.add_parser("doctor", help=text, description=text + " (unless --live)")
    doctor.add_argument(
        "--live",
        action="store_true",
        help="also run ONE cheapest generation (paid) and write a report for bug reports",
    )
    doctor.add_argument("--budget", type=_usd, help="with --live: the most, in US dollars, it may cost")
    doctor.add_argument("--logs-wait", type=float, default=DEFAULT_LOGS_WAIT, help=argparse.SUPPRESS)
    doctor.set_defaults(func=cmd_doctor)
