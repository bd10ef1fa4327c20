"""Issue 13's "Done means", end to end against the emulator.

For every model of ``veo.models()``, in each of its modes, with that mode's inputs, a
generation ends with a video a person can play (H.264, AAC where the model makes sound, the
length and frame size asked for): from the client (sync for every model and mode, async for
one model per mode), and from the panel, ``%%veo`` and the ``veo`` command for one model per
mode (a different model on each surface, so together they cover more of the family without
rendering every model four times). A request the model's spec forbids is refused locally,
on every surface, with nothing sent.

Speed: the client's generations are all started at once (``client.start``), so the emulator
renders while other tests run; models that take a seed get the same seed and inputs, so the
emulator renders their shared clip once.
"""

from __future__ import annotations

import asyncio
import io
import shlex
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from PIL import Image

import veo_widgets as veo
from veo_widgets._journal import Journal
from veo_widgets._options import OPTIONS
from veo_widgets.cli import main
from veo_widgets.emulator import Emulator
from veo_widgets.magics import VeoMagics
from veo_widgets.widget import Panel

from .conftest import QUICK_POLLS, Counting, probe

pytestmark = pytest.mark.timeout(300)

FAMILY = list(veo.models())
WAIT = 180.0
PROMPT = "a paper boat drifts across a pond"
SEED = 1


def picture(color: tuple[int, int, int], mark: tuple[int, int, int]) -> bytes:
    """A 640x360 PNG with a square in one corner: first, last and reference frames differ."""
    image = Image.new("RGB", (640, 360), color)
    image.paste(mark, (40, 40, 200, 200))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


FIRST = picture((200, 60, 40), (250, 230, 90))
LAST = picture((40, 70, 190), (240, 240, 240))


# ---------------------------------------------------------------------- the cases

#: (short name, mode) for every mode of every model: lite takes text, a first frame or both.
CASES = [(m.short, mode) for m in FAMILY for mode in m.modes]
#: A few cases asked in another shape, so frame sizes are checked beyond 16:9 at 720p.
SHAPES: dict[tuple[str, str], dict[str, str]] = {
    ("veo-3.1-fast-i2v", "image"): {"aspect_ratio": "9:16"},
    ("veo-3.1-fast-t2v", "text"): {"resolution": "1080p"},
}


def case_id(case: tuple[str, str]) -> str:
    return f"{case[0]}[{case[1]}]"


def spec_of(short: str) -> veo.ModelSpec:
    return next(m for m in FAMILY if m.short == short)


def options_for(short: str, mode: str) -> dict[str, Any]:
    """The quickest request of this model and mode: 720p, the shortest length it allows
    (Veo 2 starts at 5 s; lite-preview needs 8 s with a last frame; reference only makes
    8 s and extend 7 s, so neither is given one), the shared seed where it takes one."""
    spec = spec_of(short)
    out: dict[str, Any] = {}
    if mode not in ("reference", "extend"):
        out["duration"] = min(spec.allowed("duration", last_image=mode == "first-last"))
    if spec.resolutions and mode != "extend":
        out["resolution"] = "720p"
    if spec.takes_seed:
        out["seed"] = SEED
    out.update(SHAPES.get((short, mode), {}))
    return out


def inputs_for(mode: str, base: veo.Job | None = None) -> dict[str, Any]:
    if mode == "image":
        return {"image": FIRST}
    if mode == "first-last":
        return {"image": FIRST, "last_image": LAST}
    if mode == "reference":
        return {"reference_images": [FIRST, LAST]}
    if mode == "extend":
        assert base is not None
        return {"video": base}
    return {}


def expected(short: str, mode: str) -> dict[str, Any]:
    """What a person should get, from the docs rather than from the catalogue."""
    asked = options_for(short, mode)
    duration = {"extend": 7, "reference": 8}.get(mode, asked.get("duration"))
    portrait = asked.get("aspect_ratio") == "9:16"
    size = (1920, 1080) if asked.get("resolution") == "1080p" else (1280, 720)
    return {
        "duration": duration,
        "size": size[::-1] if portrait else size,
        "audio": not spec_of(short).id.startswith("veo2"),  # Veo 2 makes silent video
    }


