"""``veo.sample_image()``: the packaged picture every notebook and example can use wherever it is copied."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

import veo_widgets as veo
from veo_widgets.media import _sample


def test_the_sample_is_a_jpeg_inside_the_installed_package() -> None:
    path = veo.sample_image()
    assert path.is_absolute() and path.is_file() and Path(veo.__file__).parent in path.parents
    with Image.open(path) as image:
        assert image.format == "JPEG" and image.size == _sample.draw().size


def test_a_deleted_sample_is_drawn_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "assets" / "sample.jpg"
    monkeypatch.setattr(_sample, "SAMPLE", missing)
    assert veo.sample_image() == missing and missing.is_file()
    with Image.open(missing) as image:
        assert image.format == "JPEG" and image.size == _sample.draw().size
