"""The ``veo`` command: generate, status, resume, history, emulator.

Every option's help says its default; every command that takes a job id also takes an
unambiguous prefix of one (the 8 letters and digits in a video's file name).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import shutil
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

from .._config import data_dir
from .._errors import (
    GenerationTimeoutError,
    ValidationError,
    VeoError,
    WaitCancelled,
)
from ..client._client import Client
from ..client._money import price_text
from ..client._run import Run
from ..money._reconcile import Found
from ..schema._family import ModelSpec
from ..schema._models import Job
from ..schema._options import parse_options
from ..schema._output import is_folder_path, writable_output
from ..views._display import history_text, short_id, still_running_text
from ..views._lookup import (
    OPTION_NAMES,
    already_saved,
    check_request,
    clip_seconds,
    job_status,
    models_lines,
    positive_count,
    positive_seconds,
    resolve_video,
    saved_video,
)
from ._audit import add_money_commands
from ._doctor import add_doctor_command
from ._generate import add_generate_arguments, chosen_model
from ._long_take import is_chain, longest_clip, run_long_take, run_resume_chain
from ._status import Status

__all__ = ["build_parser", "main"]

#: Clients a command made: closed when it ends, whatever happened.
_OPEN: list[Client] = []


def _client(args: argparse.Namespace) -> Client:
    client = Client(timeout=getattr(args, "http_timeout", 30.0))
    client.models()  # the model schemas `veo models --refresh` read in the last day, if any (sends nothing)
    if client.demo_notice:  # one line per command, beside the progress (stdout stays the result)
        print(f"veo_widgets {client.demo_notice}", file=sys.stderr)
    _OPEN.append(client)
    return client


def _show(status: Status, run: Run) -> None:
    if run.job is not None:
        status.update(run.job)


def _version() -> str:
    try:
        return importlib.metadata.version("veo_widgets")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _print_done(job: Job, whole: str = "") -> None:
    simulated = " (simulated)" if job.demo else ""
    print(f"saved: {job.path}")
    print(f"job:   {job.id}")
    print(f"usage: {job.usage.describe()}{simulated}" + (f" for the last link; {whole}{simulated}" if whole else ""))


def cmd_generate(args: argparse.Namespace) -> int:
    client = _client(args)
    words = list(args.words)
    if len(words) > 2 or (args.sample and len(words) > 1):
        lead = "--sample PROMPT" if args.sample else "[IMAGE] PROMPT"
        raise ValidationError("prompt", f"give {lead}: quote a prompt of several words")
    if len(words) == 1 and Path(words[0]).is_file():  # `veo generate cat.jpg`: the prompt was left out
        raise ValidationError("prompt", f"{words[0]} is a file, not a prompt: give what should happen after it")
    prompt = words[-1]
    image = words[0] if len(words) == 2 else args.image
    if args.sample:
        if image is not None:
            raise ValidationError("image", "give an image or --sample, not both")
        from ..media._sample import sample_image

        image = str(sample_image())
    values = {name: getattr(args, name) for name in OPTION_NAMES}
    options: dict[str, Any] = {k: v for k, v in parse_options(values).items() if v is not None}
    for name in ("model", "last_image"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    if args.video is not None:
        # --extend takes a file, a URL, or a job of this machine's history by id or prefix.
        options["video"] = resolve_video(client.journal, args.video)
    if args.reference_images:
        options["reference_images"] = list(args.reference_images)
    # Check the whole request first (a mistake is refused before any price or request),
    # then say what it will cost, then send it.
    if args.seconds is not None and args.seconds > longest_clip(options.get("model")):
        _print_done(*run_long_take(client, prompt, image, args.seconds, options, args.output))
        return 0
    if args.seconds is not None:
        options["duration"] = int(args.seconds) if float(args.seconds).is_integer() else args.seconds
    request = check_request(client, prompt, image, options)
    if args.takes > 1 and args.output is not None and not is_folder_path(args.output):
        raise ValidationError("output", f"{args.takes} takes are {args.takes} files: give a folder, not {args.output}")
    if args.output is not None:
        writable_output(args.output)  # a folder that cannot be written is refused before any money
    print(f"estimate: {price_text(client, request, args.takes)}", file=sys.stderr)
    if args.takes > 1:
        runs = client.start_variations(
            prompt, image, n=args.takes, save_to=args.output, timeout=args.timeout, **options
        )
    else:
        runs = [client.start(prompt, image, save_to=args.output, timeout=args.timeout, **options)]
    for number, run in enumerate(runs, 1):
        if len(runs) > 1:
            print(f"take {number} of {len(runs)}:", file=sys.stderr)
        with Status(run) as status:
            run.on_update(partial(_show, status))
            job = run.wait()
        _print_done(job)
    return 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    results = _client(args).reconcile(args.id)
    for result in results:
        print(result.describe())
        if isinstance(result, Found):
            print(f"next:  veo resume {short_id(result.generation_id)}   (waits for it and downloads the video)")
    if not results:
        print("nothing to reconcile: every create was answered")
    return 0


#: ``veo models``: what fits 80 columns; ``--wide`` adds the rest of each model's row.
_MODEL_COLUMNS = ("name", "mode", "durations", "resolutions")
_WIDE_COLUMNS = ("inputs", "aspect", "audio", "seed", "id")


def cmd_models(args: argparse.Namespace) -> int:
    client = _client(args)
    columns = (*_MODEL_COLUMNS, *(_WIDE_COLUMNS if args.wide else ()), "price")
    rows, simulated = [dict(zip(columns, columns, strict=True))], False
    family = client.models(refresh=args.refresh)  # a schema that cannot be read is said once, as a warning
    for spec in family:
        try:
            estimate = client.estimate(model=spec.id)
        except VeoError:
            price = "unknown"
        else:
            price = "unknown" if estimate.usd is None else f"${estimate.usd:.2f}"
            simulated = simulated or estimate.simulated
        rows.append({**spec.row(), "price": price})
    widths = {c: max(len(r[c]) for r in rows) for c in columns}
    for row in rows:
        print("  ".join(row[c].ljust(widths[c]) for c in columns).rstrip())
    print("price: the model's default clip (its default length and resolution)")
    if simulated:
        print("       simulated prices: the emulator's catalogue, not the API's")
    for line in models_lines(family, args.refresh):  # as %veo models says it
        print(line)
    if not args.wide:
        print("--wide adds each model's inputs, aspect ratios, audio, seed and the API's id")
    return 0


def _next_step(job: Job) -> str:
    ident = short_id(job.id) or job.id
    if job.ok and job.path is not None and Path(job.path).exists():
        return f"saved: {job.path}"
    if job.ok:
        return f"next:  veo resume {ident}   (downloads the video)"
    if job.done:
        return f"error: {job.error}" if job.error else "it ended without a video"
    return f"next:  veo resume {ident}   (waits for it and downloads the video)"


def cmd_status(args: argparse.Namespace) -> int:
    found = job_status(_client(args), args.id)
    job = found.job
    if found.stale:
        print(f"{job.id}: {job.status} ({found.stale})")
        if job.ok and job.path is not None and Path(job.path).exists():
            print(f"saved: {job.path}")
        return 0 if job.ok else 1
    print(f"{job.id}: {job.status}")
    print(_next_step(job))
    return 0 if job.ok or not job.done else 1


def cmd_resume(args: argparse.Namespace) -> int:
    client = _client(args)
    if is_chain(args.id):
        _print_done(*run_resume_chain(client, args.id))
        return 0
    job_id = client.journal.job_id(args.id)
    if args.output is not None:
        writable_output(args.output)
    saved = saved_video(client.journal, job_id)
    if saved is not None and (args.output is None or _same_file(saved, args.output)):
        print(already_saved(saved))  # as %veo resume says it; -o elsewhere saves another copy
        return 0
    with Status(model=client.duration_model()) as status:
        job = client.wait(job_id, timeout=args.timeout, on_update=status.update)
    path = client.download(job, args.output)
    _print_done(job.evolve(path=path.resolve()))
    return 0


def _same_file(job: Job, output: str) -> bool:
    """Does ``-o output`` name the file ``job`` is already saved as (or the folder it is in)?"""
    assert job.path is not None
    target, saved = Path(output).expanduser().resolve(), Path(job.path).resolve()
    return target == saved or target == saved.parent


def cmd_history(args: argparse.Namespace) -> int:
    jobs = _client(args).journal.history(args.limit)
    width = args.width or shutil.get_terminal_size((80, 24)).columns
    print(history_text(jobs, width=max(20, width)))
    return 0


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Every option's help ends with its default, unless it already says one."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        # `is`, not `in`: 0.0 == False, and a default of 0.0 is still worth saying.
        unsaid = action.default is None or action.default is False or action.default == argparse.SUPPRESS
        if "default" in text.lower() or unsaid or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)".strip()


class _Parser(argparse.ArgumentParser):
    """A command's parser: a mistake on the command line is one line (exit code 2), what is
    wrong and where the options are listed, instead of the usage block above it; and an
    option declared without help (the emulator's) still shows its default, which argparse
    would otherwise leave out."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (`{self.prog} --help` lists the options)\n")

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        if action.help is None and action.option_strings and action.default is not None:
            action.help = "default: %(default)s"
        return action


