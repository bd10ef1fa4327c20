"""Takes, continuing and extending: seeds, which clips can be extended, and refusals."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import av
import numpy as np
import pytest

import veo_widgets as veo
from veo_widgets.client._takes import take_seeds
from veo_widgets.emulator import Emulator
from veo_widgets.media._media import last_frame
from veo_widgets.studio._studio import continue_from, extend, extend_model

from ..conftest import QUICK_POLLS


def test_takes_get_different_seeds_that_can_be_made_again() -> None:
    assert take_seeds(4, seed=42) == [42, 43, 44, 45]
    assert take_seeds(2, seed=4_294_967_295) == [4_294_967_295, 0]  # wraps within the API's range
    drawn = take_seeds(4, rng=random.Random(1))
    assert len(set(drawn)) == 4 and all(0 <= s <= 4_294_967_295 for s in drawn)
    for bad in (0, 17, 2.5, True):
        with pytest.raises(veo.ValidationError, match="from 1 to 16"):
            take_seeds(bad)  # type: ignore[arg-type]


def test_only_veo_3_1_clips_offer_extend() -> None:
    def job(model: str) -> veo.Job:
        return veo.Job("j", "completed", request={"prompt": "p", "model": model})

    assert extend_model(job("google/veo-3.1-i2v-fast")) == "google/veo3-1-fast-extend-video"
    assert extend_model(job("google/veo-3.1-t2v")) == "google/veo3-1-extend-video"
    assert extend_model(job("google/veo3-1-extend-video")) == "google/veo3-1-extend-video"  # extend an extension
    assert extend_model(job("google/veo-3.0-i2v-fast")) is None
    with pytest.raises(veo.ValidationError, match=r"only Veo 3\.1 clips"):
        extend(None, job("google/veo-3.0-i2v"), "and then")


def test_takes_run_together_with_consecutive_seeds(demo: veo.Client, image_file: Path) -> None:
    runs = demo.start_variations("Waves roll in", image=image_file, n=2, duration=4, seed=1)
    jobs = [run.wait(timeout=60) for run in runs]
    assert [job.request["seed"] for job in jobs if job.request] == [1, 2]
    assert all(job.path is not None and job.path.is_file() for job in jobs)
    assert jobs[0].id != jobs[1].id
    recorded = [demo.journal.find(job.id) for job in jobs]
    assert [j.relation for j in recorded if j] == ["take", "take"]


def test_continuing_starts_from_the_clips_last_frame_and_records_its_parent(demo: veo.Client, image_file: Path) -> None:
    first = demo.generate("Waves roll in", image=image_file, duration=4, seed=1)
    run = continue_from(demo, first, "The tide goes out", duration=4, seed=1)
    second = run.wait(timeout=60)
    assert second.path is not None
    with av.open(str(second.path)) as video:
        opening = next(video.decode(video=0)).to_ndarray(format="rgb24").astype(int)
    ending = np.asarray(last_frame(first), dtype=int)
    assert np.abs(opening - ending).mean() < 12  # the new clip opens where the old one ended
    found = demo.journal.find(second.id)
    assert found is not None and (found.parent_id, found.relation) == (first.id, "continue")


def test_async_takes_are_awaitable_runs(emulator: Emulator, image_file: Path) -> None:
    async def takes() -> list[veo.Job]:
        async with veo.AsyncClient(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
            runs = await client.start_variations("Waves roll in", image=image_file, n=2, duration=4, seed=1)
            return [await run.wait(60) for run in runs]

    jobs = asyncio.run(takes())
    assert [job.request["seed"] for job in jobs if job.request] == [1, 2]
    assert all(job.ok and job.path is not None and job.path.is_file() for job in jobs)
