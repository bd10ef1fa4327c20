"""The report of ``veo doctor --live``: one line per open question of the API contract.

The contract (``shared/API.md``, "Open questions about the family, prices and logs") lists
what no document settles. Each question has a stable id here, and each id gets exactly one
line in the report: ``answered`` (what the live run saw), ``partly`` or ``not probed`` (what
would settle it, when one cheap generation cannot). The report is written twice into the
data folder, as JSON (for a program, with every exchange) and as Markdown (for a person),
both fit to attach to a bug report: they hold no key and no link signature.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ._doctor import Check

__all__ = ["QUESTIONS", "Answer", "Question", "answers", "write_report"]

Facts = Mapping[str, Any]


@dataclass(frozen=True)
class Question:
    number: int
    """Its number in the contract's open questions."""
    id: str
    """A stable name, kept when the contract is renumbered."""
    text: str
    answer: Callable[[Facts], tuple[str, str]]
    """``(state, what was seen)`` from the live run's facts."""


@dataclass(frozen=True)
class Answer:
    number: int
    id: str
    question: str
    state: str
    """``answered``, ``partly`` or ``not probed``."""
    seen: str

    def line(self) -> str:
        return f"Q{self.number:<2} {self.id:<20} {self.state:<10} {self.seen}"


def _entry(facts: Facts, *names: str) -> dict[str, Any] | None:
    wanted = {n.lower() for n in names}
    for item in facts.get("catalogue", []):
        if {str(n).lower() for n in (item.get("id"), *item.get("aliases", []))} & wanted:
            return dict(item)
    return None


def _lite_001(facts: Facts) -> tuple[str, str]:
    item = _entry(facts, "veo-3.1-lite-generate-001", "google/veo-3.1-lite-generate-001")
    if item is None:
        return "partly", "the catalogue lists no lite-001; tail_image_url and its duration rule not probed (paid)"
    return "partly", (
        f"catalogue id {item['id']!r}, aliases {item['aliases']}; tail_image_url and the 8 s rule with a last "
        "frame not probed (each needs a paid create)"
    )


def _resolution_case(facts: Facts) -> tuple[str, str]:
    sent = facts.get("model", {}).get("options", {}).get("resolution")
    status = facts.get("create", {}).get("status")
    if sent is None:
        return "not probed", "the model used takes no resolution"
    return "partly", f"{sent!r} as our table spells it for this model answered {status}; the other case not sent"


def _string_duration(facts: Facts) -> tuple[str, str]:
    return "not probed", "a string duration or an unknown field could be billed: our client never sends one"


def _input_limits(facts: Facts) -> tuple[str, str]:
    return "not probed", "seed range, image_urls counts and input sizes need creates that may be billed"


def _pricing(facts: Facts) -> tuple[str, str]:
    kinds: dict[str, list[str]] = {}
    cases: set[str] = set()
    for item in facts.get("catalogue", []):
        pricing = item.get("pricing") or {}
        kind = str(pricing.get("kind", "none"))
        dims = ",".join(pricing.get("dimensions", []))
        kinds.setdefault(f"{kind}[{dims}]" if dims else kind, []).append(str(item.get("id")))
        for variant in pricing.get("variants", []):
            value = (variant.get("when") or {}).get("resolution")
            if isinstance(value, str):
                cases.add("lower" if value == value.lower() else "upper" if value == value.upper() else "mixed")
    if not kinds:
        return "not probed", "the catalogue listed no Veo model"
    shown = "; ".join(f"{k}: {len(v)} models" for k, v in sorted(kinds.items()))
    return "answered", f"{shown}; resolution in `when` is {'/'.join(sorted(cases)) or 'absent'} case"


def _logs_model(facts: Facts) -> tuple[str, str]:
    rows = facts.get("logs", {}).get("rows", [])
    metrics = facts.get("metrics", {}).get("models", [])
    logged = sorted({str(r.get("model")) for r in rows})
    aliases = sorted({str(m.get("alias")) for m in metrics})
    state = "answered" if rows and metrics else "partly" if rows or metrics else "not probed"
    return state, f"logs model {logged or 'not seen'}; metrics alias {aliases or 'none answered'}"


def _async_cost_logs(facts: Facts) -> tuple[str, str]:
    create = facts.get("create", {}).get("headers", {})
    polls = facts.get("polls", {})
    logs = facts.get("logs", {})
    rows = logs.get("rows", [])
    echo = facts.get("poll_echo", {})
    outcome = str(facts.get("job", {}).get("outcome", ""))
    cost_on_create = "yes" if "x-aimlapi-usd-spent" in create or "x-aimlapi-credits-used" in create else "no"
    after = logs.get("appeared_after_create_s")
    row = rows[0] if rows else {}
    bits = [
        f"cost headers on create: {cost_on_create}",
        f"on polls: {polls.get('with_cost_headers', 0)} of {polls.get('count', 0)}"
        + (f" (from status {polls['first_with_cost_headers_status']!r})" if polls.get("with_cost_headers") else ""),
        f"logs rows for this job: {len(rows)}" + (f", first seen {after} s after create" if after is not None else ""),
        f"row request_id {row.get('request_id')!r}" if rows else "no row seen",
        f"x-client-request-id echoed on a poll: {'yes' if echo.get('echoed') else 'no'}",
    ]
    if outcome != "completed":
        bits.append(f"job failed: rows say {[(r.get('status'), r.get('cost')) for r in rows]}")
    state = "answered" if rows and echo else "partly"
    return state, "; ".join(bits)


