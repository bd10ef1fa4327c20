"""The spend chart: SVG for notebooks, text for terminals, the budget always on it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from veo_widgets.money._spend import SpendHistory
from veo_widgets.views._spend import spend_svg, spend_text

TODAY = date(2026, 12, 7)
CELLS = (
    ("2026-12-05", "google/veo3", 6.72),
    ("2026-12-07", "google/veo3", 3.36),
    ("2026-12-07", "google/veo-3.0-fast", 1.68),
)


def history(budget: float | None = 10.0, cells: tuple[tuple[str, str, float], ...] = CELLS) -> SpendHistory:
    return SpendHistory(usd=sum(c[2] for c in cells), requests=3, days=7, cells=cells, budget_usd=budget, today=TODAY)


def test_the_svg_stacks_each_days_models_and_draws_the_budget() -> None:
    svg = spend_svg(history())
    root = ET.fromstring(svg)  # well-formed, one element
    ns = {"s": "http://www.w3.org/2000/svg"}
    bars = root.findall("s:rect[@class='veo-spend-bar']", ns)
    assert len(bars) == 3
    titles = sorted(b.find("s:title", ns).text or "" for b in bars)  # type: ignore[union-attr]
    assert titles == ["2026-12-05 veo3: $6.72", "2026-12-07 veo-3.0-fast: $1.68", "2026-12-07 veo3: $3.36"]
    (budget,) = root.findall("s:line[@class='veo-spend-budget']", ns)
    heights = {t.split(":")[0]: float(b.get("height") or 0) for t, b in zip(titles, bars, strict=True)}
    assert float(budget.get("y1") or 0) < 220 - 40  # above the axis
    assert heights["2026-12-05 veo3"] > heights["2026-12-07 veo3"]
    assert "budget $10.00/day" in svg and "2026-12-01" in svg and "2026-12-07" in svg


def test_an_empty_window_says_so_and_a_budget_over_every_day_still_shows() -> None:
    svg = spend_svg(history(budget=100.0, cells=()))
    assert "no spend in this window" in svg and "veo-spend-budget" in svg
    assert "veo-spend-budget" not in spend_svg(history(budget=None))


def test_the_text_chart_has_a_line_per_day_and_the_budget_mark() -> None:
    lines = spend_text(history(), width=60).splitlines()
    assert lines[0].startswith("Spend per day, last 7 days: $11.76") and "|" in lines[0]
    days = lines[1:8]
    assert [d[:10] for d in days] == [f"2026-12-0{n}" for n in range(1, 8)]
    assert all(len(d) <= 60 for d in lines)
    assert days[4].endswith("$6.72") and days[6].endswith("$5.04") and days[0].strip().endswith("|")
    assert "█" in days[6] and "▓" in days[6] and "█ veo3" in lines[-1]
