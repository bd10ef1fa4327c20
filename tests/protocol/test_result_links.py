"""Expiring result links, end to end: the real clients against an emulator whose clock the
test moves (no sleeping). A link the file host refuses is swapped for a fresh one by
polling the job again, for a download at completion, ``download`` of an old job and
``wait`` on one (resume); a link refused every time ends in a clear error, not a loop."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.protocol._download import FRESH_LINKS

from ..conftest import FAST, Flavour, probe

pytestmark = pytest.mark.timeout(120)


class Clock:
    """The emulator's clock for links: real time plus however far the test moved it."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.time() + self.ahead


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def linked(clock: Clock) -> Iterator[Emulator]:
    with Emulator(timing=0.5, seed=7, result_ttl=2, clock=clock) as emu:
        yield emu


@pytest.fixture
def links_client(flavour: str, linked: Emulator) -> Iterator[Flavour]:
    linked.clear_faults()
    client = Flavour(flavour, linked)
    yield client
    client.close()
    linked.clear_faults()


def polls(emu: Emulator, job: veo.Job) -> int:
    return emu.stats.jobs[job.id].get("polls", 0)


def test_an_old_job_s_expired_link_is_refreshed_and_the_video_delivered(
    links_client: Flavour, linked: Emulator, clock: Clock, image_file: Path, tmp_path: Path
) -> None:
    job = links_client.generate("waves", image=image_file, save_to=tmp_path / "first", **FAST)
    assert job.path is not None and "X-Amz-Expires=2" in (job.video_url or "")
    clock.ahead += 60  # a minute later: the link the journal holds has expired
    before = polls(linked, job)
    again = links_client.download(job.id, tmp_path / "again.mp4")
    assert probe(again)["duration"] == pytest.approx(4, abs=0.1)
    assert polls(linked, job) == before + 1  # one poll for a fresh link
    row = links_client.journal.find(job.id)
    assert row is not None and row.video_url != job.video_url  # the fresh link is kept


def test_resume_of_a_completed_job_with_an_expired_link_saves_the_video(
    links_client: Flavour, linked: Emulator, clock: Clock, image_file: Path, tmp_path: Path
) -> None:
    job = links_client.wait(links_client.submit("waves", image=image_file, **FAST), timeout=60)
    assert job.ok and job.video_url
    clock.ahead += 60
    path = links_client.download(links_client.wait(job.id, timeout=60), tmp_path / "resumed.mp4")
    assert path.is_file() and probe(path)["video_codec"] == "h264"


def test_a_link_refused_every_time_ends_in_a_clear_error_not_a_loop(
    links_client: Flavour, linked: Emulator, image_file: Path, tmp_path: Path
) -> None:
    linked.add_fault("expired_url", endpoint="create")  # every link of this job is refused
    seen: list[veo.Job] = []
    with pytest.raises(veo.NotFoundError, match=f"refused the result link of .* {FRESH_LINKS + 1} times"):
        links_client.generate("waves", image=image_file, save_to=tmp_path, on_submit=seen.append, **FAST)
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob("*.part"))
    done = polls(linked, seen[0])
    assert links_client.journal.find(seen[0].id) is not None  # paid, so still findable
    with pytest.raises(veo.NotFoundError):  # "download again" keeps to the same bound
        links_client.download(seen[0].id, tmp_path / "again.mp4")
    assert polls(linked, seen[0]) == done + FRESH_LINKS
