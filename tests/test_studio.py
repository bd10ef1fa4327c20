"""Takes, continuing and extending: seeds, which clips can be extended, and refusals."""

from __future__ import annotations

import random

import pytest

import veo_widgets as veo
from veo_widgets._studio import extend, extend_model, take_seeds


def test_takes_get_different_seeds_that_can_be_made_again() -> None:
    assert take_seeds(4, seed=42) == [42, 43, 44, 45]
    assert take_seeds(2, seed=4_294_967_295) == [4_294_967_295, 0]  # wraps within the API's range
    drawn = take_seeds(4, rng=random.Random(1))
    assert len(set(drawn)) == 4 and all(0 <= s <= 4_294_967_295 for s in drawn)
    for bad in (0, 17, 2.5, True):
        with pytest.raises(veo.ValidationError, match="from 1 to 16"):
            take_seeds(bad)  # type: ignore[arg-type]


def test_only_veo_3_1_clips_offer_extend() -> None:
    def job(model: str) -> veo.Job:
        return veo.Job("j", "completed", request={"prompt": "p", "model": model})

    assert extend_model(job("google/veo-3.1-i2v-fast")) == "google/veo3-1-fast-extend-video"
    assert extend_model(job("google/veo-3.1-t2v")) == "google/veo3-1-extend-video"
    assert extend_model(job("google/veo3-1-extend-video")) == "google/veo3-1-extend-video"  # extend an extension
    assert extend_model(job("google/veo-3.0-i2v-fast")) is None
    with pytest.raises(veo.ValidationError, match=r"only Veo 3\.1 clips"):
        extend(None, job("google/veo-3.0-i2v"), "and then")
