"""The `veo` command, as a person runs it."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.cli import _main as cli_main
from veo_widgets.cli._main import main
from veo_widgets.emulator import Emulator, demo_emulator
from veo_widgets.schema._family import get_model, restore_builtin
from veo_widgets.schema._openapi import find_entry

from ..conftest import probe
from ..helpers import EXAMPLE, hosted_clip, use_emulator

pytestmark = pytest.mark.timeout(120)


def test_generate_in_demo_mode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "clip.mp4"
    code = main(["generate", str(EXAMPLE), "The beam sweeps", "--duration", "4", "--seed", "3", "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 0 and out.exists() and probe(out)["width"] == 1280
    assert f"saved: {out}" in captured.out and "(simulated)" in captured.out
    assert "demo mode: simulated video" in captured.err
    assert "completed" in captured.err  # live status, a line per change when not a terminal


def test_errors_are_one_line_and_nonzero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "nope.png", "x"]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("veo:")]
    assert lines == ["veo: ValidationError: image: no such file: nope.png"]


def test_bad_values_are_refused_before_anything_is_sent(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", str(EXAMPLE), "x", "--duration", "5"]) == 2
    assert "duration" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["generate", str(EXAMPLE), "x", "--bogus"])
    assert caught.value.code == 2


def test_status_resume_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    job = veo.Client().submit("resume from the shell", image=EXAMPLE, duration=4, seed=3)
    assert main(["resume", job.id, "-o", str(tmp_path / "r.mp4")]) == 0
    assert (tmp_path / "r.mp4").exists()
    assert main(["status", job.id]) == 0
    assert main(["history"]) == 0
    out = capsys.readouterr().out
    assert f"{job.id}: completed" in out and "resume from the shell" in out


def test_unknown_id_exits_nonzero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "no-such-job"]) == 1
    assert "NotFoundError" in capsys.readouterr().err


def test_every_option_says_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    from veo_widgets.cli._main import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, sub in commands.items():
        text = " ".join(sub.format_help().split())
        for action in sub._actions:
            if (
                action.option_strings
                and action.default is not None
                and action.default is not False  # 0.0 == False, but a 0.0 default is still said
                and action.help != "==SUPPRESS=="
                and action.default != "==SUPPRESS=="
            ):
                said = f"default: {action.default}" in text or "(default" in (action.help or "")
                assert said, (name, action.option_strings)
        assert sub.description, name  # every command's --help says what it does
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--help" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["stitch", "--help"])
    assert "(default: 0.0)" in " ".join(capsys.readouterr().out.split())  # --crossfade's


def test_history_fits_80_columns_with_a_header(capsys: pytest.CaptureFixture[str]) -> None:
    client = veo.Client()
    long_prompt = "A very long prompt that goes on and on about the sea, the light, the gulls and the lighthouse " * 2
    jobs = [client.submit(long_prompt, image=EXAMPLE, duration=4, seed=i) for i in range(2)]
    assert main(["history", "--width", "80"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "CREATED", "STATUS", "PROMPT"]
    assert all(len(line) <= 80 for line in lines), max(map(len, lines))
    rows = [
        line for line in lines[1:] if line[:8].strip() in {"".join(c for c in j.id if c.isalnum())[:8] for j in jobs}
    ]
    assert len(rows) == 2
    column = lines[0].index("PROMPT")
    assert all(row[column:].startswith("A very long") for row in rows)  # aligned under the header


@pytest.mark.parametrize("width", [40, 50, 60])
def test_history_fits_a_narrow_terminal(capsys: pytest.CaptureFixture[str], width: int) -> None:
    # Regression: --width 40 or 50 printed lines of 60 columns and more.
    client = veo.Client()
    client.submit("A long prompt about the sea and the lighthouse " * 3, image=EXAMPLE, duration=4, seed=7)
    assert main(["history", "--width", str(width)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "A long" in "\n".join(lines) and all(len(line) <= width for line in lines), max(map(len, lines))


def test_ids_take_the_prefix_from_the_file_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    job = veo.Client().submit("find me by prefix", image=EXAMPLE, duration=4, seed=3)
    prefix = "".join(ch for ch in job.id if ch.isalnum())[:8]
    assert main(["resume", prefix, "-o", str(tmp_path / "p.mp4")]) == 0
    assert (tmp_path / "p.mp4").exists()
    assert main(["status", prefix]) == 0
    out = capsys.readouterr().out
    assert f"{job.id}: completed" in out and "saved:" in out


def test_resume_of_a_saved_job_says_so_and_downloads_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with veo.Client() as client:
        job = client.generate("saved already", image=EXAMPLE, duration=4, seed=6)
    assert job.path is not None
    before = sorted(Path(job.path).parent.iterdir())
    assert main(["resume", job.id[:10]]) == 0
    assert f"{job.id} is already saved: {job.path}" in capsys.readouterr().out  # as %veo resume says it
    assert sorted(Path(job.path).parent.iterdir()) == before
    # -o naming another place asks for a copy there.
    assert main(["resume", job.id, "-o", str(tmp_path / "copy.mp4")]) == 0
    assert (tmp_path / "copy.mp4").exists() and "saved:" in capsys.readouterr().out


def test_status_says_what_to_run_next_not_a_dead_url(capsys: pytest.CaptureFixture[str]) -> None:
    job = veo.Client().submit("still running", image=EXAMPLE, duration=4, seed=4)
    assert main(["status", job.id]) == 0
    out = capsys.readouterr().out
    assert "next:  veo resume" in out and "http" not in out


def test_status_of_a_job_whose_emulator_is_gone_reads_the_journal(capsys: pytest.CaptureFixture[str]) -> None:
    from veo_widgets.emulator import Emulator

    with Emulator(timing=0.3) as emu, veo.Client(emu.api_key, emu.url) as client:
        job = client.generate("made on a server that then stopped", image=EXAMPLE, duration=4, seed=5)
    code = main(["status", job.id])
    out = capsys.readouterr().out
    assert code == 0 and f"{job.id}: completed (as of" in out and "http" not in out.split("saved:")[0]


def test_models_lists_the_family(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "veo-3-fast-i2v" in out and "first-last" in out and "extend" in out


def test_reconcile_with_nothing_unconfirmed_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reconcile"]) == 0
    assert "nothing to reconcile" in capsys.readouterr().out


def test_studio_commands_are_on_the_veo_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["stitch", "--help"])
    assert "crossfade" in capsys.readouterr().out


def test_generate_states_the_estimate_before_it_starts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", str(EXAMPLE), "priced", "--duration", "4", "-o", str(tmp_path / "e.mp4")]) == 0
    err = capsys.readouterr().err
    assert "estimate: about $" in err and err.index("estimate:") < err.index("completed")


def test_generate_text_to_video_without_an_image(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "t2v.mp4"
    code = main(["generate", "A paper boat on a pond", "--model", "veo-3-fast-t2v", "-d", "4", "-o", str(out)])
    assert code == 0 and out.exists() and probe(out)["width"] == 1280


def test_history_stars_the_chosen_take_in_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    client = veo.Client()
    prompt = "Three takes of the harbour at dawn, gulls wheeling over the boats and the long grey sea " * 2
    takes = client.variations(prompt, image=EXAMPLE, n=3, duration=4, seed=5)
    client.journal.choose(takes[0].id)
    client.journal.choose(takes[1].id)  # a change of mind: only the second is starred
    assert main(["history", "--width", "80"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(len(line) <= 80 for line in lines), max(map(len, lines))
    column = lines[0].index("PROMPT")
    starred = [line for line in lines if line[column:].startswith("★ Three takes")]
    assert [line[:8] for line in starred] == ["".join(c for c in takes[1].id if c.isalnum())[:8]]
    assert "★ = the take chosen among the takes of its request" in lines


def test_extending_a_saved_file_keeps_its_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    first = ["generate", "--model", "veo-3.1-fast-t2v", "--duration", "4", "A lighthouse at dusk", "-o", "first.mp4"]
    assert main(first) == 0
    parent_id = capsys.readouterr().out.split("job:")[1].split()[0]
    # `veo generate --extend first.mp4`: the file a job saved, named as a person types it
    assert main(["generate", "--model", "veo-3.1-fast-extend", "--extend", "first.mp4", "The beam comes on"]) == 0
    child = veo.Journal().find(capsys.readouterr().out.split("job:")[1].split()[0])
    assert child is not None and (child.parent_id, child.relation) == (parent_id, "extend")


@pytest.mark.timeout(300)
def test_extending_a_link_reads_it_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, emulator: Emulator
) -> None:
    """`veo generate --extend URL`: the link is checked before any price or create, and a
    clip over 8 s goes to Google's extend."""
    use_emulator(monkeypatch, emulator)
    before = emulator.stats.create_attempts
    extend = ["generate", "--model", "veo-3.1-fast-extend", "--extend"]
    for url, says in (
        (hosted_clip(emulator, tmp_path, fps=30), "30 fps; extend takes 24 fps"),
        ("http://127.0.0.1:1/clip.mp4", "set VEO_UNCHECKED_VIDEO_URLS=1 to send it unchecked"),
    ):
        assert main([*extend, url, "and then"]) == 2
        err = capsys.readouterr().err
        assert "veo: ValidationError: video:" in err and says in err and "estimate" not in err
    assert emulator.stats.create_attempts == before
    out = tmp_path / "longer.mp4"
    assert main([*extend, hosted_clip(emulator, tmp_path, seconds=10), "and then", "-o", str(out)]) == 0
    job = veo.Journal().find(capsys.readouterr().out.split("job:")[1].split()[0])
    assert job is not None and (job.request or {}).get("provider") == "google"
    assert probe(out)["duration"] == pytest.approx(17, abs=0.15)


