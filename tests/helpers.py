"""Helpers shared by the test modules."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import av
import httpx
import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from PIL import Image

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.emulator._render import encode
from veo_widgets.notebook.magics import VeoMagics
from veo_widgets.notebook.panel._panel import Panel
from veo_widgets.protocol._flows import Outcome, Send, Sleep, Step

T = TypeVar("T")


def use_emulator(monkeypatch: pytest.MonkeyPatch, emu: Emulator) -> None:
    """Point the environment's key and base URL at ``emu``, as a person with a key sets them."""
    monkeypatch.setenv("AIMLAPI_KEY", emu.api_key)
    monkeypatch.setenv("AIMLAPI_BASE_URL", emu.url)


#: One HTTP client for the tests' own requests: ``httpx.get`` makes a client per call, and
#: each loads the CA bundle (about 50 ms). No keep-alive: each emulator a test starts is new.
HTTP = httpx.Client(timeout=30, limits=httpx.Limits(max_keepalive_connections=0))

#: The example image the README and the `veo` command use.
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "lighthouse.jpg"

#: The options every ``%%veo`` help text names (the parser's and the magic's docstring).
CELL_FLAGS = (
    "--image",
    "--aspect-ratio",
    "--resolution",
    "--duration",
    "--seed",
    "--negative-prompt",
    "--no-audio",
    "--no-enhance",
    "--model",
    "--out",
    "--name",
    "--background",
    "--embed",
    "--takes",
)


def response(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers=headers or {}, request=httpx.Request("GET", "http://x"))


@contextmanager
def faults_cleared(emu: Emulator) -> Iterator[Emulator]:
    """``emu`` with no faults set, before and after the test that uses it."""
    emu.clear_faults()
    try:
        yield emu
    finally:
        emu.clear_faults()


def own_emulator(name: str, **options: Any) -> tuple[Any, Any]:
    """Fixtures for a module's own emulator: ``Emulator(**options)`` started once for the
    module (as ``<name>_server``), and the fixture ``name`` giving it with its faults cleared
    around each test. Assign both in the module: ``_server, emu = own_emulator("emu", ...)``.
    It renders drafts unless ``draft=False`` is given."""
    server_name = f"{name}_server"
    options.setdefault("draft", True)

    @pytest.fixture(scope="module", name=server_name)
    def server() -> Iterator[Emulator]:
        with Emulator(**options) as emu:
            yield emu

    @pytest.fixture(name=name)
    def cleared(request: pytest.FixtureRequest) -> Iterator[Emulator]:
        with faults_cleared(request.getfixturevalue(server_name)) as emu:
            yield emu

    return server, cleared


def until(check: Callable[[], object]) -> None:
    """Wait for ``check()`` to come true (a panel updating from its threads, a charge landing
    in a ledger). No clock of its own: on a loaded machine the event may be long in coming;
    the test's timeout (pytest-timeout) bounds the wait and its traceback shows this line."""
    while not check():
        time.sleep(0.02)


def drive(
    flow: Generator[Step, Outcome, T],
    answer: Callable[[Send], Outcome] | list[Outcome],
    now: list[float] | None = None,
) -> tuple[T, list[Send]]:
    """Run a protocol flow to its end with no I/O: every ``Send`` is answered by ``answer``
    (a function of the request, or the next of a list), every ``Sleep`` moves the fake
    clock ``now[0]`` on. Returns what the flow returned and the requests it sent."""
    answers = answer if isinstance(answer, list) else None
    sends: list[Send] = []
    try:
        step = next(flow)
        for _ in range(100_000):
            if isinstance(step, Sleep):
                assert step.seconds >= 0
                if now is not None:
                    now[0] += step.seconds
                step = flow.send(None)
                continue
            assert isinstance(step, Send), step
            sends.append(step)
            step = flow.send(answers.pop(0) if answers is not None else answer(step))  # type: ignore[operator]
    except StopIteration as done:
        return done.value, sends
    raise AssertionError("the flow never ended")