def _rate_limits(facts: Facts) -> tuple[str, str]:
    seen = facts.get("account_headers", {})
    said = {p: sorted(k for k in h if k not in ("status", "date")) for p, h in seen.items()}
    shown = "; ".join(
        f"{p} {seen[p].get('status')}: {', '.join(v) or 'no rate-limit headers'}" for p, v in said.items()
    )
    return "partly", f"{shown or 'not asked'} (the limit itself not pushed: that takes 200 calls)"


def _key_limit(facts: Facts) -> tuple[str, str]:
    return "not probed", "needs a key whose spend limit is reached (set a tiny limit, then run this again)"


def _metrics(facts: Facts) -> tuple[str, str]:
    models = facts.get("metrics", {}).get("models", [])
    took = facts.get("job", {}).get("seconds_create_to_last_poll")
    if not models:
        return "not probed", "the metrics listed no entry for this model (none succeeded in their window)"
    entry = models[0]
    p50 = ((entry.get("metrics") or {}).get("duration_ms") or {}).get("p50")
    return "answered", f"endpoint {entry.get('endpoint')!r}; duration_ms p50 {p50} against this job's {took} s"


def _terminal_status(facts: Facts) -> tuple[str, str]:
    seen = facts.get("statuses_seen", [])
    if not seen:
        return "not probed", "no status was seen"
    return "answered", f"statuses while polling, in order: {', '.join(seen)} (terminal: {seen[-1]!r})"


QUESTIONS: tuple[Question, ...] = (
    Question(1, "lite-001-id", "lite-001's canonical id; tail_image_url; 8 s with a last frame", _lite_001),
    Question(2, "resolution-case", "is resolution case-insensitive", _resolution_case),
    Question(3, "string-duration", "string duration accepted or coerced; unknown fields", _string_duration),
    Question(4, "input-limits", "seed range, image_urls counts, input limits, lite-preview staging", _input_limits),
    Question(5, "veo-pricing", "Veo pricing kind, dimensions and `when` letter case", _pricing),
    Question(6, "logs-model-id", "which id logs `model` and metrics `alias` show", _logs_model),
    Question(
        7, "async-cost-and-logs", "cost headers, logs rows, request ids and failures of async video", _async_cost_logs
    ),
    Question(8, "account-rate-limits", "does the logs rate limit apply to usage and billing", _rate_limits),
    Question(9, "key-limit-error", "the answer when a key's spend limit is reached", _key_limit),
    Question(10, "metrics-duration", "what metrics duration_ms measures for video; its endpoint", _metrics),
    Question(11, "terminal-status", "terminal status spelling: complete or completed", _terminal_status),
)


def answers(facts: Facts) -> list[Answer]:
    """One answer per question, in the contract's order."""
    out = []
    for q in QUESTIONS:
        state, seen = q.answer(facts)
        out.append(Answer(q.number, q.id, q.text, state, seen))
    return out


def _observations(live: Facts) -> list[str]:
    job, link, logs = live.get("job", {}), live.get("link", {}), live.get("logs", {})
    lifetime = link.get("seconds")
    return [
        f"job: {job.get('id')} ({live.get('model', {}).get('short')}), {job.get('outcome')}; saved to "
        f"{job.get('saved_to')}",
        f"statuses seen while polling: {', '.join(live.get('statuses_seen', [])) or 'none'}",
        f"cost headers on create: {_cost(live.get('create', {}).get('headers', {}))}; on the last poll: "
        f"{_cost(live.get('polls', {}).get('last_headers', {}))}",
        "usage-logs row: "
        + (
            f"seen {logs['appeared_after_create_s']} s after create"
            if logs.get("appeared_after_create_s") is not None
            else "not seen"
        )
        + f" (looked {len(logs.get('looks', []))} times)",
        "result link lifetime: "
        + (
            f"{lifetime} s ({link.get('source')}, ends {link.get('expires_at')})"
            if lifetime is not None
            else "not said"
        )
        + ("; the file host refused it" if link.get("refused") else ""),
        f"clock skew: {live.get('clock_skew_s')} s (ours minus the server's Date)",
    ]


def _cost(headers: Mapping[str, str]) -> str:
    shown = [f"{k}={v}" for k, v in headers.items() if k.startswith("x-aimlapi-")]
    return ", ".join(shown) or "none"


def write_report(
    found: Sequence[Check], live: Facts, folder: Path, now: datetime | None = None
) -> tuple[Path, Path, list[str]]:
    """Write ``doctor-<UTC time>.json`` and ``.md`` into ``folder``; return both paths and
    the report's lines for the terminal (observations, then one line per question)."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=True)
    given = answers(live)
    seen = _observations(live)
    data = {
        "written": stamp,
        "checks": [asdict(c) for c in found],
        "live": dict(live),
        "questions": [asdict(a) for a in given],
    }
    json_path = folder / f"doctor-{stamp}.json"
    json_path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    text = [
        f"# veo doctor --live, {stamp}",
        "",
        "## Free checks",
        "",
        *[f"    {c.line()}" for c in found],
        "",
        "## What the live generation saw",
        "",
        *[f"- {line}" for line in seen],
        "",
        "## Open questions of the API contract (one line each)",
        "",
        *[f"    {a.line()}" for a in given],
        "",
        f"Every exchange (no key, no link signature) is in {json_path.name}.",
        "",
    ]
    md_path = folder / f"doctor-{stamp}.md"
    md_path.write_text("\n".join(text), encoding="utf-8")
    return json_path, md_path, [*(f"seen  {line}" for line in seen), *(a.line() for a in given)]
