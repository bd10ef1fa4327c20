"""The ``veo`` command: generate, status, resume, history, emulator."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any, TextIO

from ._client import Client
from ._errors import GenerationTimeoutError, VeoError, WaitCancelled
from ._models import ASPECT_RATIOS, DEFAULT_MODEL, DURATIONS, MODELS, RESOLUTIONS, Job
from ._schedule import DurationModel

__all__ = ["main"]

SPINNER = "|/-\\"


class _Status:
    """One live status line: redrawn in place on a terminal, a line per change otherwise."""

    def __init__(self, model: DurationModel, stream: TextIO | None = None) -> None:
        self.model = model
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.job: Job | None = None
        self.start = time.monotonic()
        self._last = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)

    def __enter__(self) -> _Status:
        if self.tty:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.tty:
            self._thread.join(1)
            self.stream.write("\r\033[K")
            self.stream.flush()

    def update(self, job: Job) -> None:
        self.job = job
        if not self.tty and job.status != self._last:
            self._last = job.status
            print(f"{job.status:<10} {time.monotonic() - self.start:5.1f}s  {job.id}", file=self.stream, flush=True)

    def line(self, frame: int = 0) -> str:
        elapsed = time.monotonic() - self.start
        status = self.job.status if self.job else "submitting"
        done = 1.0 if self.job is not None and self.job.ok else self.model.progress(elapsed)
        bar = "#" * int(done * 20)
        mm, ss = divmod(int(elapsed), 60)
        return f"{SPINNER[frame % 4]} {status:<10} {mm:02d}:{ss:02d} [{bar:<20}] {done:4.0%}"

    def _tick(self) -> None:
        frame = 0
        while not self._stop.wait(0.25):
            self.stream.write("\r\033[K" + self.line(frame))
            self.stream.flush()
            frame += 1


def _client(args: argparse.Namespace) -> Client:
    return Client(timeout=args.http_timeout)


def _print_done(job: Job) -> None:
    print(f"saved: {job.path}")
    print(f"job:   {job.id}")
    print(f"usage: {job.usage.describe()}{' (simulated)' if job.demo else ''}")


def cmd_generate(args: argparse.Namespace) -> int:
    client = _client(args)
    options: dict[str, Any] = {
        "aspect_ratio": args.aspect_ratio,
        "resolution": args.resolution,
        "duration": args.duration,
        "seed": args.seed,
        "negative_prompt": args.negative_prompt,
        "generate_audio": not args.no_audio,
        "enhance_prompt": not args.no_enhance,
        "model": args.model,
    }
    request = client.build_request(args.prompt, args.image, **options)
    submitted: list[Job] = []
    with _Status(client.duration_model()) as status:

        def on_submit(job: Job) -> None:
            submitted.append(job)
            status.update(job)

        try:
            job = client._generate(
                request,
                save_to=args.output,
                timeout=args.timeout,
                on_update=status.update,
                on_submit=on_submit,
            )
        except KeyboardInterrupt:
            if submitted:
                raise WaitCancelled(submitted[0]) from None
            raise
    _print_done(job)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    job = _client(args).get(args.id)
    print(f"{job.id}: {job.status}")
    if job.error:
        print(f"error: {job.error}")
    if job.video_url:
        print(f"video: {job.video_url}")
    if job.path:
        print(f"saved: {job.path}")
    return 0 if job.ok or not job.done else 1


def cmd_resume(args: argparse.Namespace) -> int:
    client = _client(args)
    with _Status(client.duration_model()) as status:
        job = client.wait(args.id, timeout=args.timeout, on_update=status.update)
    path = client.download(job, args.output)
    _print_done(job.evolve(path=path.resolve()))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from . import history

    jobs = history(args.limit)
    if not jobs:
        print("no jobs yet")
    for job in jobs:
        prompt = str((job.request or {}).get("prompt", ""))[:40]
        when = job.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        mode = " demo" if job.demo else ""
        print(f"{when}  {job.status:<12} {job.id or job.client_request_id}{mode}  {prompt!r}  {job.path or ''}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="veo", description="Generate video from an image with Veo 3 Fast.")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="make a video from an image and a prompt")
    gen.add_argument("image", help="a path or an http(s) URL")
    gen.add_argument("prompt")
    gen.add_argument("--aspect-ratio", default="16:9", choices=ASPECT_RATIOS)
    gen.add_argument("--resolution", default="720p", type=str.lower, choices=RESOLUTIONS)
    gen.add_argument("--duration", default=8, type=int, choices=DURATIONS)
    gen.add_argument("--seed", type=int)
    gen.add_argument("--negative-prompt")
    gen.add_argument("--no-audio", action="store_true")
    gen.add_argument("--no-enhance", action="store_true")
    gen.add_argument("--model", default=DEFAULT_MODEL, choices=MODELS)
    gen.add_argument("-o", "--output", help="a file or folder (default: veo_outputs/)")
    gen.set_defaults(func=cmd_generate)

    status = sub.add_parser("status", help="show a job's state")
    status.add_argument("id")
    status.set_defaults(func=cmd_status)

    resume = sub.add_parser("resume", help="wait for a job (e.g. from `veo history`) and download it")
    resume.add_argument("id")
    resume.add_argument("-o", "--output")
    resume.set_defaults(func=cmd_resume)

    hist = sub.add_parser("history", help="every job this machine submitted")
    hist.add_argument("--limit", type=int, default=20)
    hist.set_defaults(func=cmd_history)

    from .emulator.__main__ import add_arguments, run

    emu = sub.add_parser("emulator", help="serve the local AI/ML API emulator")
    add_arguments(emu)
    emu.set_defaults(func=run)

    for p in (gen, resume):
        p.add_argument("--timeout", type=float, default=600.0, help="seconds to wait (default 600)")
    for p in (gen, status, resume):
        p.add_argument("--http-timeout", type=float, default=30.0, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except GenerationTimeoutError as exc:
        print(f"veo: {exc}", file=sys.stderr)
        return 3
    except WaitCancelled as exc:
        print(f"\nveo: {exc}", file=sys.stderr)
        return 130
    except VeoError as exc:
        print(f"veo: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nveo: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
