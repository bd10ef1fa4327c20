"""%%veo and %veo in a real InteractiveShell, against the emulator."""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from PIL import Image

import veo_widgets as veo
from veo_widgets.emulator import Emulator
from veo_widgets.notebook.panel._panel import Panel
from veo_widgets.schema._family import restore_builtin

from ..conftest import QUICK_POLLS, SENTINEL_KEY, probe
from ..helpers import (
    CELL_FLAGS,
    RUNNING_TEST,
    ctrl_c,
    enter_key,
    hosted_clip,
    html_of,
    magics_of,
    main_thread_in,
    ready_in_time,
    run,
)

pytestmark = pytest.mark.timeout(120)


def test_cell_magic_generates_shows_and_returns_the_job(
    ip: InteractiveShell, image_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the notebook's folder: VEO_OUTPUT_DIR (tmp_path/out) is inside it
    with capture_output() as cap:
        job = run(
            ip, f'%%veo -i {image_file} --duration 4 --seed 1 --negative-prompt "blurry, low contrast"\nWaves roll in'
        )
    assert isinstance(job, veo.Job) and job.ok and job.path is not None and job.path.exists()
    assert ip.user_ns["_"] is job
    assert job.request is not None and job.request["negative_prompt"] == "blurry, low contrast"
    assert job.request["prompt"] == "Waves roll in"
    shown = html_of(cap)
    assert "<video" in shown and job.path.name in shown
    assert 'data-status="completed"' in shown and f"saved: {job.path}" in cap.stdout


def test_namespace_expansion_in_prompt_and_options(ip: InteractiveShell) -> None:
    ip.user_ns["subject"] = "lighthouse"
    ip.user_ns["img"] = Image.new("RGB", (320, 180), (200, 100, 50))
    with capture_output():
        job = run(ip, "%%veo --image {img} -d 4 --seed 1 --name job\nA {subject} at dusk, {{calm}}")
    assert job.request["prompt"] == "A lighthouse at dusk, {calm}"
    assert job.request["image"] == "<PIL image>"
    assert ip.user_ns["job"] is job


def test_bytes_in_a_variable(ip: InteractiveShell, image_file: Path) -> None:
    ip.user_ns["raw"] = image_file.read_bytes()
    with capture_output():
        job = run(ip, "%%veo -i {raw} -d 4 --seed 1\nbytes work too")
    assert job.ok and job.request["image"] == "<bytes>"


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("-i {image} --duration 5", "duration"),
        ("-i {image} --aspect-ratio 4:3", "aspect ratio"),
        ("-i {image} --resolution 4k", "resolution"),
        ("-i {image} --seed -3", "seed"),
        ("-i {image} --seed abc", "whole number"),
        ("--duration 4", "needs a first frame"),
        ("-i missing.png", "no such file"),
        ("-i {nope}", "no variable named 'nope'"),
        ("-i {image} --bogus 1", "unrecognized arguments"),
    ],
)
def test_bad_options_are_usage_errors_before_any_request(
    ip: InteractiveShell, emulator: Emulator, image_file: Path, line: str, words: str
) -> None:
    before = emulator.stats.creates
    ip.user_ns["image"] = str(image_file)
    with pytest.raises(UsageError, match=words.replace("(", r"\(")):
        ip.run_cell_magic("veo", line.replace("{image}", str(image_file)), "a prompt")
    assert emulator.stats.creates == before


def test_empty_prompt_is_a_usage_error(ip: InteractiveShell, image_file: Path) -> None:
    with pytest.raises(UsageError, match="empty"):
        ip.run_cell_magic("veo", f"-i {image_file}", "   \n")


