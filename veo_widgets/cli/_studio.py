"""``veo stitch`` and ``veo batch``: the studio's commands, registered on the ``veo`` parser.

``cli.py`` adds them with one call, ``add_studio_commands(subparsers)``, the way it adds
the emulator's arguments.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, TextIO

from .._errors import ValidationError
from ..schema._output import writable_output
from ..studio._batch import BatchProgress, batch_folder, report_paths, summary_table

__all__ = ["add_studio_commands", "cmd_batch", "cmd_stitch"]


def add_studio_commands(sub: Any) -> None:
    """Register ``stitch`` and ``batch`` on the ``veo`` command's subparsers."""
    text = "join clips (files or job ids) into one film, picture and sound"
    stitch = sub.add_parser("stitch", help=text, description=f"{text[:1].upper()}{text[1:]}.")
    stitch.add_argument("clips", nargs="+", metavar="CLIP", help="a video file, or a job id from `veo history`")
    stitch.add_argument("-o", "--output", required=True, help="the film to write: film.mp4 (a missing folder is made)")
    stitch.add_argument("--crossfade", type=float, default=0.0, help="seconds to dissolve between clips")
    stitch.set_defaults(func=cmd_stitch)

    text = "run every row of a .jsonl or .csv file (one request per row)"
    batch = sub.add_parser(
        "batch",
        help=text,
        description=textwrap.fill(
            f"{text[:1].upper()}{text[1:]}. Every row is checked before anything is sent; running "
            "the file again skips rows already done and resumes those still running.",
            width=78,
        ),
    )
    batch.add_argument("file", help="prompts.jsonl or prompts.csv: a prompt column and any option as a column")
    batch.add_argument("--concurrency", type=int, default=4, help="rows in flight at once (default 4)")
    batch.add_argument(
        "--budget", type=float, help="USD: start no row that could take the spend past this (default: no cap)"
    )
    batch.add_argument("--out", help="folder for the videos and the report (default: beside the file)")
    batch.add_argument("--retry-failed", action="store_true", help="start rows whose job failed again")
    batch.set_defaults(func=cmd_batch)


def _clip(value: str) -> Any:
    """A path as given, or the saved file of a job id (or unambiguous prefix) in the journal."""
    if Path(value).exists() or value.lower().endswith((".mp4", ".mov", ".m4v")):
        return value
    from ..journal._store import Journal

    job = Journal().find(value)
    if job is None:
        raise ValidationError("clips", f"{value} is neither a video file nor a job in the journal")
    return job


class _Line:
    """A progress line: redrawn in place on a terminal, printed when it changes otherwise."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.last = ""
        self.shown = 0.0

    def show(self, text: str, *, force: bool = False) -> None:
        if self.tty:
            self.stream.write("\r\033[K" + text)
        elif text != self.last and (force or time.monotonic() - self.shown > 1.0):
            self.stream.write(text + "\n")
            self.shown = time.monotonic()
        self.last = text
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()


def bar(fraction: float, width: int = 24) -> str:
    filled = int(max(0.0, min(1.0, fraction)) * width)
    return "[" + "#" * filled + " " * (width - filled) + f"] {fraction:4.0%}"


def cmd_stitch(args: argparse.Namespace) -> int:
    from ..media._media import probe_clip, stitch

    writable_output(args.output, "output")  # one rule for every output: see schema._output
    line = _Line()
    clips = [_clip(value) for value in args.clips]
    try:
        film = stitch(
            clips,
            args.output,
            crossfade=args.crossfade,
            progress=lambda f: line.show(f"stitching {bar(f)}", force=f >= 1),
        )
    finally:
        line.close()
    info = probe_clip(film)
    print(f"saved: {film}")
    count = f"{len(clips)} clip{'' if len(clips) == 1 else 's'}"
    print(f"film:  {count}, {info.duration:.2f} s, {info.width}x{info.height}")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from ..client._client import Client
    from ..studio._batch_run import run_batch

    line = _Line()

    def progress(state: BatchProgress) -> None:
        line.show(f"{bar(state.fraction)} {state.describe()}", force=state.finished == state.total)

    client = Client()
    try:
        state = run_batch(
            client,
            args.file,
            concurrency=args.concurrency,
            budget=args.budget,
            out=args.out,
            progress=progress,
            retry_failed=args.retry_failed,
        )
    finally:
        line.close()
        client.close()
    print(summary_table(state))
    out = Path(args.out) if args.out else batch_folder(Path(args.file))
    csv_path, json_path = report_paths(Path(args.file), out)
    print(f"report: {csv_path} (and {json_path.name})")
    return 0 if state.count("done") == state.total else 1
