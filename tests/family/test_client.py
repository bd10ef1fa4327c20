"""Issue 13's "Done means" from Python, end to end against the emulator.

For every model of ``veo.models()``, in each of its modes, with that mode's inputs, the
client's generation ends with a video a person can play (H.264, AAC where the model makes
sound, the length and frame size asked for); the async client does the same for one model
per mode. A request the model's spec forbids is refused before anything is sent. The panel,
``%%veo`` and the ``veo`` command have their own modules beside this one.

Speed: the client's generations are all started at once (``client.start``), so the emulator
renders while other tests run; models that take a seed get the same seed and inputs, so the
emulator renders their shared clip once.
"""

from __future__ import annotations

import asyncio
import io
import threading
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.journal._store import Journal

from ..conftest import QUICK_POLLS, Counting, probe
from .cases import (
    BASE_SECONDS,
    CASES,
    FIRST,
    FORBIDDEN,
    LAST,
    PROMPT,
    WAIT,
    assert_playable,
    case_id,
    forbidden_id,
    inputs_for,
    nothing_reached,
    options_for,
    spec_of,
)

pytestmark = pytest.mark.timeout(300)


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
def started(client_runs: dict[tuple[str, str], Any], async_jobs: AsyncBatch) -> None:
    """Every background generation of the module (client and async client) started before
    the first is waited for: the emulator renders while the tests wait."""


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
    closes on the last; an extension holds the clip it extends (it opens as that clip
    opens) and goes on from where that clip ended."""
    run = client_runs[case]
    if isinstance(run, BaseException):
        raise run
    job = run.wait(timeout=WAIT)
    assert job.path is not None and base.path is not None
    opening, closing = end_colours(job.path)
    if case[1] == "first-last":
        assert nearer(opening, FIRST, LAST) and nearer(closing, LAST, FIRST), (opening, closing)
    else:
        began, ended = end_colours(base.path)
        assert max(abs(a - b) for a, b in zip(opening, began, strict=True)) < 20, (opening, began)
        joined = colour_at(job.path, BASE_SECONDS)  # the first added frame
        assert max(abs(a - b) for a, b in zip(joined, ended, strict=True)) < 20, (joined, ended)


def colour_at(path: Path, seconds: float) -> tuple[float, ...]:
    """The mean colour of the first frame at or after ``seconds``."""
    import av
    from PIL import ImageStat

    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= seconds - 1e-3:
                return tuple(ImageStat.Stat(frame.to_image().convert("RGB").resize((64, 36))).mean)
    raise AssertionError(f"{path} is shorter than {seconds} s")


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


def test_extending_an_extension_grows_the_clip_through_google(
    started: None, client_runs: dict[tuple[str, str], Any], family_client: veo.Client, home: Path
) -> None:
    """An extension of an extension extends the whole: 4 -> 11 -> 18 s. The 11 s input is
    longer than fal's extend takes, so the client sends ``provider: "google"`` (the emulator,
    like fal, refuses a longer input without it)."""
    once = client_runs[("veo-3.1-fast-extend", "extend")].wait(timeout=WAIT)
    assert once.path is not None and probe(once.path)["duration"] == pytest.approx(BASE_SECONDS + 7, abs=0.15)
    twice = family_client.generate(
        PROMPT, model="veo-3.1-fast-extend", video=once, save_to=home / "chain", timeout=WAIT
    )
    assert twice.path is not None and probe(twice.path)["duration"] == pytest.approx(BASE_SECONDS + 14, abs=0.15)
    assert (twice.request or {}).get("provider") == "google"


#: One model per mode for the async client: it shares every plan with the sync client but
#: the driver, so a few modes show the driver through.
ASYNC = {"text": "veo-3-fast-t2v", "image": "veo-3-fast-i2v", "extend": "veo-3.1-fast-extend"}


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
            await asyncio.gather(*(self._one(client, s, m) for m, s in ASYNC.items()))

    def result(self, mode: str) -> Any:
        self._thread.join(WAIT)
        return self.results[mode]


@pytest.fixture(scope="module")
def async_jobs(home: Path, session_emulator: Emulator, base: veo.Job) -> AsyncBatch:
    return AsyncBatch(home, session_emulator, base)


@pytest.mark.parametrize("mode", list(ASYNC))
def test_async_client_generates_a_playable_video(async_jobs: AsyncBatch, base: veo.Job, mode: str) -> None:
    short = ASYNC[mode]
    job = async_jobs.result(mode)
    if isinstance(job, BaseException):
        raise job
    assert job.ok and job.model == spec_of(short).id
    assert_playable(job.path, short, mode)
    if mode == "extend":
        assert (job.parent_id, job.relation) == (base.id, "extend")


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


def test_no_generation_left_running(client_runs: dict[tuple[str, str], Any]) -> None:
    """Every run the module started has ended: nothing keeps polling after the tests."""
    for case, run in client_runs.items():
        if not isinstance(run, BaseException):
            assert run.done, case
