"""Shared fixtures: an isolated home per test, an emulator, and each client flavour."""

from __future__ import annotations

import asyncio
import io
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from IPython.core.interactiveshell import InteractiveShell
from PIL import Image

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.protocol import _flows as flows
from veo_widgets.protocol import _schedule as schedule
from veo_widgets.schema._family import restore_builtin

from .helpers import BLUE, GREEN, RED, RUNNING_TEST, SIMULATED_CTRL_C, faults_cleared, magics_of, rendered

SENTINEL_KEY = "sk-SENTINEL-not-a-real-key-0123456789"


@pytest.fixture(scope="session", autouse=True)
def shell() -> object:
    """One IPython shell, made on the main thread: display formatting from the panel's
    worker threads would otherwise create it on theirs."""
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A simulated Ctrl-C (``helpers.press_ctrl_c``) that escapes the code under test fails
    that test; left alone, pytest would take it for the person at the terminal and stop
    the whole run (under xdist, the worker and the session with it)."""
    pressed = len(SIMULATED_CTRL_C)
    RUNNING_TEST["id"] = item.nodeid  # a press asked for by this test lands only in it
    try:
        return (yield)
    except KeyboardInterrupt as escaped:
        if len(SIMULATED_CTRL_C) == pressed:
            raise  # a real Ctrl-C: stop, as asked
        pytest.fail(f"a simulated Ctrl-C escaped the code under test: {escaped!r}", pytrace=True)
    finally:
        RUNNING_TEST["id"] = None


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C raises KeyboardInterrupt in every worker, as in a person's terminal. A suite
    started in the background by a shell without job control (``pytest &`` in a script)
    inherits SIGINT *ignored*, and Python then leaves it ignored: every test that presses
    Ctrl-C would fail with "DID NOT RAISE"."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


SIGINT_AT_SETUP = pytest.StashKey[object]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    item.stash[SIGINT_AT_SETUP] = signal.getsignal(signal.SIGINT)
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """A test that leaves Ctrl-C handled otherwise than it found it errors, by name, and the
    handler is put back: left alone, every later test of its worker that presses Ctrl-C
    would fail for it, far from the cause."""
    result = yield
    before = item.stash.get(SIGINT_AT_SETUP, None)
    after = signal.getsignal(signal.SIGINT)
    if before is not None and after is not before:
        signal.signal(signal.SIGINT, before)  # type: ignore[arg-type]
        raise AssertionError(f"this test left Ctrl-C (SIGINT) handled by {after!r}, not {before!r}")
    return result


#: The files that take longest (browsers, kernels, mypy), longest first: the suite runs them
#: first (pyproject's ``--no-loadscope-reorder``), so that no worker is left finishing a long
#: one at the end. Measured with ``--durations=0`` on the 2-core machine (README, Development).
LONGEST_FIRST = (
    "integration/test_browser.py",
    "integration/test_lab_panel.py",
    "integration/test_notebooks.py",
    "integration/test_gallery.py",
    "reliability/test_faults.py",
    "emulator/test_render.py",
    "integration/test_lab_takes.py",
    "notebook/test_magics.py",
    "client/test_client.py",
    "integration/test_audit_chart.py",
    "studio/test_storyboard.py",
    "reliability/test_secrets.py",
    "reliability/test_lost_answers.py",
    "test_quality.py",
)
#: Files whose tests share costly servers (JupyterLab, Notebook 7, Voila and Chromium, each
#: started once per worker on first use): each runs whole on one worker (pyproject's
#: ``--dist loadgroup``). Every other test goes to whichever worker is free, one at a time:
#: most of them wait on an emulator's clock rather than use a core, and a file run whole on
#: one worker (77 fault cases, say) would be the suite's longest pole.
GROUPED = frozenset(
    {
        "integration/test_browser.py",
        "integration/test_lab_panel.py",
        "integration/test_gallery.py",
        "integration/test_lab_takes.py",
        "integration/test_audit_chart.py",
        "integration/test_voila_first_paint.py",
    }
)


@pytest.hookimpl(tryfirst=True)  # before xdist's worker reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The files of ``LONGEST_FIRST`` in its order, then the others, most tests first (as
    xdist orders them by default); each file's tests keep their order. Each file of
    ``GROUPED`` is one group for xdist."""
    tests = Path(__file__).parent
    files: dict[str, list[pytest.Item]] = {}
    for item in items:
        files.setdefault(item.path.relative_to(tests).as_posix() if item.path.is_relative_to(tests) else "", []).append(
            item
        )

    def rank(name: str) -> tuple[int, int]:
        place = LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
        return place, -len(files[name])

    for name, grouped in files.items():
        if name in GROUPED:
            for item in grouped:
                item.add_marker(pytest.mark.xdist_group(name))
    items[:] = [item for name in sorted(files, key=rank) for item in files[name]]


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test sees the real journal, the real key, or writes videos into the checkout."""
    for name in ("AIMLAPI_KEY", "AIML_API_KEY", "AIMLAPI_BASE_URL", "VEO_DEMO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VEO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VEO_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("VEO_DEMO_SECONDS", "1")
    # Emulators made in a test, demo mode's and the kernels' a test starts render drafts:
    # the same size, length and streams as demo mode's clips, made in a fraction of the time.
    monkeypatch.setenv("VEO_EMULATOR_DRAFT", "1")
    return tmp_path


@pytest.fixture(autouse=True)
def builtin_family() -> Iterator[None]:
    """Each test ends with the package's own model table: a refresh installs the specs it
    read for the whole process."""
    yield
    restore_builtin()


def image_bytes(
    size: tuple[int, int] = (640, 360), fmt: str = "PNG", color: tuple[int, int, int] = (30, 120, 200)
) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, fmt)
    return buf.getvalue()


@pytest.fixture
def image_file(tmp_path: Path) -> Path:
    path = tmp_path / "input.png"
    path.write_bytes(image_bytes())
    return path


#: Arguments that keep renders short and shared (same seed, same image: one render).
FAST = {"duration": 4, "seed": 1}
#: A poll schedule for jobs that take about a second.
QUICK_POLLS = schedule.PollSchedule(schedule.DurationModel(median=0.8, sigma=0.5), first_poll=0.1, min_interval=0.05)


@pytest.fixture(scope="session")
def session_emulator() -> Iterator[Emulator]:
    with Emulator(timing=0.2, seed=7, draft=True) as emu:
        yield emu


@pytest.fixture
def emulator(session_emulator: Emulator) -> Iterator[Emulator]:
    """A fast emulator (jobs take half a second, videos are drafts) on a real loopback port,
    shared by the session so that identical renders are made once; faults are cleared
    around each test."""
    with faults_cleared(session_emulator) as emu:
        yield emu


@pytest.fixture
def panel_client(emulator: Emulator) -> Iterator[veo.Client]:
    """A client of the shared emulator with quick polls, for the panel's tests."""
    client = veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS)
    yield client
    client.close()


