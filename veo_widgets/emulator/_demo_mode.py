"""Demo mode's emulator: one per process, its address and key there at once, the server
itself started on a thread (``_server`` puts an emulator on a socket)."""

from __future__ import annotations

import secrets
import socket
import sys
import threading
import time
from pathlib import Path

from .._config import data_dir
from ._env import env_seconds
from ._jobs import Timing
from ._server import BACKLOG, Emulator

__all__ = ["DEMO_KEEP_DAYS", "demo_address", "demo_emulator"]

_demo: Emulator | None = None
_demo_start: _DemoStart | None = None
_demo_lock = threading.Lock()


class _DemoStart:
    """The demo emulator's address and key, there at once (its socket bound and listening),
    while the emulator itself starts on a thread: its renderer's modules (PyAV, NumPy) take a
    second or more to import, and a panel need not wait for them. A request sent meanwhile
    waits in the socket's backlog until the emulator serves it."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=BACKLOG)
        host, port = self.listener.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        self.api_key = "emu-" + secrets.token_hex(16)
        self.done = threading.Event()
        self.error: BaseException | None = None


def demo_address() -> tuple[str, str]:
    """The URL and key of the process's demo-mode emulator, at once: the emulator starts in
    the background if it is not running yet (``demo_emulator()`` waits for it)."""
    with _demo_lock:
        if _demo is not None:
            return _demo.url, _demo.api_key
        start = _begin_demo()
    return start.url, start.api_key


def demo_emulator() -> Emulator:
    """The process's demo-mode emulator, started on first use.

    Its jobs live under ``<data dir>/demo`` so that a job submitted before a kernel restart
    can still be resumed and downloaded after it. ``VEO_DEMO_SECONDS`` sets how long a demo
    job takes (default 12 s: Veo's fastest, so a demo does not keep anyone waiting);
    ``VEO_DEMO_LOG_LAG`` how long a create takes to show in its usage logs (default 0).
    """
    with _demo_lock:
        if _demo is not None:
            return _demo
        start = _begin_demo()
    start.done.wait()
    if _demo is None:
        raise RuntimeError(f"demo mode's emulator did not start: {start.error}") from start.error
    return _demo


def _begin_demo() -> _DemoStart:
    """The demo emulator's start under way, begun now if need be (``_demo_lock`` held)."""
    global _demo_start
    if _demo_start is None:
        _demo_start = _DemoStart()
        threading.Thread(target=_run_demo, args=(_demo_start,), name="veo-demo-start", daemon=True).start()
    return _demo_start


def _run_demo(start: _DemoStart) -> None:
    global _demo, _demo_start
    try:
        seconds = env_seconds("VEO_DEMO_SECONDS", 12.0)
        state = data_dir() / "demo"
        _prune(state, DEMO_KEEP_DAYS * 86400)
        lag = env_seconds("VEO_DEMO_LOG_LAG", 0.0)
        emulator = Emulator(
            state_dir=state, timing=Timing.fixed(seconds), log_lag=lag, api_key=start.api_key, listen=start.listener
        )
    except Exception as exc:  # requests are refused at once instead of waiting; said once, here
        start.listener.close()
        start.error = exc
        print(f"veo_widgets: demo mode's emulator did not start: {exc}", file=sys.stderr)
        with _demo_lock:
            _demo_start = None  # the next client tries again
    else:
        with _demo_lock:
            _demo, _demo_start = emulator, None
    finally:
        start.done.set()


#: Demo-mode jobs, inputs and renders are kept this long, then pruned at the next start.
DEMO_KEEP_DAYS = 7


def _prune(state: Path, max_age: float) -> None:
    """Delete demo state older than ``max_age`` seconds, so demo mode never fills a disk."""
    cutoff = time.time() - max_age
    for folder in ("jobs", "inputs", "files"):
        for entry in (state / folder).glob("*") if (state / folder).is_dir() else []:
            try:
                if entry.stat().st_mtime < cutoff:
                    entry.unlink()
            except OSError:
                pass
