"""Takes in the panel: n takes of one request side by side, each playable with its seed, one chosen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.notebook.panel._panel import Panel
from veo_widgets.schema._family import get_model

from ..conftest import QUICK_POLLS, Counting
from ..helpers import html_of, magics_of, played, run, shown_html, until

pytestmark = pytest.mark.timeout(180)

PROMPT = "Waves roll in"


def grids(panel: Panel) -> list[Any]:
    """The rows of takes under the panel's two columns (full width), as a person sees them."""
    return [child for child in panel.take_rows.children if "veo-takes" in child._dom_classes]


def cells(grid: Any) -> list[Any]:
    return [child for child in grid.children if "veo-take" in child._dom_classes]


def text_of(cell: Any, cls: str) -> str:
    """The HTML shown by the parts of ``cell`` with class ``cls`` (an HTML widget or an Output)."""
    found = [w for w in _walk(cell) if cls in getattr(w, "_dom_classes", ())]
    html = [w.value for w in found if hasattr(w, "value")]
    html += [str(o["data"].get("text/html", "")) for w in found for o in getattr(w, "outputs", ())]
    return "".join(html)


def _walk(widget: Any) -> list[Any]:
    out = [widget]
    for child in getattr(widget, "children", ()):
        out += _walk(child)
    return out


def pick_button(cell: Any) -> Any:
    return next(w for w in _walk(cell) if "veo-take-pick" in getattr(w, "_dom_classes", ()))


def all_ended(panel: Panel) -> bool:
    return bool(panel.cards) and all(card.done.is_set() for card in panel.cards)


def test_four_takes_appear_side_by_side_and_one_is_chosen(panel_client: veo.Client, image_file: Path) -> None:
    seed = 1
    panel = Panel(prompt=PROMPT, image=image_file, duration=4, seed=seed, client=panel_client)
    panel.takes.value = 4
    until(lambda: "4 takes" in panel.estimate.value)  # the estimate is for the whole set
    panel.generate_button.click()

    [grid] = grids(panel)
    assert grid.layout.flex_flow == "row wrap"  # side by side, wrapping on a narrow screen
    shown = cells(grid)
    assert len(shown) == 4
    assert [card.number for card in panel.cards] == [1, 2, 3, 4]  # one number per submitted job
    until(lambda: all_ended(panel))

    assert [card.status for card in panel.cards] == ["completed"] * 4
    for cell in shown:
        assert "<video" in text_of(cell, "veo-take-player")  # each take plays on its own
        assert not pick_button(cell).disabled
    seeds = [text_of(cell, "veo-take-seed") for cell in shown]
    assert seeds == [f"<small>seed <code>{seed + i}</code></small>" for i in range(4)]  # seed, seed+1, ...

    jobs = [card.job for card in panel.cards]
    rows = [panel_client.journal.row(job.id) for job in jobs if job is not None]
    assert len(rows) == 4 and all(row is not None for row in rows)
    groups = {row["take_group"] for row in rows if row is not None}
    assert len(groups) == 1 and None not in groups  # one take group for the four
    # the history strip lists each take as it finishes
    assert sorted(b.description.split()[0] for b in panel.history.children) == ["#1", "#2", "#3", "#4"]

    pick_button(shown[2]).click()
    chosen = [panel_client.journal.find(job.id).chosen for job in jobs if job is not None]  # type: ignore[union-attr]
    assert chosen == [False, False, True, False]
    assert ["veo-take-chosen" in cell._dom_classes for cell in shown] == [False, False, True, False]
    assert panel.result is not None and jobs[2] is not None and panel.result.id == jobs[2].id

    pick_button(shown[0]).click()  # changing one's mind: still exactly one chosen take
    chosen = [panel_client.journal.find(job.id).chosen for job in jobs if job is not None]  # type: ignore[union-attr]
    assert chosen == [True, False, False, False]
    assert ["veo-take-chosen" in cell._dom_classes for cell in shown] == [True, False, False, False]
    assert panel.result is not None and jobs[0] is not None and panel.result.id == jobs[0].id


def test_one_take_is_a_single_card_as_before(panel_client: veo.Client, image_file: Path) -> None:
    panel = Panel(prompt=PROMPT, image=image_file, duration=4, seed=1, client=panel_client)
    assert panel.takes.value == 1
    panel.generate()
    job = panel.wait(timeout=60)
    assert grids(panel) == [] and len(panel.jobs.children) == 1 and "veo-job" in panel.jobs.children[0]._dom_classes
    assert panel.take_rows in panel.children  # the row of takes spans the panel's width
    assert panel.result is job and job.path is not None
    assert any("<video" in str(o["data"].get("text/html", "")) for o in panel.player.outputs)
    row = panel_client.journal.row(job.id)
    assert row is not None and row["take_group"] is None and row["relation"] is None


