"""Arguments of ``%%veo`` and ``%veo <sub>``, parsed into typed values.

Each subcommand has a dataclass and a parser; ``parse_line`` returns the subcommand's name
and its arguments, and the magics dispatch on the name to one handler each. Parsing never
touches the API: a mistake is a ``UsageError`` before anything is sent.
"""

from __future__ import annotations

import argparse
import math
import shlex
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from IPython.core.error import UsageError

from ..schema._options import argument_specs, takes_argument
from ..views._lookup import OPTION_NAMES, positive_seconds

_INPUT_NAMES = frozenset({"image", "last_image", "reference_images", "video"})

__all__ = [
    "AuditArgs",
    "DemoArgs",
    "DoctorArgs",
    "GenerateArgs",
    "HistoryArgs",
    "JobArgs",
    "MaybeJobArgs",
    "ModelsArgs",
    "NoArgs",
    "SUBCOMMANDS",
    "cell_help",
    "expand",
    "expand_value",
    "line_help",
    "parse_cell",
    "parse_line",
]


class _Parser(argparse.ArgumentParser):
    """argparse that reports a mistake as a UsageError instead of exiting the kernel."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


@dataclass(frozen=True)
class GenerateArgs:
    """``%%veo``'s options line. Values stay text: ``{name}`` expands later, from the notebook.

    ``options`` holds every create option of the schema that was given (by its Python
    name); inputs and the cell's own switches have fields."""

    model: str | None = None
    image: str | None = None
    last_image: str | None = None
    reference_images: tuple[str, ...] = ()
    video: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    out: str | None = None
    name: str | None = None
    background: bool = False
    embed: bool = False
    timeout: float | None = None
    takes: int = 1
    """``-n``/``--takes``: how many takes of the request, side by side."""
    seconds: float | None = None
    """``--seconds``: the clip's length; past the model's longest, a long take."""


@dataclass(frozen=True)
class NoArgs:
    """A subcommand that takes nothing (``panel``, ``config``)."""


@dataclass(frozen=True)
class HistoryArgs:
    limit: int = 20


@dataclass(frozen=True)
class JobArgs:
    """A job id, or an unambiguous prefix of one (such as the 8 letters in a file name)."""

    job: str


@dataclass(frozen=True)
class MaybeJobArgs:
    """An optional job id (or client request id, or prefix): None means every one."""

    job: str | None = None


@dataclass(frozen=True)
class DemoArgs:
    on: bool


@dataclass(frozen=True)
class ModelsArgs:
    """``%veo models [--refresh]``: the family, or (``refresh``) as the API's schemas say now."""

    refresh: bool = False


@dataclass(frozen=True)
class DoctorArgs:
    """``%veo doctor [--live --budget USD]``: the free checks, or also one paid generation."""

    live: bool = False
    budget: float | None = None


#: Flags of %%veo itself (not of the request).
_CELL_ONLY = ("out", "name", "background", "embed", "timeout", "takes", "seconds")


def _generate_parser() -> _Parser:
    """Every input and option flag comes from the option schema (``_options``); each says
    that its default is the chosen model's unless ``VeoMagics`` config sets one."""
    p = _Parser(prog="%%veo", add_help=False, description="Generate a video: the cell body is the prompt.")
    takes = takes_argument()  # `%%veo -n 4` is four takes: -n is not --negative-prompt here
    for spec in argument_specs():
        kwargs = dict(spec.kwargs)
        if spec.dest not in _INPUT_NAMES and spec.dest != "model":
            text = str(kwargs.get("help", ""))
            lead = "config" if "default" in text.lower() else "default: the model's; config"
            kwargs["help"] = f"{text} ({lead}: VeoMagics.{spec.dest})"
        p.add_argument(*[flag for flag in spec.flags if flag not in takes.flags], **kwargs)
    p.add_argument("--out", "-o", help="a file or folder for the video (default: VeoMagics.output_dir)")
    p.add_argument("--name", help="also store the Job in this variable")
    p.add_argument("--background", "-b", action="store_true", help="return at once; the output keeps updating")
    p.add_argument("--embed", action="store_true", help="embed the video bytes in the notebook")
    p.add_argument("--timeout", type=positive_seconds, help="seconds to wait, more than 0 (default: VeoMagics.timeout)")
    p.add_argument(*takes.flags, **takes.kwargs)
    p.add_argument(
        "--seconds", type=positive_seconds, help="the clip's length; past the longest one generation makes (8 s), a long take: "
        "a first clip, then 7 s extends of the whole (15, 22, ... 148 s)",
    )  # fmt: skip
    return p


_GENERATE = _generate_parser()


def _split(line: str, prog: str) -> list[str]:
    try:
        return shlex.split(line)  # POSIX rules: quotes group words and are removed
    except ValueError as exc:
        raise UsageError(f"{prog}: {exc} in the options line") from None


def parse_cell(line: str) -> GenerateArgs:
    """``%%veo``'s first line, as typed (before ``{name}`` expansion)."""
    values = vars(_GENERATE.parse_args(_split(line, "%%veo")))
    options = {name: values.pop(name) for name in list(values) if name in OPTION_NAMES and values[name] is not None}
    for name in list(values):
        if name in OPTION_NAMES:
            values.pop(name)
    values["reference_images"] = tuple(values.get("reference_images") or ())
    return GenerateArgs(options=options, **values)


def cell_help() -> str:
    return _GENERATE.format_help()


# ---------------------------------------------------------------- {name} expansion