def assert_playable(path: Path | None, short: str, mode: str) -> None:
    assert path is not None and path.exists(), f"{short} [{mode}]: no saved video"
    want = expected(short, mode)
    got = probe(path)
    assert got["video_codec"] == "h264", f"{short} [{mode}]: {got}"
    assert (got["width"], got["height"]) == want["size"], f"{short} [{mode}]: {got}"
    assert abs(got["duration"] - want["duration"]) < 0.5, f"{short} [{mode}]: {got}, want {want['duration']} s"
    assert got["audio_codec"] == ("aac" if want["audio"] else None), f"{short} [{mode}]: {got}"
    import av

    with av.open(str(path)) as container:  # it decodes, not just parses: a frame comes out
        assert next(container.decode(video=0)).width == want["size"][0]


# ---------------------------------------------------------------------- shared state


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The module's own journal and output folder: the client below outlives any one test."""
    root = tmp_path_factory.mktemp("family")
    patch = pytest.MonkeyPatch()
    patch.setenv("VEO_HOME", str(root / "home"))
    patch.setenv("VEO_OUTPUT_DIR", str(root / "out"))
    yield root
    patch.undo()


@pytest.fixture(scope="module")
def family_client(home: Path, session_emulator: Emulator) -> Iterator[veo.Client]:
    client = veo.Client(
        session_emulator.api_key,
        session_emulator.url,
        schedule=QUICK_POLLS,
        journal=Journal(home / "home" / "journal.sqlite3"),
    )
    yield client
    client.close()


@pytest.fixture(scope="module")
def base(family_client: veo.Client, home: Path) -> veo.Job:
    """One short 720p clip, made once, for every extend."""
    job = family_client.generate(
        PROMPT, FIRST, duration=4, resolution="720p", seed=SEED, save_to=home / "base", timeout=WAIT
    )
    assert job.ok and job.path is not None
    return job


@pytest.fixture(scope="module")
def client_runs(family_client: veo.Client, base: veo.Job, home: Path) -> dict[tuple[str, str], Any]:
    """Every case started at once; each test below waits for its own."""
    runs: dict[tuple[str, str], Any] = {}
    for short, mode in CASES:
        try:
            runs[(short, mode)] = family_client.start(
                PROMPT,
                model=short,
                save_to=home / "client",
                timeout=WAIT,
                **inputs_for(mode, base),
                **options_for(short, mode),
            )
        except Exception as exc:  # reported by the case's own test
            runs[(short, mode)] = exc
    return runs


@pytest.fixture(scope="module")
def started(client_runs: dict[tuple[str, str], Any], async_jobs: AsyncBatch, panels: dict[str, Any]) -> None:
    """Every background generation of the module (client, async client, panels) started
    before the first is waited for: the emulator renders while the tests wait."""


# ---------------------------------------------------------------------- the client


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_client_generates_a_playable_video_for_every_model_and_mode(
    started: None,
    client_runs: dict[tuple[str, str], Any],
    family_client: veo.Client,
    base: veo.Job,
    case: tuple[str, str],
) -> None:
    short, mode = case
    run = client_runs[case]
    if isinstance(run, BaseException):
        raise run
    job = run.wait(timeout=WAIT)
    assert job.ok and job.model == spec_of(short).id
    assert_playable(job.path, short, mode)
    row = family_client.journal.find(job.id)
    assert row is not None and row.model == spec_of(short).id  # the journal knows what made it
    if mode == "extend":  # the new job remembers which one it extends
        assert (job.parent_id, job.relation) == (base.id, "extend")
        assert (row.parent_id, row.relation) == (base.id, "extend")


def end_colours(path: Path) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The mean colour of a video's first and last frames, as a glance would see them."""
    import av
    from PIL import ImageStat

    with av.open(str(path)) as container:
        first = last = None
        for frame in container.decode(video=0):
            first = first or frame
            last = frame
    assert first is not None and last is not None
    opening, closing = (ImageStat.Stat(f.to_image().convert("RGB").resize((64, 36))).mean for f in (first, last))
    return tuple(opening), tuple(closing)


def nearer(colour: tuple[float, ...], target: bytes, other: bytes) -> bool:
    def mean(data: bytes) -> tuple[float, ...]:
        from PIL import ImageStat

        return tuple(ImageStat.Stat(Image.open(io.BytesIO(data)).convert("RGB")).mean)

    def distance(a: tuple[float, ...], b: tuple[float, ...]) -> float:
        return float(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5)

    return distance(colour, mean(target)) < distance(colour, mean(other))