def test_a_model_without_a_seed_makes_takes_with_no_seed_shown(panel_client: veo.Client, image_file: Path) -> None:
    model = get_model("veo-3.1-fast-i2v")
    assert not model.takes_seed
    panel = Panel(prompt=PROMPT, image=image_file, duration=4, model=model.id, client=panel_client, takes=2)
    assert panel.form._rows["seed"].layout.display == "none"  # no seed field is offered
    panel.generate()
    [grid] = grids(panel)
    panel.wait(timeout=90)  # the whole set, not only the last take
    assert all_ended(panel)
    shown = cells(grid)
    assert [card.status for card in panel.cards] == ["completed"] * 2
    assert ["no seed: model has none" in text_of(cell, "veo-take-seed") for cell in shown] == [True, True]
    assert all("<video" in text_of(cell, "veo-take-player") for cell in shown)
    jobs = [card.job for card in panel.cards if card.job is not None]
    assert len({job.id for job in jobs}) == 2 and all((job.request or {}).get("seed") is None for job in jobs)
    chosen = panel.pick(2)  # from code, as the second cell's button does
    assert chosen.id == jobs[1].id and panel.result is not None and panel.result.id == jobs[1].id
    # Regression (issue 21, 10): the chosen take plays in the main player too.
    assert jobs[1].path is not None and jobs[1].path.name in played(panel)
    assert [panel_client.journal.find(job.id).chosen for job in jobs] == [False, True]  # type: ignore[union-attr]
    assert "veo-take-chosen" in shown[1]._dom_classes
    with pytest.raises(ValueError, match="no take #7"):
        panel.pick(7)


def test_a_budget_refuses_the_whole_set_before_anything_is_sent(emulator: Emulator, image_file: Path) -> None:
    transport = Counting(emulator)
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS, transport=transport) as client:
        one = client.estimate(duration=4).usd
        assert one is not None
        client.budget_usd = round(one * 2.5, 2)  # two takes fit; four do not
        panel = Panel(prompt=PROMPT, image=image_file, duration=4, seed=1, client=client, takes=4)
        panel.generate()
        assert "budget" in panel.form_message.value and panel.status == "error"
        assert panel.cards == [] and grids(panel) == []
        assert not [r for r in transport.requests if r.method == "POST"]  # no create was sent
        assert client.journal.history() == []


def test_show_code_writes_the_variations_call(panel_client: veo.Client, image_file: Path) -> None:
    panel = Panel(prompt=PROMPT, image=image_file, duration=4, seed=3, client=panel_client)
    panel.show_code.value = True
    panel.takes.value = 3
    code = panel.code_text()
    assert "client.variations(" in code and "n=3," in code and "seed=3" in code
    assert "client.variations(" in panel.code.value
    compile(code, "<show code>", "exec")  # it runs as written
    panel.takes.value = 1
    assert "client.generate(" in panel.code_text() and "    n=" not in panel.code_text()


def test_each_take_has_its_own_cancel_and_resume(
    panel_client: veo.Client, emulator: Emulator, image_file: Path
) -> None:
    emulator.add_fault("never_finish", times=2)
    panel = Panel(prompt=PROMPT, image=image_file, duration=4, seed=1, client=panel_client, takes=2)
    panel.generate()
    first, second = panel.cards
    until(lambda: first.job is not None and second.job is not None)
    first.cancel_button.click()
    until(first.done.is_set)
    assert first.status == "stopped" and not second.done.is_set()  # the other take goes on
    assert "veo-note" in first.message.value and first.resume_button.layout.display is None
    panel.cancel()
    until(second.done.is_set)
    assert second.status == "stopped"


def test_a_stopped_take_resumes_and_can_then_be_chosen(image_file: Path) -> None:
    # Jobs of about three seconds: long enough to stop one take while it runs.
    with (
        Emulator(timing=3, seed=12) as emulator,
        veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS) as client,
    ):
        panel = Panel(prompt=PROMPT, image=image_file, duration=4, seed=1, client=client, takes=2)
        panel.generate()
        first, second = panel.cards
        until(lambda: first.job is not None and first.job.id)
        first.cancel_button.click()
        until(first.done.is_set)
        assert first.status == "stopped" and first.resume_button.layout.display is None
        first.resume_button.click()
        assert first.resume_button.layout.display == "none"
        until(lambda: first.done.is_set() and second.done.is_set())
        assert first.status == "completed" and first.job is not None and first.job.path is not None
        assert first.job.path.exists() and first.bar.value == 1.0
        panel.pick(first.number)
        assert panel.result is not None and panel.result.id == first.job.id


