"""``veo doctor``: the free checks of ``views/_doctor.py``, one line each; nothing is generated."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..views._doctor import checks, report

__all__ = ["add_doctor_command", "cmd_doctor"]


def cmd_doctor(args: argparse.Namespace) -> int:
    text, status = report(checks())
    *lines, summary = text.splitlines()
    print("\n".join(lines))
    print(summary, file=sys.stderr)
    return status


def add_doctor_command(sub: Any) -> None:
    """``veo doctor``: register the command on the ``veo`` subparsers."""
    text = "check the key, balance, catalogue, prices, usage logs and clock; nothing is generated"
    doctor = sub.add_parser("doctor", help=text, description=text)
    doctor.set_defaults(func=cmd_doctor)