@pytest.mark.parametrize("case", [c for c in CASES if c[1] in ("first-last", "extend")], ids=case_id)
def test_first_last_and_extend_videos_start_and_end_where_asked(
    started: None, client_runs: dict[tuple[str, str], Any], base: veo.Job, case: tuple[str, str]
) -> None:
    """A person can tell the modes apart: a first-and-last clip opens on the first image and
    closes on the last; an extension opens where the clip it extends ended."""
    run = client_runs[case]
    if isinstance(run, BaseException):
        raise run
    job = run.wait(timeout=WAIT)
    assert job.path is not None and base.path is not None
    opening, closing = end_colours(job.path)
    if case[1] == "first-last":
        assert nearer(opening, FIRST, LAST) and nearer(closing, LAST, FIRST), (opening, closing)
    else:
        ended = end_colours(base.path)[1]
        assert max(abs(a - b) for a, b in zip(opening, ended, strict=True)) < 20, (opening, ended)


def test_extending_a_portrait_clip_stays_portrait(
    started: None, client_runs: dict[tuple[str, str], Any], family_client: veo.Client, home: Path
) -> None:
    """Extend's aspect ratio defaults to ``auto``: follow the input video. A 9:16 clip
    extended comes back 9:16, not a landscape frame."""
    portrait = client_runs[("veo-3.1-fast-i2v", "image")].wait(timeout=WAIT)
    assert portrait.path is not None and probe(portrait.path)["width"] == 720
    job = family_client.generate(
        PROMPT, model="veo-3.1-fast-extend", video=portrait, save_to=home / "portrait", timeout=WAIT
    )
    got = probe(job.path) if job.path is not None else {}
    assert (got.get("width"), got.get("height")) == (720, 1280), got


#: One model per mode for the async client, the panel, %%veo and the CLI: a different one
#: on each surface where the mode has several.
SURFACES: dict[str, dict[str, str]] = {
    "async": {  # a few modes: the sync and async clients share every plan but the driver
        "text": "veo-3-fast-t2v",
        "image": "veo-3-fast-i2v",
        "extend": "veo-3.1-fast-extend",
    },
    "panel": {
        "text": "veo-3.1-fast-t2v",
        "image": "veo-3.1-fast-i2v",
        "first-last": "veo-3.1-first-last",
        "reference": "veo-3.1-reference",
        "extend": "veo-3.1-extend",
    },
    "magics": {
        "text": "veo-2-t2v",
        "image": "veo-3-i2v",
        "first-last": "veo-3.1-lite",
        "reference": "veo-3.1-reference",
        "extend": "veo-3.1-fast-extend",
    },
    "cli": {
        "text": "veo-3-t2v",
        "image": "veo-2-i2v",
        "first-last": "veo-3.1-lite-preview",
        "reference": "veo-3.1-reference",
        "extend": "veo-3.1-extend",
    },
}
MODES = list(SURFACES["panel"])


def surface_cases(surface: str) -> list[tuple[str, str]]:
    return [(short, mode) for mode, short in SURFACES[surface].items()]


def test_every_surface_case_is_a_real_model_and_mode() -> None:
    for surface in SURFACES:
        for short, mode in surface_cases(surface):
            assert mode in spec_of(short).modes, (surface, short, mode)


class AsyncBatch:
    """One AsyncClient generating one video per mode, all at once, on its own thread and
    event loop, so it runs while the other surfaces' tests do."""

    def __init__(self, home: Path, emu: Emulator, base: veo.Job) -> None:
        self.results: dict[str, Any] = {}
        self._home, self._emu, self._base = home, emu, base
        self._thread = threading.Thread(target=lambda: asyncio.run(self._all()), daemon=True)
        self._thread.start()

    async def _one(self, client: veo.AsyncClient, short: str, mode: str) -> None:
        try:
            run = await client.start(
                PROMPT,
                model=short,
                save_to=self._home / "async",
                timeout=WAIT,
                **inputs_for(mode, self._base),
                **options_for(short, mode),
            )
            self.results[mode] = await run.wait()
        except Exception as exc:  # reported by the mode's own test
            self.results[mode] = exc

    async def _all(self) -> None:
        journal = Journal(self._home / "home" / "journal.sqlite3")
        emu = self._emu
        async with veo.AsyncClient(emu.api_key, emu.url, schedule=QUICK_POLLS, journal=journal) as client:
            await asyncio.gather(*(self._one(client, s, m) for s, m in surface_cases("async")))

    def result(self, mode: str) -> Any:
        self._thread.join(WAIT)
        return self.results[mode]


