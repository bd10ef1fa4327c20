"""One option schema: values from Python and from text."""

from __future__ import annotations

import pytest

import veo_widgets as veo
from veo_widgets.schema._family import get_model
from veo_widgets.schema._options import (
    DURATION,
    GENERATE_AUDIO,
    RESOLUTION,
    SEED,
    parse_options,
)


def test_resolution_folds_case_and_each_model_spells_it() -> None:
    assert RESOLUTION.check("1080P") == "1080p" and RESOLUTION.check(" 720p ") == "720p"
    assert get_model("veo-3-fast-i2v").option("resolution").to_wire("1080p") == "1080P"  # type: ignore[union-attr]
    assert get_model("veo-3.1-i2v").option("resolution").to_wire("1080p") == "1080p"  # type: ignore[union-attr]
    with pytest.raises(veo.ValidationError, match="'4k' is not one of 720p, 1080p"):
        RESOLUTION.check("4k")


def test_python_values_are_strict_and_text_values_are_parsed() -> None:
    with pytest.raises(veo.ValidationError, match="whole number"):
        DURATION.check("8")
    assert DURATION.parse("8") == 8 and DURATION.parse(6) == 6
    with pytest.raises(veo.ValidationError, match="whole number, not 'eight'"):
        DURATION.parse("eight")
    assert SEED.parse(" 42 ") == 42 and SEED.check(0) == 0 and SEED.check(4_294_967_295) == 4_294_967_295
    for bad in (-1, 2**32):
        with pytest.raises(veo.ValidationError, match="outside"):
            SEED.check(bad)
    assert [GENERATE_AUDIO.parse(t) for t in ("yes", "False", "on", "0")] == [True, False, True, False]
    with pytest.raises(veo.ValidationError, match="true or false"):
        GENERATE_AUDIO.parse("maybe")


def test_parse_options_turns_form_text_into_arguments() -> None:
    text = {"duration": "6", "seed": None, "resolution": "1080P", "generate_audio": "no", "prompt": "ignored"}
    assert parse_options(text) == {"duration": 6, "resolution": "1080P", "generate_audio": False}
    assert parse_options({**text, "duration": "8"}, "veo-3.1-i2v") == {
        "duration": 8,
        "resolution": "1080p",
        "generate_audio": False,
    }
    with pytest.raises(veo.ValidationError, match="1080p needs duration 8") as refused:
        parse_options(text, "veo-3.1-i2v")  # 1080p and 6 s break Google's rule: refused with both named
    assert refused.value.field == "resolution"
    assert parse_options({"duration": "7"}, "veo-3.1-extend") == {"duration": 7}
    with pytest.raises(veo.ValidationError, match=r"veo-3\.1-i2v") as caught:
        parse_options({"seed": "4"}, "veo-3.1-i2v")
    assert caught.value.field == "seed"
