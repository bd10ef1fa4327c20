"""Every surface derived from the option schema: ``%%veo`` and CLI flags, config traits, the panel's form, and "Show code"."""

from __future__ import annotations

import argparse
import shlex
from typing import Any, ClassVar

import pytest

import veo_widgets as veo
from veo_widgets.notebook._parsers import parse_cell
from veo_widgets.schema._family import get_model
from veo_widgets.schema._models import build_request
from veo_widgets.schema._options import OPTIONS, parse_options
from veo_widgets.schema._surfaces import (
    argument_specs,
    cell_code,
    family_choices,
    form_fields,
    request_code,
    trait_specs,
)

URL = "https://example.com/a.png"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="veo generate", exit_on_error=False)
    for spec in argument_specs():
        p.add_argument(*spec.flags, **spec.kwargs)
    return p


def test_flags_from_the_schema_parse_a_command_line_into_a_request() -> None:
    line = "--model veo-3.1-fast-first-last -i a.png --last-image b.png -d 6 -r 720P --no-audio"
    args = vars(parser().parse_args(shlex.split(line)))
    assert args["generate_audio"] is False and args["seed"] is None and args["last_image"] == "b.png"
    options = parse_options(args)
    assert options == {"resolution": "720P", "duration": 6, "generate_audio": False}
    request = build_request("x", URL, last_image=URL, model=args["model"], **options)
    assert request.body()["generate_audio"] is False and request.body()["duration"] == 6
    refs = vars(parser().parse_args(["--reference", "a.png", "--reference", "b.png", "--extend", "job1"]))
    assert refs["reference_images"] == ["a.png", "b.png"] and refs["video"] == "job1"


def test_every_option_has_a_flag_and_help_shows_the_familys_values() -> None:
    specs = {s.dest: s for s in argument_specs(inputs=("image",))}
    assert set(specs) == {"model", "image"} | {o.name for o in OPTIONS}
    assert "--no-enhance" in parser().format_help() and "--no-audio" in parser().format_help()
    assert specs["duration"].kwargs["metavar"] == "4|5|6|7|8"
    assert family_choices("aspect_ratio") == ("16:9", "9:16", "auto")
    assert "veo-3.1-fast-extend" in specs["model"].kwargs["help"]
    flags = [f for s in argument_specs() for f in s.flags]
    assert len(flags) == len(set(flags)), "two options share a flag"


def test_trait_defaults_leave_the_choice_to_the_model() -> None:
    traits = {t.name: t for t in trait_specs()}
    assert traits["model"].default == "google/veo-3.0-i2v-fast"
    assert traits["duration"].kind == "int" and traits["generate_audio"].kind == "bool"
    assert traits["resolution"].kind == "unicode"
    assert all(t.default is None for n, t in traits.items() if n != "model")


@pytest.mark.parametrize(
    ("model", "shown", "hidden"),
    [
        ("veo-3-fast-i2v", {"image", "seed", "negative_prompt", "enhance_prompt"}, {"last_image", "provider"}),
        ("veo-3.1-fast-i2v", {"image", "provider", "generate_audio"}, {"seed", "negative_prompt", "enhance_prompt"}),
        ("veo-3.1-first-last", {"image", "last_image"}, {"seed"}),
        ("veo-3.1-reference", {"reference_images", "resolution"}, {"aspect_ratio", "image"}),
        ("veo-3.1-extend", {"video", "auto_fix"}, {"image", "seed"}),
        ("veo-3-fast-t2v", {"seed", "negative_prompt"}, {"image"}),
    ],
)
def test_the_form_shows_exactly_what_the_model_takes(model: str, shown: set[str], hidden: set[str]) -> None:
    fields = {f.name: f for f in form_fields(model)}
    assert shown <= set(fields) and not hidden & set(fields)
    spec = get_model(model)
    assert set(fields) == {i.name for i in spec.inputs} | {o.name for o in spec.options}


def test_form_choices_carry_labels_and_the_models_defaults() -> None:
    fields = {f.name: f for f in form_fields("veo-3.1-extend")}
    assert fields["duration"].choices == (("7 s", 7),) and fields["duration"].default == 7
    assert fields["video"].kind == "video" and fields["video"].required
    assert fields["auto_fix"].kind == "checkbox" and fields["auto_fix"].default is False
    ref = {f.name: f for f in form_fields("veo-3.1-reference")}
    assert ref["reference_images"].kind == "images"
    assert {f.name: f for f in form_fields()}["image"].label == "Image"


class FakeClient:
    """Records what "Show code" would call."""

    calls: ClassVar[list[tuple[tuple[Any, ...], dict[str, Any]]]] = []

    def generate(self, *args: Any, **kwargs: Any) -> Any:
        FakeClient.calls.append((args, kwargs))
        return type("FakeJob", (), {"path": "out.mp4"})()