@pytest.fixture(scope="module")
def async_jobs(home: Path, session_emulator: Emulator, base: veo.Job) -> AsyncBatch:
    return AsyncBatch(home, session_emulator, base)


@pytest.mark.parametrize("mode", list(SURFACES["async"]))
def test_async_client_generates_a_playable_video(async_jobs: AsyncBatch, base: veo.Job, mode: str) -> None:
    short = SURFACES["async"][mode]
    job = async_jobs.result(mode)
    if isinstance(job, BaseException):
        raise job
    assert job.ok and job.model == spec_of(short).id
    assert_playable(job.path, short, mode)
    if mode == "extend":
        assert (job.parent_id, job.relation) == (base.id, "extend")


# ---------------------------------------------------------------------- the panel


def fill_panel(panel: Panel, short: str, mode: str, files: dict[str, Path], base: veo.Job) -> None:
    """Pick the model and set its inputs as a person does: paths typed into the fields."""
    panel.model.value = spec_of(short).id
    if mode in ("image", "first-last"):
        panel.image_path.value = str(files["first"])
    if mode == "first-last":
        panel.form.last_image.path.value = str(files["last"])
    if mode == "reference":
        panel.form.references.paths.value = f"{files['first']}, {files['last']}"  # as the field asks
    if mode == "extend":
        panel.form.video.field.value = base.id[:8]  # the first letters, as in the video's file name
    asked = options_for(short, mode)
    for name in ("duration", "resolution", "aspect_ratio"):
        if name in asked:
            getattr(panel, name).value = asked[name]
    if "seed" in asked:
        panel.seed.value = str(asked["seed"])


@pytest.fixture(scope="module")
def files(home: Path) -> dict[str, Path]:
    folder = home / "inputs"
    folder.mkdir(exist_ok=True)
    out = {"first": folder / "first.png", "last": folder / "last.png"}
    out["first"].write_bytes(FIRST)
    out["last"].write_bytes(LAST)
    return out


@pytest.fixture(scope="module")
def panels(family_client: veo.Client, files: dict[str, Path], base: veo.Job, home: Path) -> dict[str, Panel]:
    """A panel per mode, each clicked: they all generate at once, as a person's would."""
    out = {}
    for short, mode in surface_cases("panel"):
        panel = Panel(prompt=PROMPT, client=family_client, save_to=home / "panel", timeout=WAIT)
        fill_panel(panel, short, mode, files, base)
        panel.generate_button.click()
        out[mode] = panel
    return out


@pytest.mark.parametrize("mode", MODES)
def test_panel_generates_a_playable_video_in_every_mode(panels: dict[str, Panel], base: veo.Job, mode: str) -> None:
    short = SURFACES["panel"][mode]
    panel = panels[mode]
    assert "Check" not in panel.form_message.value, panel.form_message.value
    job = panel.wait(timeout=WAIT)
    assert panel.status == "completed" and job.model == spec_of(short).id
    assert_playable(job.path, short, mode)
    shown = "".join(o["data"].get("text/html", "") for o in panel.player.outputs)
    assert "<video" in shown and job.path is not None and job.path.name in shown
    if mode == "extend":
        assert (job.parent_id, job.relation) == (base.id, "extend")


# ---------------------------------------------------------------------- %%veo


@pytest.fixture
def ip(
    shell: InteractiveShell, session_emulator: Emulator, family_client: veo.Client, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InteractiveShell]:
    """``%load_ext veo_widgets`` with a key for the emulator in the environment."""
    monkeypatch.setenv("AIMLAPI_KEY", session_emulator.api_key)
    monkeypatch.setenv("AIMLAPI_BASE_URL", session_emulator.url)
    shell.run_line_magic("load_ext", "veo_widgets")
    magics = next(c for c in shell.configurables if isinstance(c, VeoMagics))
    # The module's client: the same emulator, and quick polls (a fresh journal would start
    # from a 60 s guess, as the emulator's sub-second timings are not believed).
    magics._client = family_client
    yield shell
    magics._client = None  # shared: not the magics' to close
    shell.run_line_magic("unload_ext", "veo_widgets")
    for name in ("first", "last", "base", "_"):
        shell.user_ns.pop(name, None)


