"""``veo generate --seconds 22`` (a long take, when longer than the model's longest clip)
and ``veo resume CHAIN``: a line per link as it is made, then the final clip."""

from __future__ import annotations

import sys
from typing import Any

from ..schema._models import Job
from ..studio._chain import long_take_options, longest_clip
from ..studio._long_take import LongTakeRun, resume_run, start_long_take

__all__ = ["is_chain", "longest_clip", "run_long_take", "run_resume_chain"]


def is_chain(text: str) -> bool:
    return text.strip().startswith("chain-")


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
    model, passed = long_take_options(options)
    run = start_long_take(prompt, image, seconds=seconds, model=model, client=client, save_to=output, **passed)
    return _follow(run)


def run_resume_chain(client: Any, chain: str) -> Job:
    """Go on with a long take from its last finished link."""
    return _follow(resume_run(chain.strip(), client=client))