class Holding:
    """A transport in front of ``inner`` that holds every create POST open until ``release``
    is set (``arrived`` is set when one is being held), for interrupt and cancel tests.
    ``sync()`` and ``asynchronous()`` give the transport for each client flavour."""

    def __init__(self, inner: httpx.MockTransport) -> None:
        import threading

        self.inner = inner
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.requests: list[httpx.Request] = []

    def _held(self, request: httpx.Request) -> bool:
        self.requests.append(request)
        if request.method != "POST":
            return False
        self.arrived.set()
        return True

    def sync(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            if self._held(request):
                self.release.wait(20)
            return self.inner.handler(request)  # type: ignore[no-any-return]

        return httpx.MockTransport(handler)

    def asynchronous(self) -> httpx.MockTransport:
        import asyncio

        async def handler(request: httpx.Request) -> httpx.Response:
            if self._held(request):
                for _ in range(2000):
                    if self.release.is_set():
                        break
                    await asyncio.sleep(0.01)
            return self.inner.handler(request)  # type: ignore[no-any-return]

        return httpx.MockTransport(handler)


_PACKAGE = str(Path(veo.__file__).resolve().parent)


def _in_package(frame: Any) -> bool:
    return str(Path(frame.f_code.co_filename).resolve()).startswith(_PACKAGE)


def main_thread_in(name: str, *, blocked: bool = False) -> bool:
    """Whether the main thread is running inside the veo_widgets function ``name`` (with
    ``blocked``: waiting in code below it that is not the package's, such as an Event)."""
    import sys
    import threading

    frame = sys._current_frames().get(threading.main_thread().ident or 0)
    if frame is None or (blocked and _in_package(frame)):
        return False
    while frame is not None:
        if frame.f_code.co_name == name and _in_package(frame):
            return True
        frame = frame.f_back
    return False


#: Which test's call phase is running (set by ``conftest``): a simulated Ctrl-C is pressed
#: only while the test that asked for it still runs, never into a later one.
RUNNING_TEST: dict[str, str | None] = {"id": None}
#: When a test helper pressed Ctrl-C (see ``conftest``: one that escapes fails that test
#: instead of stopping the whole run).
SIMULATED_CTRL_C: list[float] = []


def ctrl_c(owner: str | None, *, interrupt_main: bool = False) -> bool:
    """Press Ctrl-C in the main thread (SIGINT, or ``_thread.interrupt_main`` as IPython's
    kernel does) if the test ``owner`` is still running; whether it was pressed."""
    import _thread
    import signal
    import threading
    import time

    if owner is None or RUNNING_TEST["id"] != owner:
        return False
    SIMULATED_CTRL_C.append(time.monotonic())
    if interrupt_main:
        _thread.interrupt_main()
    else:
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
    return True


def ready_in_time(ready: Callable[[], object], owner: str | None) -> bool:
    """Poll ``ready()`` from a background thread: True once it holds; False once the test
    ``owner`` has ended (so nothing it was waiting to do lands later). No clock of its own:
    on a loaded machine the event may be long in coming, and the test's timeout bounds it."""
    while not ready():
        if RUNNING_TEST["id"] != owner:
            return False
        time.sleep(0.01)
    return True


def press_ctrl_c(
    holding: Holding, presses: int = 1, release_after: float | None = 0.3, inside: str | None = None
) -> None:
    """Once ``holding`` holds a create, press Ctrl-C ``presses`` times (SIGINT to the main
    thread, as a person interrupts a cell), then let the create answer ``release_after``
    seconds later (None: never). With ``inside``, the first press waits until the main
    thread is inside a veo_widgets function of that name (a person presses Ctrl-C while the
    cell waits, not before the test reached the wait). Runs in the background."""
    import threading

    owner = RUNNING_TEST["id"]

    def ready() -> bool:
        return holding.arrived.is_set() and (inside is None or main_thread_in(inside, blocked=True))

    def press() -> None:
        if not ready_in_time(ready, owner):
            holding.release.set()  # the test ended first: let its create go
            return
        for n in range(presses):
            if n:
                time.sleep(0.2)
            if not ctrl_c(owner):
                return
        if release_after is not None:
            threading.Timer(release_after, holding.release.set).start()

    threading.Thread(target=press, daemon=True).start()


# ---------------------------------------------------------------- %%veo in a shell


def magics_of(shell: InteractiveShell) -> VeoMagics:
    return next(c for c in shell.configurables if isinstance(c, VeoMagics))


def run(ip: InteractiveShell, cell: str) -> Any:
    result = ip.run_cell(cell)
    if result.error_in_exec is not None:
        raise result.error_in_exec
    return result.result


def shown_html(widget: Any) -> str:
    """Every HTML value in ``widget`` and the widgets inside it: what its front end is sent
    (the panel's stylesheet and key hooks included)."""
    import ipywidgets as w

    parts = [widget.value] if isinstance(widget, w.HTML) else []
    parts += [shown_html(child) for child in getattr(widget, "children", ())]
    return "".join(parts)


def html_of(cap: Any) -> str:
    return "".join(o.data.get("text/html", "") for o in cap.outputs)


# ---------------------------------------------------------------- small video clips

RED, GREEN, BLUE = (220, 30, 30), (30, 200, 30), (30, 30, 220)


def rendered(path: Path, color: tuple[int, int, int], size: tuple[int, int], seconds: int, audio: bool = True) -> Path:
    """A clip the emulator would render from a plain image (short and small)."""
    encode(
        Image.new("RGB", size, color),
        path,
        width=size[0],
        height=size[1],
        duration=seconds,
        seed=3,
        audio=audio,
        label=None,
    )
    return path


def handmade(
    path: Path,
    colors: Sequence[tuple[int, int, int]],
    *,
    fps: int = 24,
    size: tuple[int, int] = (160, 96),
    gop: int = 12,
    tone: bool = False,
    faststart: bool = False,
) -> Path:
    """A clip with exactly these frame colours (and an optional 440 Hz tone); ``faststart``
    puts its index first, as a web host's clip has it (read over HTTP without ranges)."""
    with av.open(str(path), "w", options={"movflags": "+faststart"} if faststart else {}) as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
        video.codec_context.gop_size = gop
        sound = out.add_stream("aac", rate=44_100) if tone else None
        for i, color in enumerate(colors):
            frame = av.VideoFrame.from_ndarray(np.full((size[1], size[0], 3), color, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode())
        if sound is not None:
            n = round(len(colors) / fps * 44_100)
            wave = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / 44_100)).astype(np.float32).reshape(1, -1)
            for start in range(0, n, 1024):
                chunk = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(wave[:, start : start + 1024]), format="fltp", layout="mono"
                )
                chunk.sample_rate, chunk.pts, chunk.time_base = 44_100, start, Fraction(1, 44_100)
                out.mux(sound.encode(chunk))
            out.mux(sound.encode())
    return path