def test_api_errors_are_one_clear_line(
    ip: InteractiveShell, emulator: Emulator, image_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.add_fault("403", endpoint="create")
    with capture_output() as cap:
        result = ip.run_cell_magic("veo", f"-i {image_file} -d 4", "out of credits")
    assert result is None
    lines = [line for line in cap.stderr.splitlines() if line.strip()]
    assert lines == ["veo: The AI/ML API account is out of credits: top it up, then generate again."]


def test_background_returns_at_once_and_keeps_updating(
    ip: InteractiveShell, emulator: Emulator, image_file: Path
) -> None:
    emulator.add_fault("hold", endpoint="create", seconds=3)  # the create is answered 3 s after it arrives
    with capture_output():
        panel = run(ip, f"%%veo -i {image_file} -d 4 --seed 1 --background --name job\nin the background")
    assert isinstance(panel, Panel)
    assert panel.status == "submitting"  # the cell returned before the create was answered
    job = panel.wait(timeout=60)
    assert job.ok and panel.status == "completed"
    assert "<video" in "".join(o["data"].get("text/html", "") for o in panel.player.outputs)
    assert ip.user_ns["job"] == job


def test_interrupt_stops_waiting_and_names_the_job(ip: InteractiveShell, emulator: Emulator, image_file: Path) -> None:
    emulator.add_fault("never_finish")

    owner = RUNNING_TEST["id"]

    def interrupt_once_the_job_is_waited_on() -> None:  # as a person: Ctrl-C while it waits
        if ready_in_time(lambda: any(j.id for j in veo.history()) and main_thread_in("_foreground"), owner):
            ctrl_c(owner, interrupt_main=True)  # as the kernel does

    presser = threading.Thread(target=interrupt_once_the_job_is_waited_on, daemon=True)
    presser.start()
    with capture_output() as cap:
        result = ip.run_cell_magic("veo", f"-i {image_file} -d 4", "never ends")
    presser.join()
    assert result is None
    job = veo.history()[0]
    assert f"stopped waiting for {job.id}" in cap.stderr and f"%veo resume {job.id}" in cap.stderr
    assert job.status in ("queued", "generating")  # the journal still has it, resumable


def test_help_lists_every_option(ip: InteractiveShell) -> None:
    doc = ip.find_cell_magic("veo").__doc__ or ""
    for option in CELL_FLAGS:
        assert option in doc


def test_config_traitlets_change_the_defaults(ip: InteractiveShell, image_file: Path) -> None:
    run(ip, '%config VeoMagics.resolution = "1080p"')
    assert magics_of(ip).resolution == "1080p"
    # 1080p is only offered at 8 s: the configured default is what the request used.
    with pytest.raises(UsageError, match="resolution 1080p needs duration 8"):
        ip.run_cell_magic("veo", f"-i {image_file} -d 4", "x")


def test_line_magics(ip: InteractiveShell, image_file: Path) -> None:
    with capture_output():
        job = run(ip, f"%%veo -i {image_file} -d 4 --seed 1\nfor the line magics")
    with capture_output() as cap:
        status = run(ip, f"%veo status {job.id}")
    assert status.status == "completed" and f"{job.id}: completed" in cap.stdout
    with capture_output() as cap:
        run(ip, "%veo history")
    assert job.id in html_of(cap) and "for the line magics" in html_of(cap)
    with capture_output() as cap:
        resumed = run(ip, f"%veo resume {job.id}")
    assert resumed.path == job.path and "<video" in html_of(cap)
    assert f"{job.id} is already saved: {job.path}" in cap.stdout  # as `veo resume` says it
    with capture_output():
        panel = run(ip, "%veo panel")
    assert isinstance(panel, Panel)
    with pytest.raises(UsageError):
        run(ip, "%veo frobnicate")


def test_demo_switch(ip: InteractiveShell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VEO_DEMO", "")
    with capture_output() as cap:
        run(ip, "%veo demo on")
    assert "demo mode on" in cap.stdout and magics_of(ip).client.demo
    made = magics_of(ip).client
    with capture_output():
        run(ip, "%veo demo off")
    assert not magics_of(ip).client.demo
    made.close()  # switching modes does not close it: cells started before may still use it
    magics_of(ip).client.close()


def test_a_client_given_to_the_magics_keeps_its_budget_and_is_never_closed_by_them(
    ip: InteractiveShell, emulator: Emulator, image_file: Path
) -> None:
    magics = magics_of(ip)
    run(ip, "%config VeoMagics.budget_usd = 2")
    with veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS, budget_usd=5) as mine:
        magics.client = mine
        magics.client = mine  # set twice: still the same, still open
        assert mine.budget_usd == 5  # its own budget, not the one configured before it came
        run(ip, "%config VeoMagics.budget_usd = 3")
        assert mine.budget_usd == 3  # a budget configured now applies to the client in use
        with capture_output() as cap:
            panel = run(ip, f"%%veo -i {image_file} -d 4 --seed 1 --background\nstill mine")
            run(ip, "%veo demo on")  # a new mode: a new client, said so...
        assert "the client you set is replaced" in cap.stderr and magics.client is not mine
        assert panel.wait(timeout=60).ok  # ...and the cell running on the old one still ends
        assert mine.get(panel.result.id).ok  # the caller's client is still open
    magics.client.close()


def test_reloading_the_extension_leaves_a_background_cell_running(ip: InteractiveShell, image_file: Path) -> None:
    with capture_output():
        panel = run(ip, f"%%veo -i {image_file} -d 4 --seed 1 --background --name job\nacross a reload")
        run(ip, "%reload_ext veo_widgets")
    job = panel.wait(timeout=60)
    assert job.ok and job.path is not None and job.path.exists() and ip.user_ns["job"] == job


def test_every_remaining_option(ip: InteractiveShell, image_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "clips" / "clip.mp4"
    line = (
        f"-i {image_file} -a 9:16 -r 720P -d 4 --seed 2 --negative-prompt 'soft focus' --no-audio --no-enhance "
        f"--model google/veo-3.0-i2v-fast --out {target} --embed --timeout 60 --name job"
    )
    with capture_output() as cap:
        job = run(ip, f"%%veo {line}\nevery option at once")
    assert job.path == target.resolve() and target.exists()
    request = job.request
    assert (request["aspect_ratio"], request["resolution"], request["duration"], request["seed"]) == (
        "9:16",
        "720p",
        4,
        2,
    )
    assert (
        request["negative_prompt"] == "soft focus" and not request["generate_audio"] and not request["enhance_prompt"]
    )
    assert "data:video/mp4;base64," in html_of(cap)  # --embed put the bytes in the output
    assert ip.user_ns["job"] is job


def test_history_reads_the_magics_clients_journal(
    ip: InteractiveShell, emulator: Emulator, image_file: Path, tmp_path: Path
) -> None:
    # Regression: %veo history read the default journal, not the one the magics' client uses.
    magics = magics_of(ip)
    own = veo.Journal(tmp_path / "elsewhere.sqlite3")
    magics.client.close()
    magics.client = veo.Client(emulator.api_key, emulator.url, schedule=QUICK_POLLS, journal=own)
    with capture_output():
        job = run(ip, f"%%veo -i {image_file} -d 4 --seed 1\nin my own journal")
    assert veo.history() == [] and own.history()[0].id == job.id
    with capture_output() as cap:
        run(ip, "%veo history")
    assert job.id in html_of(cap) and "in my own journal" in html_of(cap)


def test_job_ids_take_an_unambiguous_prefix(ip: InteractiveShell, image_file: Path) -> None:
    with capture_output():
        job = run(ip, f"%%veo -i {image_file} -d 4 --seed 1\nfind me by my first letters")
    prefix = "".join(ch for ch in job.id if ch.isalnum())[:8]  # as the file name spells it
    assert prefix in job.path.name
    with capture_output() as cap:
        status = run(ip, f"%veo status {prefix}")
    assert status.id == job.id and f"{job.id}: completed" in cap.stdout
    with capture_output():
        resumed = run(ip, f"%veo resume {prefix}")
    assert resumed.id == job.id


def test_a_bad_history_count_is_not_blamed_on_a_number(ip: InteractiveShell) -> None:
    with pytest.raises(UsageError, match="how many jobs"):
        run(ip, "%veo history lots")


def test_status_errors_say_what_they_are(ip: InteractiveShell) -> None:
    # Regression: every ValueError became "... is not a number".
    with capture_output() as cap:
        result = run(ip, "%veo status no-such-job")
    assert result is None and "Not found" in cap.stderr and "not a number" not in cap.stderr
    with pytest.raises(UsageError, match="exactly one job id"):
        run(ip, "%veo status a b")


def test_status_of_a_job_whose_server_is_gone_reads_the_journal(ip: InteractiveShell, image_file: Path) -> None:
    # As `veo status` does: the journal's record, saying as of when, not an error.
    with Emulator(timing=0.3) as emu, veo.Client(emu.api_key, emu.url) as client:
        job = client.generate("made on a server that then stopped", image=image_file, duration=4, seed=5)
    with capture_output() as cap:
        status = run(ip, f"%veo status {job.id}")
    assert status.id == job.id and status.ok and f"{job.id}: completed (as of" in cap.stdout
    assert "does not know it now" in cap.stdout and not cap.stderr


def test_unknown_subcommand_lists_the_real_ones(ip: InteractiveShell) -> None:
    with pytest.raises(UsageError, match="history"):
        run(ip, "%veo frobnicate")


def test_panel_shares_the_magics_client(ip: InteractiveShell) -> None:
    with capture_output():
        panel = run(ip, "%veo panel")
    assert panel.client is magics_of(ip).client
    enter_key(panel, SENTINEL_KEY)
    assert panel.client is magics_of(ip).client


def test_models_lists_the_family(ip: InteractiveShell) -> None:
    with capture_output():
        listing = run(ip, "%veo models")
    text = repr(listing) if not hasattr(listing, "table") else listing.table()
    assert "veo-3-fast-i2v" in text and "google/veo-3.0-i2v-fast" in text and "extend" in text


def test_models_refresh_lists_the_family_as_the_api_s_schemas_say_now(ip: InteractiveShell) -> None:
    from veo_widgets.schema._openapi import find_entry

    with Emulator(timing=0.3, draft=True) as emu, veo.Client(emu.api_key, emu.url) as client:
        magics_of(ip).client = client
        entry = find_entry("google/veo-3.0-i2v-fast")
        assert entry is not None
        changed = copy.deepcopy(dict(entry["schema"]))
        changed["properties"]["duration"]["enum"] = [6, 8, 10]
        emu.change_schema("google/veo-3.0-i2v-fast", changed)
        with capture_output() as cap:
            before = run(ip, "%veo models")  # nothing read yet: the built-in table, nothing sent
        assert (
            "4/6/8 s" in row_of(before, "veo-3-fast-i2v") and "schemas:" not in cap.stdout and emu.schema_requests == []
        )
        with capture_output() as cap:
            listing = run(ip, "%veo models --refresh")
        assert "6/8/10 s" in row_of(listing, "veo-3-fast-i2v")
        assert f"schemas: {len(listing)} of {len(listing)} models as the API's schemas say now" in cap.stdout
        emu.add_fault("503", endpoint="schemas", times=None)
        restore_builtin()
        with capture_output() as cap:
            listing = run(ip, "%veo models --refresh")
        assert "4/6/8 s" in row_of(listing, "veo-3-fast-i2v") and "schemas: 0 of" in cap.stdout
        assert "could not read the model schemas" in cap.stdout and "HTTP 503" in cap.stdout
        with pytest.raises(UsageError, match="--refresh"):
            run(ip, "%veo models --wide")


def row_of(listing: Any, short: str) -> str:
    return next(line for line in listing.table().splitlines() if line.startswith(f"{short} "))


def test_config_has_a_trait_per_option_of_the_schema(ip: InteractiveShell) -> None:
    from veo_widgets.schema._options import OPTIONS

    with capture_output() as cap:
        run(ip, "%veo config")
    traits = {line.split(" = ")[0].split(".")[1] for line in cap.stdout.splitlines() if line.startswith("VeoMagics.")}
    assert {o.name for o in OPTIONS} | {"model", "output_dir", "timeout", "embed"} <= traits


def test_reconcile_and_gallery(ip: InteractiveShell) -> None:
    with capture_output() as cap:
        found = run(ip, "%veo reconcile")
    assert found == [] and "nothing to reconcile" in cap.stdout
    with capture_output():
        gallery = run(ip, "%veo gallery")
    assert type(gallery).__name__ == "Gallery"


def test_every_mode_from_a_cell(ip: InteractiveShell, image_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "end.png"
    Image.new("RGB", (640, 360), (20, 200, 90)).save(other)
    with capture_output():
        text = run(ip, "%%veo --model veo-3-fast-t2v -d 4 --seed 2 --name job\nA paper boat on a pond")
        first_last = run(
            ip, f"%%veo --model veo-3.1-fast-first-last -i {image_file} --last-image {other} -d 4\nfrom blue to green"
        )
        refs = run(ip, f"%%veo --model veo-3.1-reference --reference {image_file} --reference {other}\nkeep them")
        extended = run(ip, "%%veo --model veo-3.1-fast-extend --extend {job}\nand the boat sails on")
    for job in (text, first_last, refs, extended):
        assert job.ok and job.path is not None and job.path.exists()
    assert text.request["model"] == "google/veo-3.0-fast" and not text.request.get("image")
    assert first_last.request["model"].startswith("google/veo-3.1-first-last")
    assert extended.parent_id == text.id  # the new job remembers what it extends


def test_a_model_that_takes_no_seed_refuses_one_before_sending(
    ip: InteractiveShell, emulator: Emulator, image_file: Path
) -> None:
    before = emulator.stats.creates
    with pytest.raises(UsageError, match="seed"):
        ip.run_cell_magic("veo", f"--model veo-3.1-fast-i2v -i {image_file} --seed 3", "no seeds here")
    assert emulator.stats.creates == before


def test_extend_of_a_link_extend_would_refuse_is_refused_before_sending(
    ip: InteractiveShell, emulator: Emulator, tmp_path: Path
) -> None:
    before = emulator.stats.create_attempts
    for url, says in (
        (hosted_clip(emulator, tmp_path, size=(120, 120)), "120x120; extend takes 16:9 or 9:16"),
        ("http://127.0.0.1:1/clip.mp4", "VEO_UNCHECKED_VIDEO_URLS=1"),
    ):
        with pytest.raises(UsageError) as caught:
            ip.run_cell_magic("veo", f"--model veo-3.1-fast-extend --extend {url}", "and then")
        assert says in str(caught.value)
    assert emulator.stats.create_attempts == before


def test_config_budget_refuses_a_cell_over_it_before_sending(
    ip: InteractiveShell, emulator: Emulator, image_file: Path
) -> None:
    run(ip, "%config VeoMagics.budget_usd = 0.05")
    assert magics_of(ip).client.budget_usd == 0.05
    before = emulator.stats.creates
    with pytest.raises(UsageError) as caught:
        ip.run_cell_magic("veo", f"-i {image_file} -d 4", "over budget")
    message = str(caught.value)
    assert "budget of $0.05" in message and "$0.00 spent" in message and "estimated at $" in message
    assert "nothing was sent" in message and "\n" not in message
    assert emulator.stats.creates == before
    run(ip, "%config VeoMagics.budget_usd = None")
    assert magics_of(ip).client.budget_usd is None


def test_a_cell_prints_its_estimate_before_the_job_starts(ip: InteractiveShell, image_file: Path) -> None:
    with capture_output() as cap:
        job = run(ip, f"%%veo -i {image_file} -d 4 --seed 1\nWaves roll in")
    assert job.ok
    first = cap.stdout.splitlines()[0]
    assert first.startswith("estimate: about $") and "saved:" in cap.stdout


def test_an_estimate_that_cannot_be_had_says_price_unknown(
    ip: InteractiveShell, image_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("catalogue unreadable")

    monkeypatch.setattr(magics_of(ip).client, "estimate", broken)
    with capture_output() as cap:
        job = run(ip, f"%%veo -i {image_file} -d 4 --seed 1\nWaves roll in")
    assert job.ok and cap.stdout.splitlines()[0] == "estimate: price unknown"


def test_takes_over_the_budget_are_refused_whole_before_sending(
    ip: InteractiveShell, emulator: Emulator, image_file: Path
) -> None:
    one = magics_of(ip).client.estimate(duration=4).usd
    assert one is not None
    run(ip, f"%config VeoMagics.budget_usd = {round(one * 2.5, 2)}")  # two takes fit, four do not
    before = emulator.stats.creates
    with pytest.raises(UsageError, match="budget"), capture_output():
        ip.run_cell_magic("veo", f"-i {image_file} -d 4 --takes 4", "over budget")
    assert emulator.stats.creates == before and magics_of(ip).client.journal.history() == []
    run(ip, "%config VeoMagics.budget_usd = None")


def test_a_bad_value_is_refused_before_any_price_is_shown(
    ip: InteractiveShell, emulator: Emulator, image_file: Path
) -> None:
    before = emulator.stats.creates
    with capture_output() as cap, pytest.raises(UsageError, match="duration: 5 is not one of 4, 6, 8"):
        ip.run_cell_magic("veo", f"-i {image_file} -d 5", "x")
    assert "estimate" not in cap.stdout and "price" not in cap.stdout
    with capture_output() as cap, pytest.raises(UsageError, match="seed"):
        ip.run_cell_magic("veo", f"-i {image_file} -m veo-3.1-fast-i2v --seed 3 -n 2", "takes")
    assert "estimate" not in cap.stdout
    assert emulator.stats.creates == before


def test_a_timeout_of_no_time_is_refused_and_a_timed_out_wait_names_the_magic(
    ip: InteractiveShell, emulator: Emulator, image_file: Path
) -> None:
    from traitlets import TraitError

    before = emulator.stats.creates
    for value in ("0", "-1"):
        with pytest.raises(UsageError, match="seconds to wait must be more than 0"):
            ip.run_cell_magic("veo", f"-i {image_file} -d 4 --timeout={value}", "x")
    with pytest.raises(TraitError, match="more than 0"):
        magics_of(ip).timeout = 0
    assert emulator.stats.creates == before
    emulator.add_fault("never_finish")
    with capture_output() as cap:
        assert ip.run_cell_magic("veo", f"-i {image_file} -d 4 --timeout 1", "never ends") is None
    job = magics_of(ip).client.journal.history(1)[0]
    prefix = "".join(ch for ch in job.id if ch.isalnum())[:8]
    assert f"{job.id} is still" in cap.stderr and f"%veo resume {prefix}" in cap.stderr
    assert "client.wait" not in cap.stderr


def test_demo_off_without_a_key_is_one_line_naming_the_key_and_demo_on(
    ip: InteractiveShell, emulator: Emulator, image_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression (issue 21, item 5): `%veo demo off`, then `%%veo --image ... --duration 4`
    # with no key printed a traceback, then one message twice about a key field a cell has not.
    monkeypatch.setenv("VEO_DEMO", "")  # restored after the test: %veo demo writes it
    magics_of(ip).client = None
    with capture_output():
        run(ip, "%veo demo off")
    before = emulator.stats.creates
    with capture_output() as cap:
        result = ip.run_cell(f"%%veo --image {image_file} --duration 4\nwaves")
    error = result.error_in_exec
    assert isinstance(error, UsageError)
    assert "AIMLAPI_KEY" in str(error) and "%veo demo on" in str(error) and "key field" not in str(error)
    shown = (cap.stdout + cap.stderr).strip().splitlines()
    assert shown == [f"UsageError: {error}"], shown  # one line: no traceback, no estimate, said once
    assert emulator.stats.creates == before
    monkeypatch.setenv("AIMLAPI_KEY", emulator.api_key)  # the next cell reads the environment again
    assert magics_of(ip).client.has_key
    magics_of(ip).client.close()


def test_seconds_past_the_longest_clip_make_a_long_take_that_resume_finds_made(
    ip: InteractiveShell, emulator: Emulator
) -> None:
    before = emulator.stats.creates
    with capture_output() as cap:
        job = run(ip, "%%veo --seconds 15 --no-audio\nA kite climbs")
    assert isinstance(job, veo.Job) and job.path is not None
    clip = probe(job.path)
    assert clip["duration"] == pytest.approx(15, abs=0.5) and clip["audio_codec"] is None
    assert 'data-status="completed"' in html_of(cap) and "<video" in html_of(cap)
    assert "2 links (8 + 7 s = 15 s)" in cap.stderr
    assert emulator.stats.creates - before == 2
    chain = str(job.batch).split(":")[0]
    with capture_output():
        again = ip.run_line_magic("veo", f"resume {chain}")
    assert again is not None and again.id == job.id
    assert emulator.stats.creates - before == 2  # every link was made: nothing sent again
