"""The panel's running side: Generate starts a job once per click, cards follow it, what ends is played and listed."""

from __future__ import annotations

from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.notebook.panel._panel import Panel

from ...helpers import make, played, statuses_of

pytestmark = pytest.mark.timeout(120)


def test_click_generates_in_the_background_and_plays(
    panel_client: veo.Client, emulator: Emulator, image_file: Path
) -> None:
    emulator.add_fault("hold", endpoint="create", seconds=3)  # the create is answered 3 s after it arrives
    panel = make(panel_client, image_file)
    seen: list[str] = []
    panel.on_complete(lambda job: seen.append(job.id))
    panel.generate_button.click()
    assert panel.status == "submitting"  # the click returned before the create was answered
    job = panel.wait(timeout=60)
    assert job.ok and job.path is not None and job.path.exists()
    assert panel.status == "completed" and panel.result == job and seen == [job.id]
    assert statuses_of(panel) == ["completed"]
    shown = played(panel)
    assert "<video" in shown and job.path.name in shown and "download" in shown
    assert job.id in panel.cards[0].ident.value  # the job id is shown
    assert len(panel.history.children) == 1


def test_failed_generation_shows_what_to_do(panel_client: veo.Client, emulator: Emulator, image_file: Path) -> None:
    emulator.add_fault("job_error")
    panel = make(panel_client, image_file)
    panel.generate()
    with pytest.raises(veo.GenerationFailedError):
        panel.wait(timeout=60)
    message = panel.cards[0].message.value
    assert "Veo could not make this video" in message and "try another prompt" in message
    assert panel.status == "error" and panel.result is None


def test_double_click_submits_once(panel_client: veo.Client, emulator: Emulator, image_file: Path) -> None:
    before = emulator.stats.creates
    panel = make(panel_client, image_file)
    panel.generate_button.click()
    panel.generate_button.click()
    panel.wait(timeout=60)
    assert emulator.stats.creates == before + 1 and len(panel.jobs.children) == 1


def test_several_generations_run_at_once(panel_client: veo.Client, image_file: Path) -> None:
    panel = make(panel_client, image_file)
    panel.generate()
    panel.seed.value = "2"
    panel.generate()
    first, second = panel.cards
    assert second.done.wait(60) and first.done.wait(60)
    assert statuses_of(panel) == ["completed", "completed"]
    assert first.job is not None and second.job is not None and first.job.id != second.job.id
    assert len(panel.history.children) == 2
    # The strip lists jobs as they finish, which for two at once may be either order.
    # Regression (issue 21, 10): listed in the order started, whichever finished first.
    assert [b.description.split()[0] for b in panel.history.children] == ["#1", "#2"]
    button = panel.history.children[0]
    button.click()  # play the first one again
    assert first.job.path is not None and first.job.path.name in played(panel)
    # ... and its card is marked as the one shown, not the last one to finish
    assert "veo-card-shown" in first.widget._dom_classes and "veo-card-shown" not in second.widget._dom_classes
    assert "veo-history-shown" in button._dom_classes


def test_history_labels_have_room_and_the_whole_prompt_as_tooltip(panel_client: veo.Client, image_file: Path) -> None:
    # Regression (issue 21, 10): every label was cut to 18 characters.
    prompt = "a lighthouse on a cliff at dusk, waves crashing below, gulls circling"
    panel = Panel(prompt=prompt, image=image_file, duration=4, seed=1, client=panel_client)
    panel.generate()
    panel.wait(timeout=60)
    (item,) = panel.history.children
    assert item.description.startswith("#1 a lighthouse on a cliff at dusk") and item.description.endswith("…")
    assert prompt in item.tooltip