def test_takes_started_say_where_they_are_and_are_scrolled_to(panel_client: veo.Client, image_file: Path) -> None:
    # Regression: with Takes > 1 the row appeared under the whole form, out of sight, and
    # nothing near Generate said anything had happened.
    panel = Panel(prompt=PROMPT, image=image_file, duration=4, seed=1, client=panel_client, takes=2)
    panel.generate()
    note = panel.form_message.value
    assert "2 takes started (#1 to #2)" in note and "below the form" in note and "Show them" in note
    assert "veo-error" not in note and "scrollIntoView" in note
    hook = shown_html(panel)  # what Generate started is scrolled into view if off screen
    assert ".veo-take-rows .veo-takes" in hook and "scrollIntoView" in hook
    assert "getBoundingClientRect" in hook  # only when it is not visible
    panel.wait(timeout=90)
    assert all_ended(panel)


def test_takes_appear_side_by_side_under_the_cell_and_one_is_chosen(
    ip: InteractiveShell, image_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    seed = 1
    with capture_output() as cap:
        jobs = run(ip, f"%%veo -i {image_file} -d 4 --seed {seed} -n 4 --name job\nWaves roll in")
    grid = ip.user_ns["job"]
    views = [o.data.get("application/vnd.jupyter.widget-view+json", {}) for o in cap.outputs]
    assert {"model_id": grid.widget.model_id} in [{"model_id": v.get("model_id")} for v in views]  # shown
    assert cap.stdout.startswith("estimate: about $") and "for 4 takes" in cap.stdout.splitlines()[0]
    assert len(jobs) == 4 and all(job.ok and job.path is not None and job.path.exists() for job in jobs)
    assert len(grid.takes) == 4 and grid.widget.layout.flex_flow == "row wrap"
    assert all("<video" in take.shown for take in grid.takes)
    assert [take.seed.value for take in grid.takes] == [
        f"<small>seed <code>{seed + i}</code></small>" for i in range(4)
    ]
    journal = magics_of(ip).client.journal
    groups = {(journal.row(job.id) or {}).get("take_group") for job in jobs}
    assert len(groups) == 1 and None not in groups
    saved = [o.data for o in cap.outputs if 'data-veo="static-takes"' in o.data.get("text/html", "")]
    assert saved, "no saved view beside the takes row"  # what a notebook saved or reopened shows
    with capture_output() as picked:
        grid.takes[1].pick_button.click()
    (static,) = [o.data for o in picked.outputs if "static-takes" in o.data.get("text/html", "")]  # kept up to date
    text = static["text/plain"]
    assert text.startswith("veo_widgets: 4 takes (saved view, not live)")
    assert text.endswith("Run the cell again to use it.")
    lines = text.splitlines()[1:5]
    assert [line.split()[:3] for line in lines] == [[f"#{i + 1}", "seed", str(seed + i)] for i in range(4)]
    assert ["★ chosen" in line for line in lines] == [False, True, False, False]
    assert all("completed" in line for line in lines) and "when saved" not in text  # nothing claims to run
    assert "★ chosen" in static["text/html"] and "Run the cell again to use it." in static["text/html"]
    assert "live" not in text.replace("not live", "")
    assert [journal.find(job.id).chosen for job in jobs] == [False, True, False, False]  # type: ignore[union-attr]
    assert ["veo-take-chosen" in take.widget._dom_classes for take in grid.takes] == [False, True, False, False]
    assert grid.chosen is not None and grid.chosen.id == jobs[1].id
    with pytest.raises(ValueError, match="not one of these takes"):
        grid.pick(jobs[0].evolve(id="gen-elsewhere"))  # a job from another cell is named, not a StopIteration
    with capture_output() as cap:
        run(ip, "%veo history")
    history = html_of(cap)
    assert history.count("★") == 1 and history.index("★") > history.index(jobs[1].id)  # on the chosen take's row


def test_takes_in_the_background_return_at_once_and_keep_going(ip: InteractiveShell, image_file: Path) -> None:
    with capture_output():
        result = run(ip, f"%%veo -i {image_file} -d 4 --seed 1 -n 2 --background --name job\nWaves roll in")
    grid = ip.user_ns["job"]
    assert result is None and len(grid.takes) == 2
    jobs = grid.wait(60)
    assert len(jobs) == 2 and all("<video" in take.shown for take in grid.takes)


def test_takes_in_demo_mode_say_so(ip: InteractiveShell, image_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Regression (issue 21, 13): `%%veo -n` takes had no demo banner (a single %%veo did).
    monkeypatch.setenv("VEO_DEMO_SECONDS", "1")
    keyed = magics_of(ip).client
    with veo.Client() as demo:  # no key: demo mode, as a new user has it
        assert demo.demo
        magics_of(ip).client = demo
        try:
            with capture_output() as cap:
                run(ip, f"%%veo -i {image_file} -d 4 -n 2\nWaves roll in")
        finally:
            magics_of(ip).client = keyed
    assert "veo-demo-banner" in html_of(cap)
