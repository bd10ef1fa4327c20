"""``client.variations(...)`` and ``client.start_variations(...)``: several takes of one request, for both clients."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator

from ..conftest import FAST, QUICK_POLLS, Counting


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


def test_start_variations_refuses_a_set_over_the_budget_before_sending(emulator: Emulator, image_file: Path) -> None:
    transport = Counting(emulator)
    client = veo.Client(emulator.api_key, emulator.url, transport=transport, budget_usd=2.0)
    with client, pytest.raises(veo.BudgetExceededError):
        client.start_variations("Waves roll in", image=image_file, n=2, **FAST)
    assert not [r for r in transport.requests if r.method == "POST"] and veo.history() == []


def test_a_rerun_made_as_takes_keeps_its_relation(demo: veo.Client, image_file: Path) -> None:
    # Regression: a gallery re-run with Takes > 1 journaled relation "take", losing "rerun".
    parent = demo.generate("Waves roll in", image=image_file, **FAST)
    lineage = {"parent_id": parent.id, "relation": "rerun"}
    runs = demo.start_variations("Waves roll in", image=image_file, n=2, duration=4, seed=1, lineage=lineage)
    rows = [demo.journal.row(run.wait(60).id) for run in runs]
    assert {(row["parent_id"], row["relation"]) for row in rows if row is not None} == {(parent.id, "rerun")}
    assert len({row["take_group"] for row in rows if row is not None}) == 1
