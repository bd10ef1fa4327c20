"""Takes, continuing and extending: seeds, which clips can be extended, and refusals."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest

import veo_widgets as veo
from veo_widgets._media import last_frame
from veo_widgets._studio import avariations, continue_from, extend, extend_model, take_seeds, variations
from veo_widgets.emulator import Emulator

from .conftest import FAST, QUICK_POLLS, Counting


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


@pytest.fixture
def demo(emulator: Emulator) -> Iterator[veo.Client]:
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as made:
        yield made


def test_takes_run_together_with_consecutive_seeds(demo: veo.Client, image_file: Path) -> None:
    runs = variations(demo, "Waves roll in", image=image_file, n=2, duration=4, seed=1)
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
            runs = await avariations(client, "Waves roll in", image=image_file, n=2, duration=4, seed=1)
            return [await run.wait(60) for run in runs]

    jobs = asyncio.run(takes())
    assert [job.request["seed"] for job in jobs if job.request] == [1, 2]
    assert all(job.ok and job.path is not None and job.path.is_file() for job in jobs)


def test_client_variations_returns_the_saved_takes_in_order_as_one_group(demo: veo.Client, image_file: Path) -> None:
    jobs = demo.variations("Waves roll in", image=image_file, n=3, duration=4, seed=7)
    assert [job.request["seed"] for job in jobs if job.request] == [7, 8, 9]
    assert all(job.ok and job.path is not None and job.path.is_file() for job in jobs)
    assert len({job.id for job in jobs}) == 3
    rows = [demo.journal.row(job.client_request_id or "") for job in jobs]
    groups = {row["take_group"] for row in rows if row is not None and row["relation"] == "take"}
    assert len(groups) == 1 and None not in groups  # the gallery shows them as one set of takes


def test_a_set_of_takes_that_would_pass_the_budget_is_refused_whole(emulator: Emulator, image_file: Path) -> None:
    transport = Counting(emulator)
    # one take (4 s with audio, about $1.68) fits in $2.00; two do not
    client = veo.Client(emulator.api_key, emulator.url, transport=transport, budget_usd=2.0)
    with client, pytest.raises(veo.BudgetExceededError) as caught:
        client.variations("Waves roll in", image=image_file, n=2, **FAST)
    assert caught.value.count == 2
    assert not [r for r in transport.requests if r.method == "POST"] and veo.history() == []


def test_async_client_variations_awaits_every_take(emulator: Emulator, image_file: Path) -> None:
    async def takes() -> list[veo.Job]:
        async with veo.AsyncClient(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
            return await client.variations("Waves roll in", image=image_file, n=2, duration=4, seed=3)

    jobs = asyncio.run(takes())
    assert [job.request["seed"] for job in jobs if job.request] == [3, 4]
    assert all(job.ok and job.path is not None and job.path.is_file() for job in jobs)


def test_start_variations_hands_back_the_runs_of_one_group_keeping_a_parent(demo: veo.Client, image_file: Path) -> None:
    parent = demo.generate("Waves roll in", image=image_file, **FAST)
    runs = demo.start_variations(
        "Waves roll in", image=image_file, n=2, duration=4, seed=1, lineage={"parent_id": parent.id}
    )
    assert len(runs) == 2 and all(not run.done or run.job is not None for run in runs)  # handles, at once
    jobs = [run.wait(60) for run in runs]
    assert [job.request["seed"] for job in jobs if job.request] == [1, 2]
    rows = [demo.journal.row(job.id) for job in jobs]
    lineage = {(row["take_group"], row["parent_id"], row["relation"]) for row in rows if row is not None}
    assert len(lineage) == 1 and [(group is not None, p, r) for group, p, r in lineage] == [(True, parent.id, "take")]


def test_a_rerun_made_as_takes_keeps_its_relation(demo: veo.Client, image_file: Path) -> None:
    # Regression: a gallery re-run with Takes > 1 journaled relation "take", losing "rerun".
    parent = demo.generate("Waves roll in", image=image_file, **FAST)
    lineage = {"parent_id": parent.id, "relation": "rerun"}
    runs = demo.start_variations("Waves roll in", image=image_file, n=2, duration=4, seed=1, lineage=lineage)
    rows = [demo.journal.row(run.wait(60).id) for run in runs]
    assert {(row["parent_id"], row["relation"]) for row in rows if row is not None} == {(parent.id, "rerun")}
    assert len({row["take_group"] for row in rows if row is not None}) == 1


def test_start_variations_refuses_a_set_over_the_budget_before_sending(emulator: Emulator, image_file: Path) -> None:
    transport = Counting(emulator)
    client = veo.Client(emulator.api_key, emulator.url, transport=transport, budget_usd=2.0)
    with client, pytest.raises(veo.BudgetExceededError):
        client.start_variations("Waves roll in", image=image_file, n=2, **FAST)
    assert not [r for r in transport.requests if r.method == "POST"] and veo.history() == []
