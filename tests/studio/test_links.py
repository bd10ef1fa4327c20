"""A long take's fallback and its resume's price: a model that cannot extend, or an extend
that keeps failing, continues from the last frame and is stitched with a crossfade (and says
so); a resume the budget cannot cover sends nothing."""

from __future__ import annotations

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.studio._chain import load_chain

from ..conftest import QUICK_POLLS, probe


def _client(emulator: Emulator, **kwargs: object) -> veo.Client:
    return veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS, **kwargs)  # type: ignore[arg-type]


def test_extend_failing_twice_falls_back_to_continuing_from_the_last_frame_and_says_so(emulator: Emulator) -> None:
    told: list[str] = []
    before = emulator.stats.creates
    with _client(emulator) as client:
        client.on_notice = told.append  # type: ignore[attr-defined]
        run = veo.start_long_take("A lighthouse at dusk", seconds=15, client=client, fallback="continue")

        @run.on_update
        def break_extends(r: veo.LongTakeRun) -> None:
            if r.links[0].status == "completed" and r.links[1].status == "waiting":
                emulator.add_fault("job_error", endpoint="create", times=2)  # both extend attempts fail

        final = run.wait(timeout=300)
        second = run.links[1].job
    assert emulator.stats.creates - before == 4  # the first clip, two failed extends, one continue
    assert second is not None and second.relation == "continue" and second.parent_id == run.links[0].job.id  # type: ignore[union-attr]
    assert final.path == run.film and run.film is not None
    assert probe(run.film)["duration"] == pytest.approx(8 + 8 - 0.5, abs=0.3)  # two clips less one crossfade
    assert any("failed twice" in line and "crossfade" in line for line in told)
    assert [link.relation for link in load_chain(run.chain).links] == ["first", "continue"]  # a resume goes on so


def test_an_extend_whose_create_may_have_reached_the_api_is_never_sent_again_by_the_fallback(
    emulator: Emulator,
) -> None:
    before = emulator.stats.creates
    with _client(emulator) as client:
        run = veo.start_long_take("A harbour at dawn", seconds=15, client=client, fallback="continue")

        @run.on_update
        def lose_the_extend(r: veo.LongTakeRun) -> None:
            if r.links[0].status == "completed" and r.links[1].status == "waiting":
                emulator.add_fault("403", endpoint="logs", times=None)  # the lost create cannot be looked up
                emulator.add_fault("500", endpoint="create", times=1)  # the extend is made; its answer is a 500

        with pytest.raises(veo.ServerError) as caught:
            run.wait(timeout=300)
    assert caught.value.may_exist
    assert emulator.stats.creates - before == 2  # the first clip and the one extend: nothing sent twice
    assert run.links[1].status == "error" and run.film is None


def test_an_extend_that_was_made_but_cannot_be_downloaded_is_never_paid_for_again(emulator: Emulator) -> None:
    """The extend is made (and billed), then its file cannot be had: the error is the
    download's, not the extend's, and the fallback sends nothing more for that link."""
    before = emulator.stats.creates
    with _client(emulator) as client:
        run = veo.start_long_take("A pier at noon", seconds=15, client=client, fallback="continue")

        @run.on_update
        def expire_the_extend(r: veo.LongTakeRun) -> None:
            if r.links[0].status == "completed" and r.links[1].status == "waiting":
                emulator.add_fault("expired_url", endpoint="create", times=1)  # made; its link never works

        with pytest.raises(veo.NotFoundError):
            run.wait(timeout=300)
    assert emulator.stats.creates - before == 2  # the first clip and the one extend, made once
    assert run.links[1].status == "error" and run.film is None


def test_a_model_that_cannot_extend_continues_from_the_start_when_asked(emulator: Emulator) -> None:
    with pytest.raises(veo.ValidationError) as caught:
        veo.start_long_take("Snow falls", seconds=15, model="veo-3-fast-t2v", client=object())
    assert caught.value.field == "model" and "fallback='continue'" in str(caught.value)
    before = emulator.stats.creates
    with _client(emulator) as client:
        final = veo.long_take("Snow falls", seconds=15, model="veo-3-fast-t2v", client=client, fallback="continue")
        made = [job for job in client.journal.history() if job.batch and job.batch.startswith("chain-")]
    assert emulator.stats.creates - before == 2
    assert sorted(str(job.model) for job in made) == ["google/veo-3.0-fast", "google/veo-3.0-i2v-fast"]
    assert final.path is not None and probe(final.path)["duration"] == pytest.approx(15.5, abs=0.3)


def test_a_resume_the_budget_cannot_cover_is_refused_whole_with_nothing_sent(emulator: Emulator) -> None:
    with _client(emulator) as first:
        run = veo.start_long_take("A fox trots", seconds=22, client=first)

        @run.on_update
        def stop_after_one(r: veo.LongTakeRun) -> None:
            if r.links[0].status == "completed":
                r.cancel()

        with pytest.raises(veo.WaitCancelled):
            run.wait(timeout=300)
    attempts = emulator.stats.create_attempts
    with _client(emulator) as second:
        first_clip = second.estimate([{"model": "veo-3.1-fast-t2v", "duration": 8, "resolution": "720p"}]).usd
        one_extend = second.estimate([{"model": "veo-3.1-fast-extend", "duration": 7}]).usd
        assert first_clip is not None and one_extend is not None
        second.budget_usd = first_clip + one_extend * 1.5  # today's first link and one more, not the two left
        with pytest.raises(veo.BudgetExceededError):
            veo.resume(run.chain, client=second)
    assert emulator.stats.create_attempts == attempts  # nothing sent
