"""Batches from a file: one request per row of a ``.jsonl`` or ``.csv`` file.

The pure parts live here: reading and typing the rows, checking every row before anything
is sent (errors name the row as an editor or spreadsheet numbers it), a stable key per row
so that running the same file again finds its jobs instead of creating them twice, the
progress counts (done / running / failed / spend) and the report written beside the videos.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._errors import ValidationError
from ..schema._images import is_remote
from ..schema._options import INPUTS, OPTIONS

__all__ = [
    "BatchError",
    "BatchProgress",
    "BatchRow",
    "RowResult",
    "parse_batch",
    "read_batch",
    "summary_table",
    "validate_rows",
    "write_report",
]

#: Columns naming local files, resolved against the batch file's folder.
FILE_COLUMNS = frozenset(i.name for i in INPUTS)
#: Columns holding several files (``a.png|b.png``).
LIST_COLUMNS = frozenset(i.name for i in INPUTS if i.multiple)
_OPTIONS = {o.name: o for o in OPTIONS}
#: Other spellings people use for a column.
ALIASES = {"image_url": "image", "first_frame": "image", "last_frame": "last_image", "negative": "negative_prompt"}
#: Columns that are about the batch, not the request.
META_COLUMNS = frozenset({"name"})


class BatchError(ValidationError):
    """Rows of a batch file that cannot be sent; ``errors`` holds ``(row, error)`` pairs."""

    def __init__(self, path: Path, errors: Sequence[tuple[int, ValidationError]]) -> None:
        lines = [f"row {row}: {error}" for row, error in errors[:20]]
        if len(errors) > 20:
            lines.append(f"... and {len(errors) - 20} more")
        noun = "row" if len(errors) == 1 else "rows"
        super().__init__(
            "batch", f"{len(errors)} {noun} of {path.name} cannot be sent; nothing was:\n" + "\n".join(lines)
        )
        self.path = path
        self.errors = list(errors)


@dataclass(frozen=True)
class BatchRow:
    """One request of a batch: its row number in the file, its key, prompt and options."""

    row: int
    key: str
    prompt: str
    options: Mapping[str, Any]
    name: str | None = None

    def describe(self, limit: int = 48) -> str:
        text = " ".join(self.prompt.split())
        return text if len(text) <= limit else text[: limit - 1] + "…"


def _column(name: str) -> str:
    clean = name.strip().lower().replace("-", "_").replace(" ", "_")
    return ALIASES.get(clean, clean)


def _typed(column: str, cell: str) -> Any:
    """A CSV cell as the option's type (from the option schema); a ValidationError naming
    the column if it is not. ``8s`` is read as 8 seconds."""
    text = cell.strip()
    if column in LIST_COLUMNS:
        return [part.strip() for part in text.replace(";", "|").split("|") if part.strip()]
    option = _OPTIONS.get(column)
    if option is None:
        return text
    if column == "duration" and text.lower().endswith("s"):
        text = text[:-1].strip()
    return option.convert(text)


def _raw_rows(path: Path, text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, ValidationError]]]:
    """``(row number, fields)`` for each non-empty row, and the errors of rows that do not
    parse (so that they are reported with every other row's, not alone)."""
    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[tuple[int, ValidationError]] = []
    if path.suffix.lower() == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                errors.append((number, ValidationError("row", f"not valid JSON ({exc.msg}, column {exc.colno})")))
                continue
            if not isinstance(value, dict):
                errors.append((number, ValidationError("row", "each line must be a JSON object")))
                continue
            rows.append((number, {_column(str(k)): v for k, v in value.items() if v is not None}))
    else:
        reader = csv.reader(io.StringIO(text))
        header = [_column(h) for h in next(reader, [])]
        if "prompt" not in header:
            raise BatchError(path, [(1, ValidationError("prompt", "the header row needs a prompt column"))])
        for cells in reader:
            number = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                errors.append((number, ValidationError("row", f"{len(cells)} cells but {len(header)} columns")))
                continue
            fields: dict[str, Any] = {}
            try:
                for column, cell in zip(header, cells, strict=False):
                    if cell.strip() and column:
                        fields[column] = cell if column == "prompt" else _typed(column, cell)
            except ValidationError as exc:
                errors.append((number, exc))
                continue
            rows.append((number, fields))
    return rows, errors


def _resolve(value: Any, folder: Path) -> Any:
    """A relative file name in the batch file is relative to the batch file's folder."""
    if isinstance(value, list):
        return [_resolve(v, folder) for v in value]
    if isinstance(value, str) and value and not is_remote(value):
        candidate = Path(value).expanduser()
        return str(candidate if candidate.is_absolute() else folder / candidate)
    return value


def row_key(batch_path: Path, fields: Mapping[str, Any], occurrence: int) -> str:
    """A key that stays the same when the file is run again: the file, the row's content
    and which copy of identical rows this is. Editing a row gives it a new key; inserting
    or reordering rows does not change the others'."""
    content = json.dumps(dict(fields), sort_keys=True, default=str, separators=(",", ":"))
    digest = hashlib.sha256(f"{batch_path.resolve()}\n{content}\n{occurrence}".encode()).hexdigest()
    return f"batch-{digest[:20]}"


def read_batch(path: str | os.PathLike[str]) -> list[BatchRow]:
    """Read the rows of a ``.jsonl`` or ``.csv`` batch file (not yet validated); a
    ``BatchError`` lists every row that cannot be read."""
    rows, errors = parse_batch(path)
    if errors:
        raise BatchError(Path(path), errors)
    return rows


def parse_batch(path: str | os.PathLike[str]) -> tuple[list[BatchRow], list[tuple[int, ValidationError]]]:
    """The rows of a batch file that can be read, and ``(row, error)`` for those that cannot:
    :func:`validate_rows` then reports both together."""
    file = Path(path)
    if file.suffix.lower() not in (".jsonl", ".csv"):
        raise ValidationError("batch", f"{file.name}: a batch file ends in .jsonl or .csv")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValidationError("batch", f"{file} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError("batch", f"{file} cannot be read ({exc})") from None
    if not text.strip():
        raise ValidationError("batch", f"{file.name} is empty: write a prompt column and a row per video")
    seen: Counter[str] = Counter()
    rows: list[BatchRow] = []
    parsed, errors = _raw_rows(file, text)
    for number, fields in parsed:
        prompt = fields.pop("prompt", None)
        if not isinstance(prompt, str) or not prompt.strip():
            errors.append((number, ValidationError("prompt", "is empty")))
            continue
        name = fields.pop("name", None)
        options = {k: _resolve(v, file.parent) if k in FILE_COLUMNS else v for k, v in fields.items()}
        identity = json.dumps({"prompt": prompt, **options}, sort_keys=True, default=str)
        seen[identity] += 1
        key = row_key(file, {"prompt": prompt, **options}, seen[identity])
        rows.append(BatchRow(number, key, prompt, options, str(name) if name is not None else None))
    if not rows and not errors:
        raise ValidationError("batch", f"{file.name} has no rows")
    return rows, sorted(errors, key=lambda item: item[0])


def validate_rows(
    path: Path,
    rows: Iterable[BatchRow],
    check: Callable[[BatchRow], object],
    earlier: Sequence[tuple[int, ValidationError]] = (),
) -> None:
    """Run ``check`` on every row (it raises ``ValidationError``); one ``BatchError`` lists
    them all, with the ``earlier`` errors of rows that could not be read, in file order."""
    errors: list[tuple[int, ValidationError]] = list(earlier)
    for row in rows:
        try:
            check(row)
        except ValidationError as exc:
            errors.append((row.row, exc))
        except TypeError as exc:  # an option no model takes, e.g. a misspelt column
            errors.append((row.row, ValidationError("row", str(exc))))
    if errors:
        raise BatchError(path, sorted(errors, key=lambda item: item[0]))


# ---------------------------------------------------------------------- progress and report

#: Row states, in the order a summary lists them.
STATES = ("done", "running", "queued", "failed", "unconfirmed", "skipped")


@dataclass
class RowResult:
    """Where one row stands: its state, job, saved file, cost and error."""

    row: BatchRow
    state: str = "queued"
    job_id: str | None = None
    path: str | None = None
    usd: float | None = None
    error: str | None = None
    resumed: bool = False  # found in the journal from an earlier run

    def record(self) -> dict[str, Any]:
        return {
            "row": self.row.row,
            "key": self.row.key,
            "state": self.state,
            "job_id": self.job_id,
            "path": self.path,
            "usd": self.usd,
            "error": self.error,
            "resumed": self.resumed,
            "prompt": self.row.prompt,
        }


@dataclass
class BatchProgress:
    """Counts for a progress bar: done / running / failed and what has been spent."""

    results: dict[str, RowResult] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[BatchRow]) -> BatchProgress:
        return cls({row.key: RowResult(row) for row in rows})

    def update(self, key: str, **changes: Any) -> RowResult:
        result = self.results[key]
        for name, value in changes.items():
            setattr(result, name, value)
        return result

    def count(self, state: str) -> int:
        return sum(r.state == state for r in self.results.values())

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def spent(self) -> float:
        """Everything the batch's jobs cost, this run's and earlier runs'."""
        return sum(r.usd or 0.0 for r in self.results.values())

    @property
    def spent_now(self) -> float:
        """What this run's own jobs cost (a job from an earlier run was paid for then)."""
        return sum(r.usd or 0.0 for r in self.results.values() if not r.resumed)

    @property
    def earlier(self) -> int:
        """Rows done in an earlier run: this run only checked (or fetched) them."""
        return sum(r.state == "done" and r.resumed for r in self.results.values())

    @property
    def finished(self) -> int:
        """Rows that will not change any more in this run."""
        return sum(r.state in ("done", "failed", "unconfirmed", "skipped") for r in self.results.values())

    @property
    def fraction(self) -> float:
        return self.finished / self.total if self.total else 1.0

    def describe(self) -> str:
        """One line of what this run did: ``12/20 done · 3 running · 1 failed · $4.80 spent``;
        on a run again, ``3/3 done (all in an earlier run) · $0.00 spent now ($4.96 in all)``."""
        done, earlier = self.count("done"), self.earlier
        parts = [f"{done}/{self.total} done"]
        if earlier:
            parts[0] += " (all in an earlier run)" if earlier == done else f" ({earlier} in an earlier run)"
        parts += [f"{self.count(s)} {s}" for s in ("running", "failed", "unconfirmed", "skipped") if self.count(s)]
        if any(r.resumed and r.usd for r in self.results.values()):
            parts.append(f"${self.spent_now:.2f} spent now (${self.spent:.2f} in all)")
        else:
            parts.append(f"${self.spent:.2f} spent")
        return " · ".join(parts)


def summary_table(progress: BatchProgress) -> str:
    """A plain-text table of every row, then the totals: what the CLI prints at the end."""
    head = ("row", "state", "job", "cost", "prompt / file / error")
    lines = [head]
    for result in sorted(progress.results.values(), key=lambda r: r.row.row):
        detail = result.error or result.path or result.row.describe()
        cost = f"${result.usd:.2f}" if result.usd is not None else ""
        state = result.state + (" (earlier run)" if result.resumed else "")
        lines.append((str(result.row.row), state, (result.job_id or "")[:18], cost, detail))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head) - 1)]
    text = [
        "  ".join(cell.ljust(w) for cell, w in zip(line[:-1], widths, strict=True)) + "  " + line[-1] for line in lines
    ]
    return "\n".join([*text, "", progress.describe()])


