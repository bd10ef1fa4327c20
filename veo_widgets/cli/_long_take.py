"""``veo generate --seconds 22`` (a long take, when longer than the model's longest clip)
and ``veo resume CHAIN``: a line per link as it is made, then the final clip."""

from __future__ import annotations

import sys
from typing import Any

from .._errors import ValidationError
from ..schema._family import DEFAULT_MODEL, get_model
from ..schema._models import Job
from ..studio._long_take import LongTakeRun, resume_run, start_long_take

__all__ = ["is_chain", "longest", "run_long_take", "run_resume_chain"]

#: Options of ``veo generate`` a long take passes on (its links choose their own lengths).
_PASSED = ("aspect_ratio", "resolution", "negative_prompt", "seed", "enhance_prompt", "generate_audio", "auto_fix")


def is_chain(text: str) -> bool:
    return text.strip().startswith("chain-")


def longest(model: str | None) -> int:
    """The longest clip ``model`` makes in one generation."""
    option = get_model(model).option("duration")
    if option is None:
        return 8
    return max(int(d) for d in option.choices or (option.default,))


def _follow(run: LongTakeRun) -> Job:
    told: set[int] = set()

    def line(r: LongTakeRun) -> None:
        for state in r.links:
            if state.status in ("made", "completed") and state.index not in told:
                told.add(state.index)
                how = "already made" if state.status == "made" else "made"
                print(f"link {state.index + 1}/{len(r.links)}: {state.total} s, {how}", file=sys.stderr)

    run.on_update(line)
    line(run)  # links found made before the callback was added
    return run.wait()


def run_long_take(client: Any, prompt: str, image: Any, seconds: float, options: dict[str, Any], output: Any) -> Job:
    """Plan, price and make a long take; prints a line per link, returns the final clip."""
    model = options.get("model")
    if model is not None and get_model(model).id == DEFAULT_MODEL:
        model = None  # the default model cannot be extended: a long take starts with Veo 3.1 Fast
    unknown = sorted(k for k in options if k not in _PASSED and k != "model")
    if unknown:
        raise ValidationError(unknown[0], "is not an option of a long take (its links choose their own lengths)")
    passed = {k: v for k, v in options.items() if k in _PASSED}
    run = start_long_take(prompt, image, seconds=seconds, model=model, client=client, save_to=output, **passed)
    return _follow(run)


def run_resume_chain(client: Any, chain: str) -> Job:
    """Go on with a long take from its last finished link."""
    return _follow(resume_run(chain.strip(), client=client))
