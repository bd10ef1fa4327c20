"""Each family module's own journal, client, base clip and input files, made once a module,
on the session's emulator (identical renders are made once); and a *sentry* emulator that
no refused request should ever reach."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.journal._store import Journal

from ..conftest import QUICK_POLLS
from .cases import BASE_SECONDS, FIRST, LAST, PROMPT, SEED, WAIT


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
        PROMPT, FIRST, duration=BASE_SECONDS, resolution="720p", seed=SEED, save_to=home / "base", timeout=WAIT
    )
    assert job.ok and job.path is not None
    return job


@pytest.fixture(scope="module")
def files(home: Path, base: veo.Job) -> dict[str, Path]:
    """The inputs as files a person would pick: two pictures and a local MP4 to extend."""
    folder = home / "inputs"
    folder.mkdir(exist_ok=True)
    out = {"first": folder / "first.png", "last": folder / "last.png", "clip": folder / "clip.mp4"}
    out["first"].write_bytes(FIRST)
    out["last"].write_bytes(LAST)
    assert base.path is not None
    out["clip"].write_bytes(base.path.read_bytes())
    return out


@pytest.fixture(scope="module")
def sentry() -> Iterator[Emulator]:
    """An emulator nothing should reach: every create it sees is a request that was sent."""
    with Emulator(timing=0.5, draft=True) as emu:
        yield emu