def flag(name: str, value: Any) -> list[str]:
    """An option as a flag of ``%%veo`` and ``veo generate`` (``--audio``/``--no-audio`` for a switch)."""
    option = next(o for o in OPTIONS if o.name == name)
    if option.type is bool:
        return [option.flag if value else "--no-" + option.flag.removeprefix("--")]
    return [option.flag, str(value)]


def cell_line(short: str, mode: str, options: dict[str, Any] | None = None) -> str:
    """``%%veo``'s options line; ``options`` in place of the quick ones."""
    flags = [f"--model {short}"]
    if mode in ("image", "first-last"):
        flags.append("--image {first}")
    if mode == "first-last":
        flags.append("--last-image {last}")
    if mode == "reference":
        flags.append("--reference {first} --reference {last}")
    if mode == "extend":
        flags.append("--extend {base}")
    for name, value in (options_for(short, mode) if options is None else options).items():
        flags += [shlex.quote(word) for word in flag(name, value)]
    return " ".join(flags)


@pytest.mark.parametrize("mode", MODES)
def test_cell_magic_generates_a_playable_video_in_every_mode(
    ip: InteractiveShell, files: dict[str, Path], base: veo.Job, tmp_path: Path, mode: str
) -> None:
    short = SURFACES["magics"][mode]
    ip.user_ns.update(first=Image.open(files["first"]), last=files["last"].read_bytes(), base=base)
    with capture_output() as cap:
        job = ip.run_cell_magic("veo", cell_line(short, mode) + f" --out {tmp_path}", PROMPT)
    assert isinstance(job, veo.Job), cap.stderr
    assert job.ok and job.model == spec_of(short).id
    assert_playable(job.path, short, mode)
    shown = "".join(o.data.get("text/html", "") for o in cap.outputs)
    assert "<video" in shown and f"saved: {job.path}" in cap.stdout
    if mode == "extend":
        assert (job.parent_id, job.relation) == (base.id, "extend")


# ---------------------------------------------------------------------- the veo command


def cli_args(
    short: str, mode: str, files: dict[str, Path], video: str, options: dict[str, Any] | None = None
) -> list[str]:
    """``veo generate`` as a person types it; ``options`` in place of the quick ones."""
    args = ["generate", "--model", short]
    if mode == "first-last":
        args += ["--last-image", str(files["last"])]
    if mode == "reference":
        args += ["--reference", str(files["first"]), "--reference", str(files["last"])]
    if mode == "extend":
        args += ["--extend", video]
    for name, value in (options_for(short, mode) if options is None else options).items():
        args += flag(name, value)
    # `veo generate [IMAGE] PROMPT`: the two words together, after the flags
    return [*args, *([str(files["first"])] if mode in ("image", "first-last") else []), PROMPT]


