"""The audit's window: a time, a span back, or its words; a window that ends first is refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import veo_widgets as veo
from veo_widgets.money._audit_run import parse_since, window

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("words", "start"),
    [
        (None, NOW - timedelta(days=7)),
        ("7d", NOW - timedelta(days=7)),
        ("24h", NOW - timedelta(hours=24)),
        ("90m", NOW - timedelta(minutes=90)),
        ("2w", NOW - timedelta(weeks=2)),
        ("2026-12-01", datetime(2026, 12, 1, tzinfo=timezone.utc)),
        (timedelta(hours=3), NOW - timedelta(hours=3)),
    ],
)
def test_since_in_any_form(words: object, start: datetime) -> None:
    assert window(words, None, NOW) == (start, NOW)  # type: ignore[arg-type]


def test_a_window_that_ends_before_it_starts_or_unreadable_words_are_refused() -> None:
    with pytest.raises(veo.ValidationError, match="since"):
        window(NOW, NOW - timedelta(days=1), NOW)
    with pytest.raises(veo.ValidationError, match="7d"):
        parse_since("last tuesday")
