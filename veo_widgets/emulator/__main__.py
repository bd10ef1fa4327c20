"""``python -m veo_widgets.emulator --port 8765``: serve the emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ..schema._openapi import model_id_of, request_schema
from ._faults import ALL_FAULTS, Fault
from ._jobs import Timing
from ._links import DEFAULT_TTL
from ._server import Emulator


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="veo emulator", description="Serve a local AI/ML API for Veo 3 Fast.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


def _port(text: str) -> int:
    """``--port``: a TCP port number (the socket would raise OverflowError past 65535)."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"a port is a whole number from 0 to 65535, not {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    """``--seconds``: how long a job takes, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"seconds per job are a number, 0 or more, not {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    parser.add_argument("--port", type=_port, default=8765, help="0 to 65535; 0 picks a free one (default: 8765)")
    parser.add_argument("--api-key", help="the key clients must send (default: a fresh random one)")
    parser.add_argument("--seconds", type=_seconds, help="seconds per job (default: realistic, about a minute)")
    parser.add_argument("--id-style", choices=("colon", "uuid", "nanoid"), default="colon")
    parser.add_argument(
        "--result-ttl",
        type=float,
        default=DEFAULT_TTL,
        help=f"seconds a result link lives (default: {DEFAULT_TTL:g}, as the docs' signed links; 0: forever)",
    )
    parser.add_argument(
        "--status",
        action="append",
        default=[],
        metavar="STATE=WORD",
        help="spell a state another way in every answer, e.g. completed=succeeded, generating=processing",
    )
    parser.add_argument("--state-dir", help="keep jobs and videos here across restarts")
    parser.add_argument("--log-lag", type=float, default=0.0, help="seconds before a create shows in /v2/logs")
    parser.add_argument("--balance", type=float, default=1_000_000.0, help="the simulated account's balance in USD")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND[@ENDPOINT]",
        help=f"inject a fault into every matching request; kinds: {', '.join(ALL_FAULTS)}, status:WORD",
    )
    parser.add_argument(
        "--model-schema",
        action="append",
        default=[],
        metavar="FILE",
        help="serve and check a model by this JSON schema (its OpenAPI file or request schema): a model of "
        "the family gets it as its new schema, any other is listed as a new Veo model",
    )


def apply_schemas(emu: Emulator, paths: Sequence[str]) -> str | None:
    """Give ``emu`` each file's model schema (changed or added); the first problem, or None."""
    for path in paths:
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return f"cannot read {path}: {exc}"
        schema = request_schema(document) or document
        model = model_id_of(schema) if isinstance(schema, dict) else None
        if model is None or "prompt" not in schema.get("properties", {}):
            return f"{path} holds no video create schema (properties with model and prompt)"
        if emu.app.family.find(model) is not None:
            emu.change_schema(model, schema)
        else:
            emu.add_model(schema)
    return None


def run(args: argparse.Namespace) -> int:
    faults = []
    for spec in args.fault:
        kind, _, endpoint = spec.partition("@")
        try:
            faults.append(Fault(kind, endpoint=endpoint or "any", times=None))
        except ValueError as exc:
            print(f"veo emulator: {exc}", file=sys.stderr)
            return 2
    timing = Timing.fixed(args.seconds) if args.seconds is not None else None
    statuses = dict(spec.partition("=")[::2] for spec in args.status)
    if args.state_dir is not None:
        try:  # made here, so that a folder it cannot make is not reported as a port it cannot bind
            Path(args.state_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            print(
                f"veo emulator: cannot use {args.state_dir} as the state folder: {exc.strerror or exc}", file=sys.stderr
            )
            return 2
    try:
        emu = Emulator(
            statuses=statuses,
            host=args.host,
            port=args.port,
            api_key=args.api_key,
            timing=timing,
            id_style=args.id_style,
            result_ttl=args.result_ttl or None,
            state_dir=args.state_dir,
            faults=faults,
            log_lag=args.log_lag,
            balance_usd=args.balance,
        )
    except ValueError as exc:  # a --status that names no state, or spells another one
        print(f"veo emulator: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"veo emulator: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    problem = apply_schemas(emu, args.model_schema)
    if problem is not None:
        emu.close()
        print(f"veo emulator: {problem}", file=sys.stderr)
        return 2
    print(f"AI/ML API emulator listening on {emu.url}", flush=True)
    print(f"  AIMLAPI_BASE_URL={emu.url}  AIMLAPI_KEY={emu.api_key}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        emu.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
