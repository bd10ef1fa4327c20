"""The ``veo`` command (``[project.scripts]``: ``veo_widgets.cli:main``).

This module is what the console script imports first, so it stays tiny: the command and
everything under it (the client, httpx, Pillow, SQLite, PyAV) load inside ``main``'s
handler, and Ctrl-C at any moment, imports included, is one line and exit code 130.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["build_parser", "main"]

#: What Ctrl-C prints, on a line of its own (after the terminal's ``^C``).
INTERRUPTED = "\nveo: interrupted"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``veo`` command; its exit code (130 after Ctrl-C)."""
    try:
        from ._main import main as run  # a second of imports: inside the handler, for Ctrl-C

        return run(argv)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130


def __getattr__(name: str) -> Any:
    if name == "build_parser":  # the parser, for tools that document the command
        from ._main import build_parser

        return build_parser
    raise AttributeError(f"module 'veo_widgets.cli' has no attribute {name!r}")