def batch_folder(batch: Path) -> Path:
    """Where a batch's videos and report go by default: ``prompts-videos/`` beside ``prompts.jsonl``."""
    return batch.parent / f"{batch.stem}-videos"


def report_paths(batch: Path, out: Path) -> tuple[Path, Path]:
    """``<out>/<batch name>.report.csv`` and ``.report.json``."""
    return out / f"{batch.stem}.report.csv", out / f"{batch.stem}.report.json"


def write_report(batch: Path, out: Path, progress: BatchProgress) -> tuple[Path, Path]:
    """Write the report (CSV for a spreadsheet, JSON for code) beside the videos, atomically."""
    records = [r.record() for r in sorted(progress.results.values(), key=lambda r: r.row.row)]
    csv_path, json_path = report_paths(batch, out)
    out.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]) if records else ["row"])
    writer.writeheader()
    writer.writerows(records)
    summary = {s: progress.count(s) for s in STATES} | {
        "total": progress.total,
        "done_earlier": progress.earlier,
        "spent_usd": progress.spent,
        "spent_this_run_usd": progress.spent_now,
    }
    document = {"batch": str(batch), "summary": summary, "rows": records}
    for target, content in ((csv_path, buffer.getvalue()), (json_path, json.dumps(document, indent=2))):
        part = target.with_name(target.name + ".part")
        part.write_text(content, encoding="utf-8")
        os.replace(part, target)
    return csv_path, json_path
