"""Cards: each with its own Cancel and Resume, calm when stopped, numbered like the history strip."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.notebook.panel._cards import Card, Ticker
from veo_widgets.notebook.panel._panel import Panel

from ...conftest import QUICK_POLLS
from ...helpers import until

pytestmark = pytest.mark.timeout(120)


def test_cancel_one_of_two_then_resume_it(image_file: Path) -> None:
    # Jobs of about three seconds: long enough to stop one while it runs.
    with (
        Emulator(timing=3, seed=11) as emulator,
        veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client,
    ):
        cancel_one_of_two_then_resume_it(client, image_file)


def cancel_one_of_two_then_resume_it(client: veo.Client, image_file: Path) -> None:
    panel = Panel(prompt="slow one", image=image_file, duration=4, seed=5, client=client)
    panel.generate()
    first = panel.cards[0]
    until(lambda: first.job is not None and first.job.id)
    panel.prompt.value = "quick one"
    panel.generate()
    second = panel.cards[1]
    first.cancel_button.click()  # the first card's own Cancel
    until(first.done.is_set)
    assert first.status == "stopped"
    second_job = panel.wait(timeout=60)  # the other one carries on
    assert second_job.ok and second.status == "completed"
    note = first.message.value
    assert "veo-note" in note and "veo-error" not in note  # a calm note, not a red error
    assert first.job is not None and note.count(first.job.id) == 0 and "Resume" in note
    assert first.resume_button.layout.display is None and first.cancel_button.layout.display == "none"
    first.resume_button.click()
    assert first.resume_button.layout.display == "none"
    until(first.done.is_set)
    assert first.status == "completed" and first.job is not None and first.job.path is not None
    assert first.job.path.exists()
    # Regression (issue 21, 10): the strip was in finishing order (#2 #1): now as started.
    assert [b.description.split()[0] for b in panel.history.children] == ["#1", "#2"]
    # Regression (issue 21, 13): a resumed card's clock counts from its job's creation.
    assert int(first.clock.value.split()[0]) >= int(second.clock.value.split()[0])


def test_a_refused_form_does_not_take_a_number(panel_client: veo.Client, image_file: Path) -> None:
    # Regression: numbers skipped (#2, #3, #4, #7) because refused forms took one.
    panel = Panel(image=image_file, duration=4, seed=1, client=panel_client)
    panel.generate()  # no prompt: refused, nothing submitted
    panel.seed.value = "twelve"
    panel.prompt.value = "ok"
    panel.generate()  # bad seed: refused
    assert panel.cards == [] and panel.status == "error"
    panel.seed.value = "1"
    panel.generate()
    panel.wait(timeout=60)
    assert [c.number for c in panel.cards] == [1]
    assert panel.history.children[0].description.startswith("#1 ")


def test_panel_cancel_without_a_number_stops_every_running_card(
    panel_client: veo.Client, emulator: Emulator, image_file: Path
) -> None:
    emulator.add_fault("never_finish", times=2)
    panel = Panel(prompt="a", image=image_file, duration=4, seed=8, client=panel_client)
    panel.generate()
    panel.seed.value = "9"
    panel.generate()
    until(lambda: all(c.job is not None for c in panel.cards))
    panel.cancel()
    until(lambda: all(c.done.is_set() for c in panel.cards))
    assert [c.status for c in panel.cards] == ["stopped", "stopped"]
    with pytest.raises(veo.WaitCancelled):
        panel.wait(timeout=1)
    assert veo.history()[0].id in {c.job.id for c in panel.cards if c.job}  # still findable


def test_a_new_card_ticks_even_while_the_old_ticker_is_exiting() -> None:
    # Regression: a ticker that had just found nothing running, but not yet exited, made the
    # panel skip starting one, so the new card's clock froze.
    cards: list[Card] = []
    checked, go = threading.Event(), threading.Event()
    calls = 0

    def snapshot() -> list[Card]:
        nonlocal calls
        calls += 1
        seen = list(cards)
        if calls == 1:
            checked.set()
            go.wait(5)  # the old ticker is between "nothing to do" and exiting
        return seen

    ticker = Ticker(snapshot, lambda elapsed: 0.5)
    ticker.ensure()
    assert checked.wait(5)
    cards.append(Card(1, "a prompt", client=None))
    starter = threading.Thread(target=ticker.ensure)
    starter.start()
    time.sleep(0.1)
    go.set()
    starter.join(5)
    until(lambda: cards[0].bar.value > 0)
    cards[0].done.set()


@pytest.mark.parametrize(
    ("status", "label"), [("completed", "100 %"), ("stopped", ""), ("error", ""), ("timed out", "")]
)
def test_a_card_that_ended_keeps_its_ending_when_the_ticker_ticks(status: str, label: str) -> None:
    # Regression: the panel marks a card finished, plays the video, and only then sets
    # `done`; a tick in between painted "~47 % (estimate)" over "completed 100 %".
    card = Card(1, "a prompt", client=None)
    card.tick(0.3)
    assert card.estimate.value.endswith("% (estimate)")
    card.finish(status, "stopped watching" if status != "completed" else "")
    bar = card.bar.value
    card.tick(0.47)
    assert (card.status, card.estimate.value, card.bar.value) == (status, label, bar)
    if status == "completed":
        assert card.bar.value == 1.0


def test_generate_then_wait_leaves_the_bar_at_100_percent(
    panel_client: veo.Client, image_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The path of `panel.generate(); panel.wait()`: playing the video takes a while (an
    # embedded file is read and encoded), and the ticker runs all that time.
    panel = Panel(prompt="waves", image=image_file, duration=4, seed=1, client=panel_client)
    play = panel.play

    def slow_play(job: veo.Job) -> None:
        time.sleep(1.2)  # more than two ticks
        play(job)

    monkeypatch.setattr(panel, "play", slow_play)
    panel.generate()
    panel.wait(timeout=60)
    card = panel.cards[-1]
    time.sleep(0.6)  # a tick that was due is done
    assert card.status == "completed"
    assert (card.bar.value, card.estimate.value) == (1.0, "100 %")
