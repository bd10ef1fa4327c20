"""Spend over time, drawn: stacked bars per day and model with the daily budget as a line.

:func:`spend_svg` draws a :class:`~..money._spend.SpendHistory` as inline SVG (no plotting
library: a few rectangles and a line), for the gallery and the audit view; :func:`spend_text`
draws the same as text for ``veo spend`` in a terminal. Both scale to the larger of the
busiest day and the budget, so the budget line is always on the chart.
"""

from __future__ import annotations

import html

from ..money._spend import SpendHistory

__all__ = ["PALETTE", "SHADES", "spend_svg", "spend_text"]

#: Model colours, in the order of their spend (most first); readable on light and dark themes.
PALETTE = ("#1976d2", "#f57c00", "#388e3c", "#7c3aed", "#d32f2f", "#0097a7", "#6d4c41", "#5c6bc0")
#: The text chart's fill per model, in the same order.
SHADES = ("█", "▓", "▒", "░", "#", "=", "+", ":")


def _short(model: str) -> str:
    return model.split("/", 1)[-1]


def _money(usd: float) -> str:
    return f"${usd:,.2f}"


def spend_svg(history: SpendHistory, *, width: int = 640, height: int = 220) -> str:
    """The chart as one ``<svg>`` element (with a ``<title>`` on every bar, for hovering)."""
    days = history.per_day()
    models = history.models()
    colour = {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(models)}
    top = max([sum(spent.values()) for _, spent in days] + [history.budget_usd or 0.0, 0.01])
    left, right, upper, lower = 56, 8, 12, 40
    plot_w, plot_h = width - left - right, height - upper - lower
    slot = plot_w / max(1, len(days))
    bar = max(1.0, slot * 0.72)
    parts = [
        f'<svg class="veo-spend-chart" role="img" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f"<title>Spend per day per model, last {history.days} days: {_money(history.usd)}</title>",
        f'<line x1="{left}" y1="{upper + plot_h}" x2="{left + plot_w}" y2="{upper + plot_h}" stroke="#9e9e9e"/>',
        f'<text x="{left - 6}" y="{upper + 4}" text-anchor="end" fill="currentColor">{_money(top)}</text>',
        f'<text x="{left - 6}" y="{upper + plot_h}" text-anchor="end" fill="currentColor">$0</text>',
    ]
    for i, (day, spent) in enumerate(days):
        x = left + i * slot + (slot - bar) / 2
        y = float(upper + plot_h)
        for model in models:
            usd = spent.get(model, 0.0)
            if usd <= 0:
                continue
            h = usd / top * plot_h
            y -= h
            label = html.escape(f"{day} {_short(model)}: {_money(usd)}")
            parts.append(
                f'<rect class="veo-spend-bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour[model]}"><title>{label}</title></rect>'
            )
    if history.budget_usd is not None:
        line_y = upper + plot_h - history.budget_usd / top * plot_h
        parts.append(
            f'<line class="veo-spend-budget" x1="{left}" y1="{line_y:.1f}" x2="{left + plot_w}" y2="{line_y:.1f}" '
            f'stroke="#d32f2f" stroke-dasharray="4 3"><title>daily budget {_money(history.budget_usd)}</title></line>'
        )
        parts.append(
            f'<text x="{left + plot_w}" y="{line_y - 3:.1f}" text-anchor="end" fill="#d32f2f">'
            f"budget {_money(history.budget_usd)}/day</text>"
        )
    if days:
        base = upper + plot_h + 14
        parts.append(f'<text x="{left}" y="{base}" fill="currentColor">{days[0][0]}</text>')
        parts.append(f'<text x="{left + plot_w}" y="{base}" text-anchor="end" fill="currentColor">{days[-1][0]}</text>')
    x = float(left)
    for model in models:
        name = html.escape(_short(model))
        parts.append(f'<rect x="{x:.0f}" y="{height - 12}" width="10" height="10" fill="{colour[model]}"/>')
        parts.append(f'<text x="{x + 14:.0f}" y="{height - 3}" fill="currentColor">{name}</text>')
        x += 24 + 7 * len(name)
    if not models:
        parts.append(f'<text x="{left + 4}" y="{height - 3}" fill="currentColor">no spend in this window</text>')
    parts.append("</svg>")
    return "".join(parts)


def spend_text(history: SpendHistory, *, width: int = 80) -> str:
    """The chart as lines of text: a bar per day (a shade per model), the budget as ``|``."""
    days = history.per_day()
    models = history.models()
    shade = {m: SHADES[i % len(SHADES)] for i, m in enumerate(models)}
    top = max([sum(spent.values()) for _, spent in days] + [history.budget_usd or 0.0, 0.01])
    room = max(10, width - 24)
    mark = round(history.budget_usd / top * room) if history.budget_usd is not None else None
    head = f"Spend per day, last {history.days} days: {_money(history.usd)}"
    if history.budget_usd is not None:
        head += f" (budget {_money(history.budget_usd)}/day: |)"
    lines = [head]
    for day, spent in days:
        cells: list[str] = []
        for model in models:
            cells += [shade[model]] * round(spent.get(model, 0.0) / top * room)
        row = "".join(cells)[:room].ljust(room)
        if mark is not None and 0 <= mark < room and row[mark] == " ":
            row = row[:mark] + "|" + row[mark + 1 :]
        elif mark is not None and mark >= room:
            row += "|"
        total = sum(spent.values())
        lines.append(f"{day} {row} {_money(total) if total else ''}".rstrip())
    if models:
        lines.append("  ".join(f"{shade[m]} {_short(m)}" for m in models))
    else:
        lines.append("no spend in this window")
    return "\n".join(lines)
