"""``veo generate``'s arguments: the family's, or one model's values and defaults with ``--model NAME --help``."""

from __future__ import annotations

import pytest

from veo_widgets.cli._main import main

pytestmark = pytest.mark.timeout(120)


def test_generate_help_for_one_model_shows_its_values_and_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["generate", "--model", "veo-3.1-fast-i2v", "--help"])
    one = " ".join(capsys.readouterr().out.split())
    assert "Veo 3.1 Fast, image to video" in one
    assert "--duration 4|6|8" in one and "4|5|6|7|8" not in one
    assert "(default: 1080p)" in one and "(default: 16:9)" in one and "the model's" not in one
    assert "--seed SEED" not in one and "It takes no --negative-prompt, --seed" in one
    with pytest.raises(SystemExit):
        main(["generate", "-m", "veo-2-t2v", "--help"])
    two = " ".join(capsys.readouterr().out.split())
    assert "--duration 5|6|7|8" in two and "(default: 5)" in two and "--image" not in two.split("It takes")[0]
    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    family = " ".join(capsys.readouterr().out.split())
    assert "(default: the model's)" in family and "--model NAME --help" in family