class _Namespace(Mapping[str, Any]):
    """The user's namespace for ``{name}`` expansion, with a clear error for unknown names."""

    def __init__(self, ns: Mapping[str, Any]) -> None:
        self.ns = ns

    def __getitem__(self, key: str) -> Any:
        try:
            return self.ns[key]
        except KeyError:
            raise UsageError(f"{{{key}}}: no variable named {key!r} in this notebook") from None

    def __iter__(self) -> Any:
        return iter(self.ns)

    def __len__(self) -> int:
        return len(self.ns)


def expand(text: str, ns: Mapping[str, Any]) -> str:
    """``{name}``, ``{name.attr}``, ``{name[0]}`` from ``ns``; ``{{`` is a literal brace."""
    try:
        return string.Formatter().vformat(text, (), _Namespace(ns))
    except UsageError:
        raise
    except (ValueError, IndexError, AttributeError, KeyError, TypeError) as exc:
        raise UsageError(f"cannot expand {text!r}: {exc}") from None


def expand_value(text: str, ns: Mapping[str, Any]) -> Any:
    """An option value: exactly ``{name}`` gives the object itself (a PIL image, bytes, a
    Path); anything else is expanded as text."""
    stripped = text.strip()
    if stripped.startswith("{") and stripped.endswith("}") and stripped.count("{") == 1:
        name = stripped[1:-1].strip()
        if name.isidentifier():
            return _Namespace(ns)[name]
    return expand(text, ns)


# ---------------------------------------------------------------- %veo <sub>


def _history(words: Sequence[str]) -> HistoryArgs:
    if not words:
        return HistoryArgs()
    if len(words) == 1 and words[0].isdigit():
        return HistoryArgs(int(words[0]))
    raise UsageError(f"%veo history [N]: N is how many jobs to list, not {' '.join(words)!r}")


def _job(name: str) -> Callable[[Sequence[str]], JobArgs]:
    def parse(words: Sequence[str]) -> JobArgs:
        if len(words) != 1:
            raise UsageError(f"%veo {name} ID: give exactly one job id or its first letters (see %veo history)")
        return JobArgs(words[0])

    return parse


def _maybe_job(words: Sequence[str]) -> MaybeJobArgs:
    if len(words) > 1:
        raise UsageError("%veo reconcile [ID]: one id at most (none: every unconfirmed create)")
    return MaybeJobArgs(words[0] if words else None)


@dataclass(frozen=True)
class AuditArgs:
    since: str | None = None


def _audit(words: Sequence[str]) -> AuditArgs:
    if not words:
        return AuditArgs()
    if len(words) == 2 and words[0] == "--since":
        return AuditArgs(words[1])
    raise UsageError("%veo audit [--since 7d]: a span back (7d, 24h, 90m) or a date; default 7d")


def _demo(words: Sequence[str]) -> DemoArgs:
    if list(words) not in (["on"], ["off"]):
        raise UsageError("%veo demo on|off")
    return DemoArgs(words[0] == "on")


def _models(words: Sequence[str]) -> ModelsArgs:
    if list(words) not in ([], ["--refresh"]):
        raise UsageError("%veo models [--refresh]: --refresh reads each model's schema from the API's catalogue")
    return ModelsArgs(bool(words))


def _doctor(words: Sequence[str]) -> DoctorArgs:
    usage = "%veo doctor [--live --budget USD]: --live sends one cheapest generation, at most USD"
    if not words:
        return DoctorArgs()
    if len(words) != 3 or words[0] != "--live" or words[1] != "--budget":
        raise UsageError(usage)
    try:
        budget = float(words[2])
    except ValueError:
        raise UsageError(usage) from None
    if not math.isfinite(budget) or budget <= 0:
        raise UsageError(usage)
    return DoctorArgs(True, budget)


def _none(name: str) -> Callable[[Sequence[str]], NoArgs]:
    def parse(words: Sequence[str]) -> NoArgs:
        if words:
            raise UsageError(f"%veo {name} takes no arguments")
        return NoArgs()

    return parse


#: Each subcommand: (how to parse its words, one line of help).
SUBCOMMANDS: dict[str, tuple[Callable[[Sequence[str]], Any], str]] = {
    "panel": (_none("panel"), "open the panel, sharing this notebook's client"),
    "history": (_history, "the latest N jobs (default 20), with what to do about unwatched ones"),
    "status": (_job("status"), "ask the API for a job's state (an id or its first letters)"),
    "resume": (_job("resume"), "wait for a job and show its video (an id or its first letters)"),
    "config": (_none("config"), "where jobs go, which server, and the defaults"),
    "demo": (_demo, "on|off: the built-in emulator, or the real API with AIMLAPI_KEY"),
    "models": (
        _models,
        "the Veo family: each model's mode, lengths and sizes; --refresh: as the API's schemas say now (kept a day)",
    ),
    "doctor": (_doctor, "free checks of the key, balance, catalogue, logs and clock; --live --budget USD: one paid"),
    "gallery": (_none("gallery"), "every clip this machine made, as a grid to play, re-run and stitch"),
    "reconcile": (_maybe_job, "[ID]: find creates whose answer was lost, in the API's usage logs"),
    "audit": (_audit, "[--since 7d]: every charge of the account against this machine's videos"),
}


def line_help() -> str:
    width = max(map(len, SUBCOMMANDS))
    return "\n".join(f"%veo {name:<{width}}  {text}" for name, (_, text) in SUBCOMMANDS.items())


def parse_line(line: str) -> tuple[str, Any]:
    """``%veo <sub> ...`` -> the subcommand and its typed arguments."""
    words = _split(line, "%veo")
    if not words:
        raise UsageError(line_help())
    name, rest = words[0], words[1:]
    if name not in SUBCOMMANDS:
        raise UsageError(f"%veo: unknown command {name!r}; one of:\n{line_help()}")
    parse, _ = SUBCOMMANDS[name]
    return name, parse(rest)