def hosted_clip(
    emu: Emulator, folder: Path, *, seconds: float = 2, fps: int = 24, size: tuple[int, int] = (160, 90)
) -> str:
    """The http URL of a clip ``emu`` serves on 127.0.0.1 (its index first, as a web
    host's clip has it): a video to extend given as a link."""
    name = f"clip-{seconds:g}s-{fps}fps-{size[0]}x{size[1]}.mp4"
    frames = [(90, 90, 90), (150, 150, 150)] * round(seconds * fps / 2)
    clip = handmade(folder / name, frames, fps=fps, size=size, faststart=True)
    return emu.host_asset(name, clip.read_bytes(), "video/mp4")


# ---------------------------------------------------------------- a gallery's journal

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


#: The gallery tests' ``clips`` (three one-second 256x144 renders); a module takes it with
#: ``from .helpers import gallery_clips``, in place of conftest's ``clips``.
@pytest.fixture(scope="module", name="clips")
def gallery_clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("clips")
    paths = []
    for i, colour in enumerate([(200, 40, 40), (40, 200, 40), (40, 40, 200)]):
        path = folder / f"clip{i}.mp4"
        encode(Image.new("RGB", (256, 144), colour), path, width=256, height=144, duration=1, seed=i, label=None)
        paths.append(path)
    return paths


def journal_with(tmp_path: Path, clips: list[Path], failed: int = 0, extra: int = 0) -> veo.Journal:
    journal = veo.Journal(tmp_path / "journal.sqlite3")
    for i, source in enumerate(clips):
        path = tmp_path / f"saved{i}.mp4"
        path.write_bytes(source.read_bytes())
        request = {"prompt": f"clip {i} of the coast", "model": "google/veo-3.0-i2v-fast", "duration": 4}
        journal.record(veo.Job(f"job-{i}", "completed", path=path, request=request, created_at=T0 + timedelta(hours=i)))
    for i in range(failed):
        request = {"prompt": f"failed shot {i}", "model": "google/veo-3.0-i2v"}
        when = T0 - timedelta(hours=i + 1)
        journal.record(veo.Job(f"bad-{i}", "error", error="blocked", request=request, created_at=when))
    for i in range(extra):
        request = {"prompt": f"old shot {i}"}
        when = T0 - timedelta(days=1, minutes=i)
        journal.record(veo.Job(f"old-{i}", "completed", path=tmp_path / "gone.mp4", request=request, created_at=when))
    return journal


# ---------------------------------------------------------------- a panel


def make(client: veo.Client, image: object, **kwargs: object) -> Panel:
    return Panel(prompt="the lighthouse beam sweeps", image=image, duration=4, seed=1, client=client, **kwargs)


def statuses_of(panel: Panel) -> list[str]:
    """What each card's badge says, as a person reads it."""
    return [card.badge.value.split('data-status="')[1].split('"')[0] for card in panel.cards]


def played(panel: Panel) -> str:
    return "".join(o["data"].get("text/html", "") for o in panel.player.outputs)


def upload(panel: Panel, data: bytes, name: str = "photo.jpg") -> None:
    """What the browser sends when a person picks a file with the upload button."""
    item: dict[str, Any] = {
        "name": name,
        "type": "image/jpeg",
        "size": len(data),
        "content": memoryview(data),
        "last_modified": datetime.now(timezone.utc),
    }
    panel.upload.value = (item,)


def enter_key(panel: Panel, key: str) -> None:
    """What the browser sends when a person types a key and presses Enter in the key field:
    the field's "submit" message, then its value."""
    panel.api_key._handle_msg(
        {"content": {"data": {"method": "custom", "content": {"event": "submit"}}}, "buffers": []}
    )
    panel.api_key.value = key
