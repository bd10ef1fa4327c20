"""Long takes against the emulator: 8 + 7 + 7 s links become one 22 s clip with sound, a chain
interrupted and resumed pays for no link twice, and a budget refuses the whole chain first."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.studio._chain import chain_path

from ..conftest import QUICK_POLLS, probe


def _client(emulator: Emulator, **kwargs: object) -> veo.Client:
    return veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS, **kwargs)  # type: ignore[arg-type]


def _lineage(client: veo.Client, job: veo.Job) -> list[veo.Job]:
    """The chain from its first clip to ``job``, by the journal's parents."""
    found = client.journal.find(job.id)
    chain = []
    while found is not None:
        chain.append(found)
        found = client.journal.find(found.parent_id) if found.parent_id else None
    return chain[::-1]


def test_a_long_take_interrupted_after_its_second_link_resumes_to_one_22_second_clip(emulator: Emulator) -> None:
    before = emulator.stats.creates
    with _client(emulator) as first:
        run = veo.start_long_take(
            "A fox trots", seconds=22, prompts=["A fox wakes", "It trots", "It leaps"], client=first
        )

        @run.on_update
        def stop_after_two(r: veo.LongTakeRun) -> None:
            if r.links[1].status == "completed":
                r.cancel()  # the kernel dies here, between the second and third link

        with pytest.raises(veo.WaitCancelled):
            run.wait(timeout=300)
    assert [s.status for s in run.links] == ["completed", "completed", "waiting"]
    assert emulator.stats.creates - before == 2

    with _client(emulator) as second:  # a new kernel: only the journal and the chain's file remain
        final = veo.resume(run.chain, client=second)
        links = _lineage(second, final)
    assert emulator.stats.creates - before == 3  # the two links made were not paid for again
    assert not emulator.stats.duplicate_creates
    assert final.path is not None
    clip = probe(final.path)
    assert clip["duration"] == pytest.approx(22, abs=0.5)
    assert clip["video_codec"] == "h264" and clip["audio_codec"] == "aac"
    assert [job.relation for job in links] == [None, "extend", "extend"]
    assert [(job.request or {}).get("prompt") for job in links] == ["A fox wakes", "It trots", "It leaps"]
    assert [round(probe(job.path)["duration"]) for job in links if job.path] == [8, 15, 22]
    assert [job.batch for job in links] == [f"{run.chain}:{i}" for i in range(3)]


def test_a_link_in_flight_when_the_chain_stopped_is_waited_for_not_sent_again(emulator: Emulator) -> None:
    before = emulator.stats.creates
    with _client(emulator) as first:
        run = veo.start_long_take("Rain on a window", seconds=15, client=first)

        @run.on_update
        def stop_once_sent(r: veo.LongTakeRun) -> None:
            job = r.links[1].job
            if job is not None and job.id and r.links[1].status not in ("completed", "cancelled"):
                r.cancel()  # the second link's create was answered: it will be made and billed

        with pytest.raises(veo.WaitCancelled):
            run.wait(timeout=300)
    assert emulator.stats.creates - before == 2
    with _client(emulator) as second:
        final = veo.resume(run.chain, client=second)
    assert emulator.stats.creates - before == 2  # the link in flight was waited for
    assert final.path is not None and probe(final.path)["duration"] == pytest.approx(15, abs=0.5)


def test_a_chain_the_budget_cannot_cover_is_refused_whole_with_nothing_sent(emulator: Emulator) -> None:
    before = emulator.stats.create_attempts
    with _client(emulator) as client:
        whole = client.estimate([{"model": "veo-3.1-fast-t2v", "duration": 8, "resolution": "720p"}])
        assert whole.usd is not None
        client.budget_usd = whole.usd * 2  # two links' worth: the first would pass, the chain cannot
        with pytest.raises(veo.BudgetExceededError):
            veo.start_long_take("A fox trots", seconds=22, client=client)
        assert client.journal.history() == []
    assert emulator.stats.create_attempts == before
    chains = chain_path("chain-0").parent
    assert not chains.exists() or not any(chains.iterdir())  # no plan saved either


def test_the_async_client_makes_a_long_take_too(emulator: Emulator) -> None:
    async def make() -> veo.Job:
        async with veo.AsyncClient(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client:
            return await veo.along_take("Waves roll in", seconds=15, client=client, generate_audio=False)

    job = asyncio.run(make())
    assert job.path is not None and Path(job.path).is_file()
    clip = probe(job.path)
    assert clip["duration"] == pytest.approx(15, abs=0.5)
    assert clip["audio_codec"] is None  # generate_audio=False went to every link