def test_a_bad_value_is_refused_before_any_price_is_shown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", str(EXAMPLE), "x", "--duration", "5"]) == 2
    err = capsys.readouterr().err
    assert "estimate" not in err and "price" not in err
    assert "veo: ValidationError: duration: 5 is not one of 4, 6, 8" in err


@pytest.mark.parametrize("timeout", ["0", "-5", "nan"])
def test_a_timeout_of_no_time_is_refused_before_anything_is_sent(
    timeout: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = len(veo.Client().journal.history())
    with pytest.raises(SystemExit) as caught:
        main(["generate", str(EXAMPLE), "x", "-d", "4", f"--timeout={timeout}"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "--timeout: seconds to wait must be more than 0" in err and "estimate" not in err
    assert len(veo.Client().journal.history()) == before  # no job was created


def test_a_timed_out_wait_says_the_veo_command_that_picks_it_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from veo_widgets.emulator import Emulator

    with Emulator(timing=60) as emu:  # a job that will not finish in time
        use_emulator(monkeypatch, emu)
        assert main(["generate", str(EXAMPLE), "slow", "-d", "4", "--timeout", "1", "-o", str(tmp_path)]) == 3
        err = capsys.readouterr().err.splitlines()[-1]
        job = veo.Client().journal.history(1)[0]
    prefix = "".join(ch for ch in job.id if ch.isalnum())[:8]
    assert err.startswith(f"veo: {job.id} is still ") and err.endswith(f"veo resume {prefix}")
    assert "client.wait" not in err


def test_generate_with_the_sample_image_works_from_any_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = main(["generate", "--sample", "The boat rocks on the bay", "-d", "4", "-o", "s.mp4"])
    captured = capsys.readouterr()
    assert code == 0 and (tmp_path / "s.mp4").exists(), captured.err
    assert main(["generate", "--sample", str(EXAMPLE), "both", "-d", "4"]) == 2
    assert "prompt" in capsys.readouterr().err


def test_extend_a_job_whose_file_is_gone_is_checked_then_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The check before the estimate asks for the job's fresh URL, as the send does.
    base = veo.Client().generate("the base clip", image=EXAMPLE, duration=4, seed=3, save_to=tmp_path / "b.mp4")
    assert base.path is not None
    Path(base.path).unlink()
    prefix = "".join(ch for ch in base.id if ch.isalnum())[:8]
    out = tmp_path / "longer.mp4"
    code = main(["generate", "it goes on", "--model", "veo-3.1-fast-extend", "--extend", prefix, "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0 and out.exists(), err
    assert "estimate:" in err


def test_an_unwritable_output_is_refused_before_the_job_is_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Regression (issue 21, item 2): `-o /proc/nope/out.mp4` ran the (paid) job, then a
    # traceback from mkdir. Now: one line, nothing sent; a missing folder is made.
    from veo_widgets.emulator import demo_emulator

    creates = demo_emulator().stats.creates
    assert main(["generate", str(EXAMPLE), "x", "-d", "4", "-o", "/proc/nope/out.mp4"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("veo:")]
    assert err == ["veo: ValidationError: output: cannot make the folder /proc/nope: No such file or directory"]
    assert demo_emulator().stats.creates == creates and veo.Journal().history() == []
    out = tmp_path / "new" / "folder" / "clip.mp4"
    assert main(["generate", str(EXAMPLE), "x", "-d", "4", "--seed", "3", "-o", str(out)]) == 0
    assert out.is_file()


def test_dash_n_is_takes_as_in_a_cell_not_a_negative_prompt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Regression (issue 21, item 11): `veo generate --sample "x" -n 4` made one clip whose
    # negative prompt was "4". As in `%%veo -n 2`, -n is takes now.
    out = tmp_path / "takes"
    assert main(["generate", "--sample", "two takes", "-n", "2", "-d", "4", "--seed", "5", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.count("saved: ") == 2 and len(list(out.glob("*.mp4"))) == 2
    assert "for 2 takes" in captured.err  # the estimate is for both
    jobs = veo.Journal().history()
    assert len(jobs) == 2 and {j.relation for j in jobs} == {"take"}
    assert all("negative_prompt" not in (j.request or {}) for j in jobs)
    assert sorted((j.request or {}).get("seed") for j in jobs) == [5, 6]


def test_takes_into_one_file_are_refused_before_anything_is_sent(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--sample", "x", "-n", "2", "-d", "4", "-o", "one.mp4"]) == 2
    assert "2 takes are 2 files: give a folder" in capsys.readouterr().err
    assert veo.Journal().history() == []


def test_version_and_a_not_sent_row_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0 and capsys.readouterr().out.startswith(f"veo (veo_widgets) {veo.__version__}")
    journal = veo.Journal()
    journal.record_submission("crid-never-sent", base_url="http://127.0.0.1:9", demo=False, request={"prompt": "x"})
    journal.record_outcome("crid-never-sent", status="not_submitted", error="cancelled before it was sent")
    assert main(["history"]) == 0
    out = capsys.readouterr().out
    assert "not_submitted" not in out and "  not sent  " in out and "nothing was\n  billed" in out


def test_generate_past_the_longest_clip_makes_a_long_take_and_resume_takes_its_chain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "long.mp4"
    assert main(["generate", "A kite climbs", "--seconds", "15", "--no-audio", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert probe(out)["duration"] == pytest.approx(15, abs=0.5) and probe(out)["audio_codec"] is None
    assert "2 links (8 + 7 s = 15 s)" in captured.err
    assert "link 1/2: 8 s, made" in captured.err and "link 2/2: 15 s, made" in captured.err
    # the final clip's usage is its last link's: the line also says what the whole take cost
    links = [j for j in veo.history() if j.usage.usd is not None]
    assert f"the take: 2 links, ${sum(j.usage.usd or 0 for j in links):.2f} in all" in captured.out
    chain = next(word for word in captured.err.split() if word.startswith("chain-")).rstrip(":")
    assert main(["resume", chain]) == 0  # every link made: nothing is sent again
    again = capsys.readouterr()
    assert "link 2/2: 15 s, already made" in again.err and f"saved: {out}" in again.out
    assert len(veo.history()) == 2


@pytest.fixture
def demo_with_a_new_model() -> Iterator[Emulator]:
    """Demo mode's emulator listing a Veo model the package has never seen, ``veo-4-t2v``."""
    emu = demo_emulator()
    entry = find_entry("google/veo-3.1-t2v-fast")
    assert entry is not None
    schema = copy.deepcopy(dict(entry["schema"]))
    schema["properties"]["model"]["enum"] = ["google/veo-4-t2v"]
    emu.add_model(schema)
    emu.change_schema("google/veo-3.0-fast", {**entry["schema"], "properties": {
        **copy.deepcopy(dict(find_entry("google/veo-3.0-fast")["schema"]))["properties"],  # type: ignore[index]
        "duration": {"type": "integer", "enum": [8, 10]},
    }})  # fmt: skip
    yield emu
    emu.reset_models()


def test_models_refresh_reads_the_schemas_and_a_new_model_can_be_generated(
    demo_with_a_new_model: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "--refresh"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("veo-3-fast-t2v "))
    assert "8/10 s" in row  # as the API's schema says now, not the built-in 4/6/8
    assert "schemas: 18 of 18 models as the API's schemas say now" in out
    assert "new:   veo-4-t2v: not in this release's table" in out
    restore_builtin()  # the next command is a new process: it reads the schemas saved today
    video = tmp_path / "new.mp4"
    assert main(["generate", "A comet over the sea", "--model", "veo-4-t2v", "-d", "4", "-o", str(video)]) == 0
    assert video.exists() and probe(video)["width"] == 1920  # its schema's default: 1080p
    assert main(["generate", "A comet", "--model", "veo-3-fast-t2v", "-d", "4", "-o", str(video)]) == 2
    assert "4 is not one of 8, 10" in capsys.readouterr().err


def test_models_refresh_with_an_unreadable_schema_lists_the_built_in_table(
    demo_with_a_new_model: Emulator, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    demo_with_a_new_model.add_fault("503", endpoint="schemas", times=None)
    caplog.set_level(logging.WARNING, logger="veo_widgets")
    try:
        assert main(["models", "--refresh"]) == 0
        assert main(["models", "--refresh"]) == 0
    finally:
        demo_with_a_new_model.clear_faults()
    out = capsys.readouterr().out
    assert "veo-4-t2v" not in out and "schemas: 0 of 17" in out and "Traceback" not in out
    assert get_model("veo-3-fast-t2v").durations == (4, 6, 8)
    told = [r for r in caplog.records if "could not read the model schemas" in r.getMessage()]
    assert len(told) == 1 and "HTTP 503" in told[0].getMessage()


@pytest.mark.parametrize("limit", ["0", "-2", "many"])
def test_history_refuses_a_limit_that_lists_nothing(capsys: pytest.CaptureFixture[str], limit: str) -> None:
    veo.Client().submit("A job to list", image=EXAMPLE, duration=4)
    with pytest.raises(SystemExit) as stopped:
        main(["history", "--limit", limit])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and "1 or more" in err and "no jobs yet" not in err


def test_a_data_folder_it_cannot_make_is_one_line_naming_veo_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("VEO_HOME", str(tmp_path / "a-file" / "veo"))
    assert main(["history"]) == 1
    err = [line for line in capsys.readouterr().err.strip().splitlines() if "demo mode" not in line]
    assert len(err) == 1 and "set VEO_HOME" in err[0] and str(tmp_path / "a-file") in err[0], err


def test_an_image_without_a_prompt_says_the_prompt_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", str(EXAMPLE)]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a prompt" in err and "needs a first frame" not in err


def test_a_clip_length_of_zero_is_refused_as_a_length_not_a_wait(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["generate", str(EXAMPLE), "A kite", "--seconds", "0"])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and "a clip's length in seconds" in err and "to wait" not in err


def test_ctrl_c_while_the_parser_loads_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Seen on a loaded machine: Ctrl-C 3 s after `veo audit` landed in the emulator's import,
    # which build_parser does before the command's own try.
    def interrupted(model: object = None) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_main, "build_parser", interrupted)
    assert main(["audit"]) == 130
    assert capsys.readouterr().err.strip() == "veo: interrupted"
