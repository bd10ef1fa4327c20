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


def _follow(run: LongTakeRun) -> tuple[Job, str]:
    told: set[int] = set()

    def line(r: LongTakeRun) -> None:
        for state in r.links:
            if state.status in ("made", "completed") and state.index not in told:
                told.add(state.index)
                how = "already made" if state.status == "made" else "made"
                print(f"link {state.index + 1}/{len(r.links)}: {state.total} s, {how}", file=sys.stderr)

    run.on_update(line)
    line(run)  # links found made before the callback was added
    job = run.wait()
    return job, _whole_usage(run)


def _whole_usage(run: LongTakeRun) -> str:
    """What the whole take cost: the final clip's usage is only its last link's."""
    jobs = [s.job for s in run.links if s.job is not None]
    costs = [j.usage.usd for j in jobs]
    if len(jobs) < 2 or any(c is None for c in costs):
        return ""
    return f"the take: {len(jobs)} links, ${sum(c for c in costs if c is not None):.2f} in all"


def run_long_take(
    client: Any, prompt: str, image: Any, seconds: float, options: dict[str, Any], output: Any
) -> tuple[Job, str]:
    """Plan, price and make a long take; prints a line per link, returns the final clip and
    a line saying what the whole take cost."""
    model, passed = long_take_options(options)
    run = start_long_take(prompt, image, seconds=seconds, model=model, client=client, save_to=output, **passed)
    return _follow(run)


def run_resume_chain(client: Any, chain: str) -> tuple[Job, str]:
    """Go on with a long take from its last finished link."""
    return _follow(resume_run(chain.strip(), client=client))
