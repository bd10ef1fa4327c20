"""Typed arguments for %%veo and %veo."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from veo_widgets.notebook._parsers import (
    SUBCOMMANDS,
    DemoArgs,
    GenerateArgs,
    HistoryArgs,
    JobArgs,
    ModelsArgs,
    NoArgs,
    cell_help,
    parse_cell,
    parse_line,
)
from veo_widgets.schema._options import OPTIONS

from ..helpers import CELL_FLAGS


def test_the_cell_line_becomes_typed_arguments() -> None:
    args = parse_cell(
        "-i {img} -a 9:16 --seed 4 --negative-prompt 'soft focus, text' --no-audio -b --timeout 30 "
        "-m veo-3.1-fast-first-last --last-image end.png --reference a.png --reference b.png --extend 4a8bf61a"
    )
    assert args == GenerateArgs(
        model="veo-3.1-fast-first-last",
        image="{img}",
        last_image="end.png",
        reference_images=("a.png", "b.png"),
        video="4a8bf61a",
        options={"aspect_ratio": "9:16", "seed": "4", "negative_prompt": "soft focus, text", "generate_audio": False},
        background=True,
        timeout=30.0,
    )


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("--bogus 1", "unrecognized"),
        ("-i 'open", "quotation"),
        ("--timeout soon", "seconds to wait, such as 600, not 'soon'"),
        ("--timeout 0", "seconds to wait must be more than 0"),
    ],
)
def test_mistakes_are_usage_errors(line: str, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        parse_cell(line)


def test_help_lists_every_option_with_its_default() -> None:
    text = cell_help()
    for option in (*CELL_FLAGS, "--timeout"):
        assert option in text
    assert "VeoMagics.resolution" in text and "the model's" in text
    for option in OPTIONS:  # every option of the schema, none restated by hand
        assert option.flag in text


@pytest.mark.parametrize("line", ["-n 4", "--takes 4", "-n4"])
def test_takes_are_asked_for_with_n(line: str) -> None:
    assert parse_cell(line).takes == 4
    assert parse_cell("--seed 3").takes == 1  # one take unless asked


@pytest.mark.parametrize("line", ["-n 0", "-n 5", "-n two", "-n 'soft focus'"])
def test_takes_outside_one_to_four_are_refused_by_name(line: str) -> None:
    with pytest.raises(UsageError, match="takes are a whole number from 1 to 4"):
        parse_cell(line)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("panel", ("panel", NoArgs())),
        ("history", ("history", HistoryArgs(20))),
        ("history 3", ("history", HistoryArgs(3))),
        ("status abc", ("status", JobArgs("abc"))),
        ("resume abc", ("resume", JobArgs("abc"))),
        ("config", ("config", NoArgs())),
        ("demo on", ("demo", DemoArgs(True))),
        ("demo off", ("demo", DemoArgs(False))),
        ("models", ("models", ModelsArgs())),
        ("models --refresh", ("models", ModelsArgs(refresh=True))),
    ],
)
def test_each_subcommand_has_typed_arguments(line: str, expected: tuple[str, object]) -> None:
    assert parse_line(line) == expected


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("", "panel"),
        ("history x", "how many"),
        ("status", "exactly one"),
        ("demo maybe", "on|off"),
        ("panel 3", "no arguments"),
        ("models --wide", r"models \[--refresh\]"),
        ("nope", "unknown command"),
    ],
)
def test_bad_subcommands_say_what_is_expected(line: str, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        parse_line(line)


def test_every_subcommand_has_a_handler() -> None:
    from veo_widgets.notebook.magics import VeoMagics

    for name in SUBCOMMANDS:
        assert callable(getattr(VeoMagics, f"handle_{name}"))