@pytest.mark.parametrize(
    ("model", "inputs", "options", "expected"),
    [
        (None, {"image": "'cat.png'"}, {"duration": 8, "resolution": "720P", "seed": 3}, {"seed": 3}),
        ("veo-3.1-fast", {"image": "img"}, {"resolution": "720p", "generate_audio": False},
         {"model": "veo-3.1-fast-i2v", "resolution": "720p", "generate_audio": False}),
        ("google/veo-3.0-fast", {}, {"duration": "4", "negative_prompt": " "},
         {"model": "veo-3-fast-t2v", "duration": 4}),
        ("veo-3.1-first-last", {"image": "'a.png'", "last_image": "'b.png'"}, {"aspect_ratio": "9:16"},
         {"model": "veo-3.1-first-last", "aspect_ratio": "9:16", "last_image": "b.png"}),
        ("veo-3.1-reference", {"reference_images": ["'a.png'", "'b.png'"]}, {},
         {"model": "veo-3.1-reference", "reference_images": ["a.png", "b.png"]}),
        ("veo-3.1-extend", {"video": "'clip.mp4'"}, {"duration": 7, "auto_fix": True},
         {"model": "veo-3.1-extend", "video": "clip.mp4", "auto_fix": True}),
    ],
)  # fmt: skip
def test_show_code_is_runnable_and_writes_only_what_differs(
    model: str | None, inputs: dict[str, Any], options: dict[str, Any], expected: dict[str, Any]
) -> None:
    img = object()
    code = request_code("waves roll in", options={"model": model, **options}, **inputs)
    FakeClient.calls = []
    namespace: dict[str, Any] = {"veo": type("veo", (), {"Client": FakeClient}), "img": img}
    exec(compile(code.replace("import veo_widgets as veo\n", ""), "<show code>", "exec"), namespace)
    ((args, kwargs),) = FakeClient.calls
    assert args == ("waves roll in",)
    image = kwargs.pop("image", None)
    if "image" in inputs:
        assert image is img if inputs["image"] == "img" else image == inputs["image"].strip("'")
    assert kwargs == expected
    assert namespace["job"].path == "out.mp4"
    # The same values build a valid request for that model.
    assert build_request("waves roll in", URL if "image" in inputs else None, model=model,
                         last_image=URL if "last_image" in inputs else None,
                         reference_images=[URL] * len(inputs.get("reference_images", [])) or None,
                         video="https://x/v.mp4" if "video" in inputs else None,
                         **parse_options(options)).body()  # fmt: skip


def test_show_code_refuses_an_option_the_model_does_not_take() -> None:
    with pytest.raises(veo.ValidationError, match="seed") as caught:
        request_code("x", "img", {"model": "veo-3.1-i2v", "seed": 5})
    assert caught.value.field == "seed"
    assert "seed" not in request_code("x", "img", {"model": "veo-3.1-i2v", "seed": None})


@pytest.mark.parametrize(
    ("options", "inputs"),
    [
        ({"seed": 4, "enhance_prompt": False}, {"image": "my photo.png"}),
        ({"model": "veo-3.1-fast-first-last", "duration": "6", "generate_audio": False, "resolution": "720P"},
         {"image": "{img}", "last_image": "end.png"}),
        ({"model": "veo-3.1-reference", "resolution": "1080p"}, {"reference_images": ["a.png", "b c.png"]}),
        ({"model": "veo-3.1-extend", "auto_fix": True, "aspect_ratio": "9:16"}, {"video": "job-123"}),
    ],
)  # fmt: skip
def test_a_veo_cell_written_by_show_code_parses_back_to_the_same_request(
    options: dict[str, Any], inputs: dict[str, Any]
) -> None:
    cell = cell_code("the tide\ncomes in", options=options, **inputs)
    line, prompt = cell.split("\n", 1)
    assert line.startswith("%%veo") and prompt == "the tide\ncomes in"
    args = vars(parser().parse_args(shlex.split(line.removeprefix("%%veo"))))
    for name, value in inputs.items():
        assert args[name] == value
    model = options.get("model")
    assert get_model(args["model"]) is get_model(model)
    expected = parse_options({k: v for k, v in options.items() if k != "model"}, model)
    defaults = get_model(model).defaults()
    assert parse_options(args, model) == {k: v for k, v in expected.items() if defaults.get(k) != v}


def test_show_code_refuses_an_input_the_model_does_not_take() -> None:
    with pytest.raises(veo.ValidationError, match="veo-3-fast-i2v") as caught:
        request_code("x", "img", {"model": "veo-3-fast-t2v"})
    assert caught.value.field == "model"
    with pytest.raises(veo.ValidationError, match="first-last"):
        cell_code("x", "a.png", {"model": "veo-3.1-i2v"}, last_image="b.png")


def test_takes_are_written_as_variations_and_as_n() -> None:
    code = request_code("the tide", "'a.png'", {"seed": 5, "duration": 4}, takes=4)
    compile(code, "<show code>", "exec")
    assert "takes = client.variations(" in code and "    n=4," in code and "seed=5" in code
    assert "client.generate(" in request_code("the tide", "'a.png'", {"seed": 5}, takes=1)
    line = cell_code("the tide", "a.png", {"seed": 5}, takes=4).split("\n", 1)[0]
    args = parse_cell(line.removeprefix("%%veo"))
    assert args.takes == 4 and args.options == {"seed": "5"} and args.image == "a.png"
