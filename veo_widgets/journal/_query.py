"""What the journal's pages are filtered by (:class:`JobQuery`), as SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, TypedDict

__all__ = ["JobQuery", "iso", "where_sql"]


def iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).isoformat()


class JobQuery(TypedDict, total=False):
    """Filters of :meth:`Journal.page` and :meth:`Journal.count`; an absent one does not filter."""

    text: str | None  # in the prompt (any case), or the start of the job id; never file names
    model: str | Sequence[str] | None  # one model id, or any of several
    status: str | Sequence[str] | None
    since: datetime | None  # created at or after
    until: datetime | None  # created before
    batch: str | None  # the jobs of one batch key


#: The request's prompt, or '' (a row from before requests were JSON reads as no prompt).
_PROMPT = "coalesce(json_extract(CASE WHEN json_valid(request) THEN request END, '$.prompt'), '')"


def where_sql(query: JobQuery) -> tuple[str, list[Any]]:
    """The ``WHERE`` clause (or nothing) and its arguments for ``query``."""
    text, since, until = query.get("text"), query.get("since"), query.get("until")
    clauses: list[str] = []
    args: list[Any] = []
    if text:
        # The prompt alone: the request also holds image and video paths, which a search for
        # "lighthouse" must not match (examples/lighthouse.jpg is in every demo request).
        clauses.append(f"(instr(lower({_PROMPT}), lower(?)) > 0 OR substr(job_id, 1, ?) = ?)")
        args += [text, len(text), text]
    for column, wanted in (
        ("model", query.get("model")),
        ("status", query.get("status")),
        ("batch", query.get("batch")),
    ):
        if wanted is None:
            continue
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        if column == "status":  # the API's spellings vary in letter case too ("FAILED")
            column, values = "lower(status)", [v.lower() for v in values]
        clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
        args += values
    if since is not None:
        clauses.append("created_at >= ?")
        args.append(iso(since))
    if until is not None:
        clauses.append("created_at < ?")
        args.append(iso(until))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), args