@pytest.fixture
def keyed(session_emulator: Emulator, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A shell with a key for the emulator, and the module's journal (the base clip's)."""
    monkeypatch.setenv("AIMLAPI_KEY", session_emulator.api_key)
    monkeypatch.setenv("AIMLAPI_BASE_URL", session_emulator.url)
    monkeypatch.setenv("VEO_HOME", str(home / "home"))


@pytest.mark.parametrize("mode", MODES)
def test_cli_generates_a_playable_video_in_every_mode(
    keyed: None, files: dict[str, Path], base: veo.Job, tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str
) -> None:
    short = SURFACES["cli"][mode]
    out = tmp_path / "clip.mp4"
    code = main([*cli_args(short, mode, files, base.id), "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"saved: {out}" in captured.out
    assert_playable(out, short, mode)
    job = Journal().find(captured.out.split("job:")[1].split()[0])
    assert job is not None and job.model == spec_of(short).id
    if mode == "extend":  # `veo generate --extend ID`: the id of a finished job
        assert (job.parent_id, job.relation) == (base.id, "extend")


def test_cli_extends_a_local_mp4(
    keyed: None, files: dict[str, Path], base: veo.Job, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert base.path is not None
    out = tmp_path / "more.mp4"
    code = main([*cli_args("veo-3.1-fast-extend", "extend", files, str(base.path)), "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    assert_playable(out, "veo-3.1-fast-extend", "extend")


# ---------------------------------------------------------------------- listing the family


def test_veo_models_lists_each_model_with_its_mode_lengths_sizes_and_price(
    keyed: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for word in ("mode", "durations", "resolutions", "price"):  # as issue 13 asks of `veo models`
        assert word in lines[0], lines[0]
    for spec in FAMILY:
        row = next((line for line in lines if line.split()[:1] == [spec.short]), None)
        assert row is not None and spec.mode in row, spec.short


def test_percent_veo_models_lists_the_family(ip: InteractiveShell) -> None:
    with capture_output() as cap:
        shown = ip.run_line_magic("veo", "models")
    text = cap.stdout + "".join(o.data.get("text/plain", "") + o.data.get("text/html", "") for o in cap.outputs)
    text += repr(shown) if shown is not None else ""
    for spec in FAMILY:
        assert spec.short in text, spec.short


# ---------------------------------------------------------------------- refusals

#: A request each model's spec forbids: (model, its inputs, options, the field the error names).
FORBIDDEN: list[tuple[str, str, dict[str, Any], str]] = [
    ("veo-3.1-i2v", "image", {"seed": 3}, "seed"),
    ("veo-3.1-fast-i2v", "image", {"negative_prompt": "blur"}, "negative_prompt"),
    ("veo-3.1-t2v", "image", {}, "model"),  # an image for a text model
    ("veo-3.1-fast-extend", "extend", {"resolution": "1080p"}, "resolution"),
    ("veo-3.1-reference", "reference", {"aspect_ratio": "16:9"}, "aspect_ratio"),
    ("veo-3.1-reference", "reference", {"duration": 4}, "duration"),
    ("veo-3.1-first-last", "image", {}, "last_image"),  # the last frame left out
    ("veo-3-fast-i2v", "image", {"resolution": "1080p", "duration": 4}, "resolution"),  # 1080p only at 8 s
    ("veo-3.1-lite-preview", "first-last", {"duration": 4}, "duration"),
    ("veo-2-t2v", "text", {"generate_audio": True}, "generate_audio"),
    ("veo-2-i2v", "image", {"resolution": "720p"}, "resolution"),
]


def forbidden_id(case: tuple[str, str, dict[str, Any], str]) -> str:
    return f"{case[0]}-{case[3]}"


@pytest.fixture(scope="module")
def sentry(home: Path) -> Iterator[Emulator]:
    """An emulator nothing should reach: every create it sees is a request that was sent."""
    with Emulator(timing=0.5) as emu:
        yield emu


def nothing_reached(emu: Emulator) -> None:
    stats = emu.stats
    assert (stats.create_attempts, stats.creates, stats.rejected) == (0, 0, 0), stats


@pytest.mark.parametrize("case", FORBIDDEN, ids=forbidden_id)
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_client_refuses_what_the_model_forbids_and_sends_nothing(
    sentry: Emulator, base: veo.Job, kind: str, case: tuple[str, str, dict[str, Any], str]
) -> None:
    short, mode, options, field = case
    transport = Counting(sentry)
    args = dict(model=short, **inputs_for(mode, base), **options)
    errors: list[veo.ValidationError] = []
    if kind == "sync":
        with veo.Client(sentry.api_key, sentry.url, transport=transport) as client:
            for method in (client.submit, client.start, client.generate):
                with pytest.raises(veo.ValidationError) as caught:
                    method(PROMPT, **args)
                errors.append(caught.value)
    else:

        async def refused() -> None:
            async with veo.AsyncClient(sentry.api_key, sentry.url, transport=transport) as client:
                for method in (client.submit, client.start, client.generate):
                    with pytest.raises(veo.ValidationError) as caught:
                        await method(PROMPT, **args)
                    errors.append(caught.value)

        asyncio.run(refused())
    for error in errors:
        assert error.field == field, error
        assert short in str(error), error  # which model refused it, by the name the person gave
    assert [r for r in transport.requests if r.method == "POST"] == []
    nothing_reached(sentry)


def test_a_forbidden_option_names_the_model_and_the_option(sentry: Emulator) -> None:
    with veo.Client(sentry.api_key, sentry.url) as client, pytest.raises(veo.ValidationError) as caught:
        client.generate(PROMPT, FIRST, model="veo-3.1-i2v", seed=3)
    assert caught.value.field == "seed" and "veo-3.1-i2v" in str(caught.value)
    nothing_reached(sentry)


#: What a person can get wrong in the panel (it offers only the options a model takes, so a
#: seed for Veo 3.1 image-to-video cannot be asked there): model, what is filled in, field.
PANEL_MISTAKES: list[tuple[str, dict[str, str], str]] = [
    ("veo-3-fast-i2v", {}, "image"),
    ("veo-3.1-first-last", {"image": "first"}, "last_image"),
    ("veo-3.1-reference", {}, "reference_images"),
    ("veo-3.1-reference", {"references": "first,last,first,last"}, "reference_images"),
    ("veo-3.1-extend", {"video": "nope-not-a-job"}, "video"),
    ("veo-3.1-fast-extend", {"video": "first"}, "video"),  # an image is not a video
]


@pytest.mark.parametrize("case", PANEL_MISTAKES, ids=lambda c: f"{c[0]}-{c[2]}")
def test_panel_refuses_what_the_model_forbids_and_sends_nothing(
    sentry: Emulator, files: dict[str, Path], case: tuple[str, dict[str, str], str]
) -> None:
    short, filled, field = case
    with veo.Client(sentry.api_key, sentry.url) as client:
        panel = Panel(prompt=PROMPT, client=client)
        panel.model.value = spec_of(short).id
        if "image" in filled:
            panel.image_path.value = str(files[filled["image"]])
        if "references" in filled:
            panel.form.references.paths.value = ", ".join(str(files[n]) for n in filled["references"].split(","))
        if "video" in filled:
            panel.form.video.field.value = str(files.get(filled["video"], filled["video"]))
        panel.generate_button.click()
        assert panel.status == "error" and "Check" in panel.form_message.value, panel.form_message.value
        assert panel.cards == []  # no job card: nothing started
        with pytest.raises(veo.ValidationError) as caught:
            panel.wait(timeout=1)
        assert caught.value.field == field, caught.value
    nothing_reached(sentry)


@pytest.mark.parametrize("case", FORBIDDEN, ids=forbidden_id)
def test_cell_magic_refuses_what_the_model_forbids_and_sends_nothing(
    shell: InteractiveShell, sentry: Emulator, base: veo.Job, files: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch, case: tuple[str, str, dict[str, Any], str],
) -> None:  # fmt: skip
    short, mode, options, field = case
    monkeypatch.setenv("AIMLAPI_KEY", sentry.api_key)
    monkeypatch.setenv("AIMLAPI_BASE_URL", sentry.url)
    shell.run_line_magic("load_ext", "veo_widgets")
    try:
        shell.user_ns.update(first=files["first"], last=files["last"], base=base)
        line = cell_line(short, mode, options)
        with capture_output(), pytest.raises(UsageError) as caught:
            shell.run_cell_magic("veo", line, PROMPT)
        assert "%%veo" in str(caught.value) and "Traceback" not in str(caught.value)
        assert field.replace("_", " ") in str(caught.value) or field in str(caught.value)
    finally:
        shell.run_line_magic("unload_ext", "veo_widgets")
    nothing_reached(sentry)


@pytest.mark.parametrize("case", FORBIDDEN, ids=forbidden_id)
def test_cli_refuses_what_the_model_forbids_and_sends_nothing(
    sentry: Emulator, files: dict[str, Path], base: veo.Job, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], case: tuple[str, str, dict[str, Any], str],
) -> None:  # fmt: skip
    short, mode, options, field = case
    monkeypatch.setenv("AIMLAPI_KEY", sentry.api_key)
    monkeypatch.setenv("AIMLAPI_BASE_URL", sentry.url)
    assert base.path is not None
    args = cli_args(short, mode, files, str(base.path), options)
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "ValidationError" in err and field in err, err
    nothing_reached(sentry)


def test_no_generation_left_running(client_runs: dict[tuple[str, str], Any]) -> None:
    """Every run the module started has ended: nothing keeps polling after the tests."""
    for case, run in client_runs.items():
        if not isinstance(run, BaseException):
            assert run.done, case