def _parser(sub: Any, name: str, text: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=text, description=text, formatter_class=_Formatter)
    return parser


def build_parser(model: ModelSpec | None = None) -> argparse.ArgumentParser:
    """The ``veo`` parser; ``model`` (the ``--model`` of a ``veo generate`` line) makes
    ``veo generate --help`` show that model's flags, allowed values and defaults."""
    parser = _Parser(
        prog="veo",
        description="Generate video from an image with Veo 3 Fast (demo mode without AIMLAPI_KEY).",
        epilog="`veo COMMAND --help` lists a command's options and their defaults.",
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"veo (veo_widgets) {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    gen = _parser(sub, "generate", "make a video from a prompt (and an image, for image-to-video models)")
    add_generate_arguments(gen, model)
    gen.add_argument("-o", "--output", help="a file or folder (default: $VEO_OUTPUT_DIR or veo_outputs/)")
    gen.add_argument(
        "--seconds", type=clip_seconds, help="the clip's length; past the longest one generation makes (8 s), a long take: "
        "a first clip, then 7 s extends of the whole (15, 22, ... 148 s)",
    )  # fmt: skip
    gen.set_defaults(func=cmd_generate)

    listing = _parser(sub, "models", "the Veo family: each model's mode, lengths, sizes and price")
    listing.add_argument(
        "--wide", action="store_true", help="also each model's inputs, aspect ratios, audio, seed and id"
    )
    listing.add_argument(
        "--refresh", action="store_true",
        help="read each model's schema from the API's catalogue (a value it added is accepted, one it dropped "
        "refused; a new Veo model becomes usable); kept a day, revalidated by its ETag",
    )  # fmt: skip
    listing.set_defaults(func=cmd_models)

    status = _parser(sub, "status", "show a job's state and what to run next")
    status.add_argument("id", help="a job id, or its first letters (as in the video's file name)")
    status.set_defaults(func=cmd_status)

    resume = _parser(
        sub, "resume", "wait for a job (e.g. from `veo history`) and download it, or go on with a long take"
    )
    resume.add_argument("id", help="a job id, or its first letters (as in the video's file name), or a chain-... id")
    resume.add_argument("-o", "--output", help="a file or folder (default: $VEO_OUTPUT_DIR or veo_outputs/)")
    resume.set_defaults(func=cmd_resume)

    hist = _parser(sub, "history", "every job this machine submitted, newest first")
    hist.add_argument("--limit", type=positive_count, default=20, help="how many jobs to list")
    hist.add_argument(
        "--width", type=positive_count, default=0, help="columns to fit (default: the terminal's, 80 if unknown)"
    )
    hist.set_defaults(func=cmd_history)

    rec = _parser(sub, "reconcile", "find creates whose answer was lost, in the API's usage logs")
    rec.add_argument("id", nargs="?", help="one job's client request id (default: every unconfirmed create)")
    rec.set_defaults(func=cmd_reconcile)

    from ._studio import add_studio_commands

    add_studio_commands(sub)
    add_money_commands(sub)  # veo audit, veo spend
    add_doctor_command(sub)
    for name in ("stitch", "batch"):  # their help lists defaults too
        sub.choices[name].formatter_class = _Formatter

    from ..emulator.__main__ import add_arguments, run

    emu = _parser(sub, "emulator", "serve the local AI/ML API emulator")
    add_arguments(emu)
    emu.set_defaults(func=run)

    for p in (gen, resume):
        p.add_argument("--timeout", type=positive_seconds, default=600.0, help="seconds to wait, more than 0")
    for p in (gen, status, resume, hist, rec):
        p.add_argument("--http-timeout", type=float, default=30.0, help=argparse.SUPPRESS)
    return parser


def _os_error_text(exc: OSError) -> str:
    """One line for a file-system error, naming the data folder when it is the one at fault."""
    name = str(exc.filename or "")
    home = data_dir().absolute()
    path = Path(name).absolute()
    at_home = bool(name) and (path in (home, *home.parents) or home in path.parents)
    where = " (the data folder: set VEO_HOME to a folder you can write)" if at_home else ""
    return f"cannot use {name or 'a file'}{where}: {exc.strerror or exc}"


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    try:  # the parser too: it loads modules for a second or more, and Ctrl-C then is no traceback
        model = chosen_model(words[1:]) if words[:1] == ["generate"] else None
        args = build_parser(model).parse_args(words)
        return int(args.func(args))
    except GenerationTimeoutError as exc:
        print(f"veo: {still_running_text(exc, 'veo resume', 'save the video')}", file=sys.stderr)
        return 3
    except WaitCancelled as exc:
        print(f"\nveo: {exc}", file=sys.stderr)
        return 130
    except ValidationError as exc:  # bad input, refused before anything was sent: a usage error
        print(f"veo: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    except VeoError as exc:
        print(f"veo: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a folder or file the command cannot use: the data folder, a disk that is full
        print(f"veo: {_os_error_text(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nveo: interrupted", file=sys.stderr)
        return 130
    finally:
        while _OPEN:
            _OPEN.pop().close()


if __name__ == "__main__":  # `python -m veo_widgets.cli._main`, as older scripts and tests run it
    raise SystemExit(main())
