"""``veo doctor`` and ``%veo doctor`` top to bottom: the free checks, then (with ``live``)
the one generation and its report. Both surfaces call :func:`run_doctor` with their own
way of printing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._config import data_dir, env_api_key
from .._errors import ValidationError
from ._doctor import checks, report
from ._doctor_live import DEFAULT_LOGS_WAIT, live_run
from ._doctor_report import write_report

__all__ = ["run_doctor"]


def run_doctor(
    live: bool = False,
    budget: float | None = None,
    *,
    logs_wait: float = DEFAULT_LOGS_WAIT,
    out: Callable[[str], Any] = print,
    err: Callable[[str], Any] = print,
) -> int:
    """The free checks; with ``live``, the one generation and its report (written into the
    data folder, its paths printed). Returns the exit status: 1 when a check failed or the
    generation did not complete. ``ValidationError`` before anything is sent when ``live``
    has no budget or the cheapest generation is over it."""
    if live and budget is None:
        raise ValidationError("budget", "--live needs --budget USD, the most the one generation may cost")
    found = checks()
    text, status = report(found)
    *lines, summary = text.splitlines()
    out("\n".join(lines))
    err(summary)
    key = env_api_key()
    if not live:
        return status
    if status or key is None or budget is None:
        err("the live generation was not sent: fix the failed checks first")
        return 1
    facts = live_run(budget, api_key=key, logs_wait=logs_wait, on_line=out)
    json_path, md_path, shown = write_report(found, facts, data_dir() / "doctor")
    out("\n".join(shown))
    out(f"report: {md_path}\n        {json_path}  (attach either to a bug report)")
    return 0 if facts["job"]["outcome"] == "completed" else 1
