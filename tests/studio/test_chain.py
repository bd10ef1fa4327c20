"""A long take's plan: which links make which length, and what is refused before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

import veo_widgets as veo
from veo_widgets.studio._chain import load_chain, plan_lengthen, plan_long_take


@pytest.mark.parametrize(
    ("seconds", "links", "total"),
    [
        (22, [8, 7, 7], 22),
        (15, [8, 7], 15),
        (20, [8, 7, 7], 22),
        (9, [8, 7], 15),
        (6, [6], 6),
        (148, [8] + [7] * 20, 148),
    ],
)
def test_a_long_take_is_a_first_clip_then_seven_second_extends(seconds: float, links: list[int], total: int) -> None:
    plan = plan_long_take("a fox runs", seconds=seconds)
    assert [link.duration for link in plan.links] == links
    assert plan.seconds == total
    assert [link.total for link in plan.links][-1] == total
    assert plan.links[0].model == "google/veo-3.1-t2v-fast"
    assert {link.model for link in plan.links[1:]} <= {"google/veo3-1-fast-extend-video"}


def test_each_link_can_have_its_own_prompt_and_a_full_model_extends_with_the_full_extend() -> None:
    plan = plan_long_take("a fox", seconds=22, prompts=["a fox wakes", "it runs"], model="veo-3.1-t2v")
    assert [link.prompt for link in plan.links] == ["a fox wakes", "it runs", "a fox"]
    assert [link.model for link in plan.links] == ["google/veo-3.1-t2v", *["google/veo3-1-extend-video"] * 2]
    assert plan.describe() == "3 links (8 + 7 + 7 s = 22 s)"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"seconds": 149}, "seconds"),
        ({"seconds": 0}, "seconds"),
        ({"seconds": 22, "model": "veo-3-fast-t2v"}, "model"),  # a 3.0 clip cannot be extended
        ({"seconds": 22, "model": "veo-3.1-fast-extend"}, "model"),
        ({"seconds": 22, "prompts": ["a", "b", "c", "d"]}, "prompts"),
        ({"seconds": 22, "prompts": ["a", " "]}, "prompts[1]"),
        ({"seconds": 22, "options": {"resolution": "1080p"}}, "resolution"),  # extends are 720p
        ({"seconds": 22, "options": {"duration": 8}}, "duration"),
    ],
)
def test_a_chain_that_cannot_be_made_is_refused_naming_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(veo.ValidationError) as caught:
        plan_long_take("a fox runs", **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_the_plan_is_saved_and_read_back_by_its_chain_id(image_file: object) -> None:
    plan = plan_long_take(
        "a fox", image=image_file, seconds=15, options={"aspect_ratio": "9:16", "generate_audio": False}
    )
    plan.save()
    again = load_chain(plan.chain)
    assert again == plan
    assert again.image == str(image_file) and again.options["aspect_ratio"] == "9:16"
    assert again.shared == {"generate_audio": False}
    with pytest.raises(veo.ValidationError, match="no long take"):
        load_chain("chain-000000000000")
    with pytest.raises(veo.ValidationError, match="not a chain id"):
        load_chain("../../etc/passwd")


def test_a_model_that_cannot_extend_plans_clips_continued_from_last_frames_when_asked() -> None:
    plan = plan_long_take("snow falls", seconds=22, model="veo-3-fast-t2v", fallback="continue")
    assert [(link.relation, link.model, link.duration) for link in plan.links] == [
        ("first", "google/veo-3.0-fast", 8),
        ("continue", "google/veo-3.0-i2v-fast", 8),
        ("continue", "google/veo-3.0-i2v-fast", 8),
    ]
    assert [link.total for link in plan.links] == [8, 15.5, 23]
    assert plan.stitched and plan.describe() == "3 links (8 + 8 + 8 s - 2 x 0.5 s crossfade = 23 s)"
    with pytest.raises(veo.ValidationError) as caught:
        plan_long_take("snow falls", seconds=22, fallback="crossfade")
    assert caught.value.field == "fallback"


def test_lengthening_a_finished_clip_plans_extends_from_its_length() -> None:
    clip = veo.Job("job-1", "completed", request={"prompt": "waves", "duration": 8}, model="google/veo-3.1-t2v-fast")
    plan = plan_lengthen(clip, links=2)
    assert plan.origin == "job-1" and [link.prompt for link in plan.links] == ["waves", "waves"]
    assert [(link.relation, link.duration, link.total) for link in plan.links] == [("extend", 7, 15), ("extend", 7, 22)]
    assert plan.priced() == [{"model": "google/veo3-1-fast-extend-video", "duration": 7}] * 2
    old = veo.Job("job-2", "completed", request={"prompt": "waves", "duration": 8}, model="google/veo-3.0-fast")
    with pytest.raises(veo.ValidationError) as caught:
        plan_lengthen(old, links=1)
    assert caught.value.field == "model"
    with pytest.raises(veo.ValidationError) as caught:
        plan_lengthen(clip, links=0)
    assert caught.value.field == "links"


def test_lengthening_refuses_an_unwritable_save_to_before_any_extend_is_sent(tmp_path: Path) -> None:
    clip = veo.Job("job-1", "completed", request={"prompt": "waves", "duration": 8}, model="google/veo-3.1-t2v-fast")
    (tmp_path / "taken").write_text("a file where a folder should be")
    for where in ("/proc/nope/long.mp4", str(tmp_path / "taken" / "long.mp4")):
        with pytest.raises(veo.ValidationError) as caught:
            plan_lengthen(clip, links=1, save_to=where)
        assert caught.value.field == "save_to"
    assert plan_lengthen(clip, links=1, save_to=str(tmp_path / "new" / "long.mp4")).save_to is not None
    assert (tmp_path / "new").is_dir()  # a missing folder is made, as on every surface


def test_a_take_that_may_be_stitched_refuses_a_save_to_that_is_not_a_video_before_sending(tmp_path: Path) -> None:
    with pytest.raises(veo.ValidationError) as caught:
        plan_long_take(
            "snow falls", seconds=15, model="veo-3-fast-t2v", fallback="continue", save_to=str(tmp_path / "t.avi")
        )
    assert caught.value.field == "save_to" and ".mp4" in caught.value.reason
    clip = veo.Job("job-1", "completed", request={"prompt": "waves", "duration": 8}, model="google/veo-3.0-fast")
    with pytest.raises(veo.ValidationError) as caught:
        plan_lengthen(clip, links=1, fallback="continue", save_to=str(tmp_path / "t.avi"))
    assert caught.value.field == "save_to"
    plan = plan_long_take("snow falls", seconds=15, model="veo-3-fast-t2v", fallback="continue", save_to=str(tmp_path))
    assert plan.stitched and plan.save_to == str(tmp_path)  # a folder: the film goes in it
