"""The bad-input harness (issue 21): every `veo` subcommand and every `%veo`/`%%veo` form, fed
bad values per option, missing, empty, binary, huge and mislabelled files and unwritable
paths. Each case must end as a person can act on: exit code 2 (a `UsageError` in a notebook),
one clear line, no traceback, nothing sent (the emulator counts creates), and a journal with
no row left behind. In-process and parametrized, so the whole table runs in seconds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from PIL import Image

import veo_widgets as veo
from veo_widgets.cli import _main as cli_main
from veo_widgets.cli._main import main
from veo_widgets.emulator import Emulator, demo_emulator
from veo_widgets.emulator._render import encode

from ..conftest import QUICK_POLLS
from ..helpers import RUNNING_TEST, SIMULATED_CTRL_C, ctrl_c, main_thread_in, until

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """The files a person may hand over by mistake, and a few good ones to go with them."""
    made = {
        "missing": tmp_path / "missing.png",
        "empty": tmp_path / "empty.png",
        "binary": tmp_path / "noise.png",
        "text_as_jpg": tmp_path / "notes.jpg",
        "text_as_mp4": tmp_path / "notes.mp4",
        "huge": tmp_path / "huge.png",
        "folder": tmp_path / "a-folder",
        "image": tmp_path / "photo.jpg",
        "clip": tmp_path / "clip.mp4",
        "csv": tmp_path / "rows.csv",
        "empty_csv": tmp_path / "none.csv",
        "binary_csv": tmp_path / "binary.csv",
        "bad_rows": tmp_path / "bad.jsonl",
    }
    made["empty"].write_bytes(b"")
    made["binary"].write_bytes(bytes(range(256)) * 64)
    made["text_as_jpg"].write_text("remember the gulls")
    made["text_as_mp4"].write_text("not a film")
    with made["huge"].open("wb") as handle:  # sparse: huge on paper, nothing on the disk
        handle.truncate(500_000_000)
    made["folder"].mkdir()
    Image.new("RGB", (320, 180), (20, 60, 120)).save(made["image"])
    encode(Image.new("RGB", (160, 96), (0, 90, 0)), made["clip"], width=160, height=96, duration=1, seed=1, label=None)
    made["csv"].write_text(f"prompt,image,duration\nwaves,{made['image']},4\n")
    made["empty_csv"].write_text("")
    made["binary_csv"].write_bytes(b"\x00\xff\xfe" * 100)
    made["bad_rows"].write_text('{"prompt": "x", "duration": 5}\n{"prompt": ""}\nnot json\n')
    return made


#: ``veo`` command lines, with ``{name}`` for a file of the ``files`` fixture, and a word
#: the one error line must contain.
CLI_CASES: list[tuple[str, list[str], str]] = [
    ("no command", [], "required: COMMAND"),
    ("unknown command", ["frobnicate"], "invalid choice"),
    ("generate: no prompt", ["generate"], "required"),
    ("generate: empty prompt", ["generate", "--sample", ""], "prompt"),
    ("generate: three words", ["generate", "{image}", "a", "b"], "quote a prompt"),
    ("generate: image and sample", ["generate", "--sample", "{image}", "x"], "quote a prompt"),
    ("generate: duration not allowed", ["generate", "--sample", "x", "-d", "5"], "duration"),
    ("generate: duration a word", ["generate", "--sample", "x", "-d", "long"], "duration"),
    ("generate: seed negative", ["generate", "--sample", "x", "--seed", "-1"], "seed"),
    ("generate: seed too big", ["generate", "--sample", "x", "--seed", "99999999999"], "seed"),
    ("generate: resolution", ["generate", "--sample", "x", "--resolution", "4k"], "resolution"),
    ("generate: aspect ratio", ["generate", "--sample", "x", "--aspect-ratio", "2:1"], "aspect"),
    ("generate: unknown model", ["generate", "--sample", "x", "--model", "veo-9"], "model"),
    ("generate: no takes", ["generate", "--sample", "x", "-n", "0"], "takes"),
    ("generate: too many takes", ["generate", "--sample", "x", "-n", "99"], "takes"),
    ("generate: takes a word", ["generate", "--sample", "x", "-n", "four"], "takes"),
    ("generate: timeout zero", ["generate", "--sample", "x", "--timeout", "0"], "timeout"),
    ("generate: timeout nan", ["generate", "--sample", "x", "--timeout", "nan"], "timeout"),
    ("generate: unknown flag", ["generate", "--sample", "x", "--bogus"], "unrecognized"),
    ("generate: missing image", ["generate", "{missing}", "x"], "no such file"),
    ("generate: empty image", ["generate", "{empty}", "x", "-d", "4"], "image"),
    ("generate: binary image", ["generate", "{binary}", "x", "-d", "4"], "image"),
    ("generate: text named .jpg", ["generate", "{text_as_jpg}", "x", "-d", "4"], "image"),
    ("generate: huge image", ["generate", "{huge}", "x", "-d", "4"], "the limit is"),
    ("generate: folder as image", ["generate", "{folder}", "x", "-d", "4"], "folder"),
    ("generate: unwritable -o", ["generate", "--sample", "x", "-d", "4", "-o", "/proc/nope/o.mp4"], "/proc/nope"),
    ("generate: takes into a file", ["generate", "--sample", "x", "-n", "2", "-o", "one.mp4"], "folder"),
    (
        "generate: extend a text file",
        ["generate", "-m", "veo-3.1-fast-extend", "--extend", "{text_as_mp4}", "x"],
        "video",
    ),
    ("status: no id", ["status"], "required"),
    ("resume: no id", ["resume"], "required"),
    ("resume: unwritable -o", ["resume", "abc", "-o", "/proc/nope/o.mp4"], "/proc/nope"),
    ("resume: timeout", ["resume", "abc", "--timeout", "-1"], "timeout"),
    ("history: limit a word", ["history", "--limit", "ten"], "--limit"),
    ("history: width a word", ["history", "--width", "wide"], "--width"),
    ("reconcile: unknown id", ["reconcile", "no-such-create"], "no create"),
    ("models: unknown flag", ["models", "--narrow"], "unrecognized"),
    ("stitch: no clips", ["stitch", "-o", "film.mp4"], "required"),
    ("stitch: no output", ["stitch", "{clip}"], "required"),
    ("stitch: missing clip", ["stitch", "{missing}", "-o", "{folder}/f.mp4"], "neither a video file nor a job"),
    ("stitch: empty clip", ["stitch", "{empty}", "-o", "{folder}/f.mp4"], "readable"),
    ("stitch: binary clip", ["stitch", "{binary}", "-o", "{folder}/f.mp4"], "readable"),
    ("stitch: text named .jpg", ["stitch", "{clip}", "{text_as_jpg}", "-o", "{folder}/f.mp4"], "readable"),
    ("stitch: text named .mp4", ["stitch", "{text_as_mp4}", "-o", "{folder}/f.mp4"], "readable"),
    ("stitch: a photo", ["stitch", "{clip}", "{image}", "-o", "{folder}/f.mp4"], "still image"),
    ("stitch: unwritable -o", ["stitch", "{clip}", "-o", "/proc/nope/f.mp4"], "/proc/nope"),
    ("stitch: not an mp4", ["stitch", "{clip}", "-o", "{folder}/f.txt"], ".mp4"),
    (
        "stitch: crossfade negative",
        ["stitch", "{clip}", "{clip}", "-o", "{folder}/f.mp4", "--crossfade", "-1"],
        "crossfade",
    ),
    ("stitch: crossfade a word", ["stitch", "{clip}", "-o", "{folder}/f.mp4", "--crossfade", "soft"], "crossfade"),
    ("batch: no file", ["batch"], "required"),
    ("batch: missing file", ["batch", "{missing}"], "missing.png"),
    ("batch: empty file", ["batch", "{empty_csv}"], "is empty"),
    ("batch: binary file", ["batch", "{binary_csv}"], "binary.csv"),
    ("batch: bad rows", ["batch", "{bad_rows}"], "cannot be sent"),
    ("batch: concurrency zero", ["batch", "{csv}", "--concurrency", "0"], "concurrency"),
    ("batch: budget negative", ["batch", "{csv}", "--budget", "-5"], "budget"),
    ("batch: budget a word", ["batch", "{csv}", "--budget", "lots"], "--budget"),
    ("batch: unwritable --out", ["batch", "{csv}", "--out", "/proc/nope"], "/proc/nope"),
    ("emulator: port a word", ["emulator", "--port", "eighty"], "--port"),
]


@pytest.fixture
def sent() -> Iterator[Callable[[], int]]:
    """Creates the demo emulator (what the `veo` command talks to here) received since."""
    emulator = demo_emulator()
    before = emulator.stats.creates
    yield lambda: emulator.stats.creates - before


@pytest.mark.parametrize(("argv", "says"), [(a, s) for _, a, s in CLI_CASES], ids=[n for n, _, _ in CLI_CASES])
def test_veo_refuses_bad_input_in_one_line(
    argv: list[str],
    says: str,
    files: dict[str, Path],
    sent: Callable[[], int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    words = [word.format(**{k: str(v) for k, v in files.items()}) for word in argv]
    try:
        code = main(words)
    except SystemExit as exited:  # argparse: a usage line and exit code 2
        code = exited.code  # type: ignore[assignment]
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("veo_widgets demo mode")]
    # One line; a batch file's bad rows are listed under it, one line each, all at once.
    assert len(lines) == 1 or (argv[0] == "batch" and all(line.startswith("row ") for line in lines[1:])), lines
    assert says.lower() in lines[0].lower(), lines[0]
    assert sent() == 0
    journal = veo.Journal()
    assert journal.history() == [] and journal.unconfirmed() == []
    assert not Path("/proc/nope").exists()


#: ``%%veo`` first lines (the cell body is the prompt) and ``%veo`` lines, with the word the
#: one ``UsageError`` line must contain.
CELL_CASES: list[tuple[str, str, str, str]] = [
    ("empty prompt", "--image {image} -d 4", "", "empty"),
    ("duration", "--image {image} -d 5", "x", "duration"),
    ("duration a word", "--image {image} -d long", "x", "duration"),
    ("seed", "--image {image} --seed -4", "x", "seed"),
    ("resolution", "--image {image} --resolution 4k", "x", "resolution"),
    ("model", "--image {image} --model veo-9", "x", "model"),
    ("takes", "--image {image} -n 0", "x", "takes"),
    ("takes and no seed", "--image {image} -m veo-3.1-fast-i2v --seed 3 -n 2", "x", "seed"),
    ("timeout", "--image {image} --timeout 0", "x", "timeout"),
    ("unknown flag", "--image {image} --bogus", "x", "bogus"),
    ("missing image", "--image {missing} -d 4", "x", "no such file"),
    ("empty image", "--image {empty} -d 4", "x", "image"),
    ("binary image", "--image {binary} -d 4", "x", "image"),
    ("text named .jpg", "--image {text_as_jpg} -d 4", "x", "image"),
    ("huge image", "--image {huge} -d 4", "x", "the limit is"),
    ("unknown variable", "--image {{nope}} -d 4", "x", "nope"),
]

LINE_CASES: list[tuple[str, str, str]] = [
    ("unknown subcommand", "frobnicate", "frobnicate"),
    ("history a word", "history lots", "history"),
    ("status without id", "status", "job id"),
    ("status two ids", "status a b", "job id"),
    ("resume without id", "resume", "job id"),
    ("demo maybe", "demo maybe", "demo"),
    ("reconcile unknown", "reconcile no-such-create", "no create"),
]


@pytest.mark.parametrize(
    ("first", "body", "says"), [(f, b, s) for _, f, b, s in CELL_CASES], ids=[n for n, *_ in CELL_CASES]
)
def test_a_cell_refuses_bad_input_in_one_line(
    first: str, body: str, says: str, files: dict[str, Path], ip: InteractiveShell, emulator: Emulator
) -> None:
    line = first.format(**{k: str(v) for k, v in files.items()})
    before = emulator.stats.creates
    with capture_output() as cap:
        result = ip.run_cell(f"%%veo {line}\n{body}")
    refused(result, cap.stdout + cap.stderr, says)
    assert emulator.stats.creates == before
    journal = veo.Journal()
    assert journal.history() == [] and journal.unconfirmed() == []


@pytest.mark.parametrize(("line", "says"), [(li, s) for _, li, s in LINE_CASES], ids=[n for n, *_ in LINE_CASES])
def test_a_line_magic_refuses_bad_input_in_one_line(
    line: str, says: str, ip: InteractiveShell, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VEO_DEMO", "")  # `%veo demo ...` writes it
    before = emulator.stats.creates
    with capture_output() as cap:
        result = ip.run_cell(f"%veo {line}")
    refused(result, cap.stdout + cap.stderr, says)
    assert emulator.stats.creates == before


def refused(result: object, shown: str, says: str) -> None:
    """A UsageError, shown as its one line (an unknown ``%veo`` command: then the commands,
    one a line) and nothing else."""
    error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
    assert isinstance(error, UsageError), (error, shown)
    lines = [line for line in shown.splitlines() if line.strip()]
    assert "Traceback" not in shown
    assert len(lines) == 1 or all(line.startswith("%veo ") for line in lines[1:]), lines
    assert says.lower() in lines[0].lower(), lines[0]


# ---------------------------------------------------------------- Ctrl-C at each phase

#: Where a person presses Ctrl-C in `veo generate`, and what the request being sent is then.
PHASES = ("before send", "during create", "while polling", "while downloading")


class _PressAt(httpx.BaseTransport):
    """The emulator, in front of which Ctrl-C is pressed (SIGINT to the main thread, as a
    terminal does) when the first request of ``phase`` arrives, once the command waits for
    its run; the request goes on once the run has taken the interrupt (its stop is set)."""

    def __init__(self, emulator: Emulator, phase: str, runs: list[Any]) -> None:
        self.inner, self.phase, self.runs = emulator.transport(), phase, runs
        self.owner = RUNNING_TEST["id"]
        self.pressed = False

    def _kind(self, request: httpx.Request) -> str:
        if request.url.path.startswith("/files/"):
            return "while downloading"
        if request.url.path == "/v2/video/generations":
            return "during create" if request.method == "POST" else "while polling"
        return "other"

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.pressed and self._kind(request) == self.phase:
            self.pressed = True
            until(lambda: main_thread_in("wait", blocked=True))  # the command is waiting, as a person sees it
            assert ctrl_c(self.owner)
            until(lambda: bool(self.runs) and self.runs[0]._stop.is_set())  # the run took it
        return self.inner.handle_request(request)


@pytest.mark.parametrize("phase", PHASES)
def test_ctrl_c_at_each_phase_ends_in_one_line_and_a_resumable_journal(
    phase: str,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    runs: list[Any] = []
    start = veo.Client.start

    def recorded(self: veo.Client, *args: Any, **kwargs: Any) -> Any:
        runs.append(start(self, *args, **kwargs))
        return runs[-1]

    press = _PressAt(emulator, phase, runs)
    monkeypatch.setattr(veo.Client, "start", recorded)
    made: list[veo.Client] = []

    def client(timeout: float = 30.0) -> veo.Client:
        made.append(veo.Client(emulator.api_key, emulator.url, transport=press, schedule=QUICK_POLLS))
        return made[-1]

    monkeypatch.setattr(cli_main, "Client", client)
    if phase == "before send":  # Ctrl-C while the price is told, before the create leaves

        def interrupted(*args: Any) -> str:
            SIMULATED_CTRL_C.append(0.0)
            raise KeyboardInterrupt

        monkeypatch.setattr(cli_main, "price_text", interrupted)
    before = emulator.stats
    code = main(["generate", "--sample", "Ctrl-C at each phase", "-d", "4", "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 130 and "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip() and line.startswith("veo")]
    assert len(lines) == 1, lines
    after = emulator.stats
    sent = after.create_attempts - before.create_attempts
    journal = veo.Journal()
    if phase == "before send":
        assert lines[0] == "veo: interrupted" and sent == 0 and journal.history() == []
        return
    # This run's own creates: the session's emulator also counts other tests' (a refused
    # create that surely was not taken is rightly sent again there).
    mine = {crid: n for crid, n in after.attempts_per_request.items() if crid not in before.attempts_per_request}
    assert sent == 1 and list(mine.values()) == [1]  # never sent twice
    (row,) = journal.history()
    assert row.id and journal.unconfirmed() == [] and row.id in lines[0] and "veo resume" in lines[0]
    assert not list((tmp_path / "o").glob("*.part"))  # a cut download leaves no part file
    monkeypatch.setattr(cli_main, "Client", lambda timeout=30.0: veo.Client(emulator.api_key, emulator.url))
    assert main(["resume", row.id[:8], "-o", str(tmp_path / "o")]) == 0  # findable and resumable
    assert journal.find(row.id).path.is_file()  # type: ignore[union-attr]
    assert emulator.stats.create_attempts - before.create_attempts == 1