class Counting(httpx.MockTransport):
    """The emulator's transport, counting every request that reaches it."""

    def __init__(self, emu: Emulator, before: Callable[[httpx.Request], httpx.Response | None] | None = None) -> None:
        inner = emu.transport()
        self.requests: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            if before is not None:
                early = before(request)
                if early is not None:
                    return early
            return inner.handler(request)  # type: ignore[no-any-return]

        super().__init__(handler)


class Flavour:
    """Drives a Client or an AsyncClient with the same blocking calls, so each client test
    runs on both."""

    def __init__(self, kind: str, emu: Emulator, transport: httpx.MockTransport | None = None, **kwargs: Any) -> None:
        self.kind = kind
        self.transport = transport or Counting(emu)
        retry = kwargs.pop("retry", flows.RetryPolicy(base=0.01, cap=0.05))
        kwargs.setdefault("schedule", QUICK_POLLS)
        key = kwargs.pop("api_key", emu.api_key)
        if kind == "sync":
            self.client: Any = veo.Client(key, emu.url, transport=self.transport, retry=retry, **kwargs)
            self._loop = None
        else:
            self._loop = asyncio.new_event_loop()
            self.client = veo.AsyncClient(key, emu.url, transport=self.transport, retry=retry, **kwargs)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.client, name)
        if self._loop is None or not asyncio.iscoroutinefunction(method):
            return method  # type: ignore[no-any-return]
        loop = self._loop
        return lambda *a, **k: loop.run_until_complete(method(*a, **k))

    @property
    def requests(self) -> list[httpx.Request]:
        return self.transport.requests  # type: ignore[attr-defined,no-any-return]

    def close(self) -> None:
        if getattr(self, "_closed", False):
            return
        self._closed = True
        if self._loop is None:
            self.client.close()
        else:
            self._loop.run_until_complete(self.client.aclose())
            self._loop.close()


@pytest.fixture(params=["sync", "async"])
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_client(flavour: str, emulator: Emulator) -> Iterator[Callable[..., Flavour]]:
    made: list[Flavour] = []

    def make(transport: httpx.MockTransport | None = None, **kwargs: Any) -> Flavour:
        client = Flavour(flavour, emulator, transport, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., Flavour]) -> Flavour:
    return make_client()


def probe(path: Path) -> dict[str, Any]:
    """What a person would check of a video: streams, codecs, size, duration."""
    import av

    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        return {
            "video_codec": video.codec_context.name,
            "width": video.codec_context.width,
            "height": video.codec_context.height,
            "fps": float(video.average_rate or 0),
            "duration": (container.duration or 0) / 1_000_000,
            "audio_codec": audio.codec_context.name if audio else None,
        }


@pytest.fixture
def ip(shell: InteractiveShell, emulator: Emulator) -> Iterator[InteractiveShell]:
    shell.extension_manager.load_extension("veo_widgets")
    client = veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS)
    magics_of(shell).client = client
    yield shell
    shell.extension_manager.unload_extension("veo_widgets")
    client.close()
    shell.config.pop("VeoMagics", None)  # %config settings must not leak into other tests
    for name in ("job", "img", "subject", "raw", "_"):
        shell.user_ns.pop(name, None)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three emulator renders: landscape with sound, portrait without, landscape with sound."""
    d = tmp_path_factory.mktemp("clips")
    return [
        rendered(d / "a.mp4", RED, (320, 180), 1),
        rendered(d / "b.mp4", GREEN, (180, 320), 2, audio=False),
        rendered(d / "c.mp4", BLUE, (320, 180), 1),
    ]


@pytest.fixture
def demo(emulator: Emulator) -> Iterator[veo.Client]:
    """A client of the emulator that polls quickly."""
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as made:
        yield made
