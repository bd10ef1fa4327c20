"""The Audit view's spend chart (issue 22) in a real browser: bars per day and the budget line."""

from __future__ import annotations

from typing import Any

import pytest

from . import drive
from .servers import Server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.mark.parametrize("server", ["lab", "voila"], indirect=True)
def test_the_spend_chart_shows_with_the_budget_line(server: Server, page: Any) -> None:
    drive.open_notebook(page, server, "audit.ipynb")
    if server.kind != "voila":
        drive.run_cell(page, 0)
    view = page.locator(".veo-audit-view").first
    view.wait_for(timeout=120_000)
    assert "delivered" in view.inner_text()
    chart = view.locator("svg.veo-spend-chart").first
    chart.wait_for(timeout=30_000)
    bars = chart.locator("rect.veo-spend-bar")
    assert bars.count() >= 1
    box = bars.last.bounding_box()  # today's bar: drawn, with a size on screen
    assert box is not None and box["width"] > 0 and box["height"] > 0
    line = chart.locator("line.veo-spend-budget").first
    line_box = line.bounding_box()
    chart_box = chart.bounding_box()
    assert line_box is not None and chart_box is not None and line_box["width"] > chart_box["width"] / 2
    assert "budget $5.00/day" in (chart.text_content() or "")
