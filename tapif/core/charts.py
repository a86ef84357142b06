"""Charts drawn on the server as SVG: horizontal bars and lines by day.

Pure functions of the figures' numbers and their (already translated) words: no JavaScript,
no library. Every chart is an image with a title and a description for screen readers
(`role="img"`, `<title>`, `<desc>`); the page shows the same numbers as a table next to it.
Text is escaped here; the result is marked safe by the caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

PALETTE = ("#000091", "#e1000f", "#18753c", "#b34000", "#6a6af4", "#009099", "#a558a0", "#716043")
BAR_HEIGHT = 16
LABEL_WIDTH = 220
PLOT_WIDTH = 420


def _svg(width: int, height: int, title: str, description: str, body: str, key: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{key}-title {key}-desc" '
        'font-family="sans-serif" font-size="11">'
        f'<title id="{key}-title">{escape(title)}</title>'
        f'<desc id="{key}-desc">{escape(description)}</desc>{body}</svg>'
    )


def bar_chart(
    *,
    key: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
) -> str:
    """Horizontal bars: one group per label, one bar per series (with its legend)."""
    top = 8 + 16 * len(series)
    group = BAR_HEIGHT * len(series) + 6
    height = top + group * max(len(labels), 1) + 8
    width = LABEL_WIDTH + PLOT_WIDTH + 60
    peak = max([value for _name, values in series for value in values] + [1])
    parts = []
    for index, (name, _values) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{4 + 16 * index}" width="10" height="10" '
            f'fill="{colour}"/><text x="{LABEL_WIDTH + 14}" y="{13 + 16 * index}">'
            f"{escape(name)}</text>"
        )
    for row, label in enumerate(labels):
        y = top + group * row
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT * len(series) / 2 + 4:.0f}" '
            f'text-anchor="end">{escape(label[:40])}</text>'
        )
        for index, (_name, values) in enumerate(series):
            value = values[row]
            length = PLOT_WIDTH * value / peak
            bar_y = y + BAR_HEIGHT * index
            colour = PALETTE[index % len(PALETTE)]
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{bar_y}" width="{length:.1f}" '
                f'height="{BAR_HEIGHT - 2}" fill="{colour}"/>'
                f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{bar_y + BAR_HEIGHT - 4}">'
                f"{escape(_number(value))}</text>"
            )
    return _svg(width, height, title, description, "".join(parts), key)


def line_chart(
    *,
    key: str,
    title: str,
    description: str,
    days: Sequence[dt.date],
    series: Sequence[tuple[str, Sequence[float]]],
    markers: Sequence[tuple[dt.date, str]] = (),
) -> str:
    """Lines by day (one per series, with its legend), and vertical marks at given days."""
    left, right, top, bottom = 48, 16, 8 + 16 * ((len(series) + 2) // 3), 36
    width, plot_height = 720, 240
    height = top + plot_height + bottom
    plot_width = width - left - right
    peak = max([value for _name, values in series for value in values] + [1])
    span = max(len(days) - 1, 1)

    def x_of(index: int) -> float:
        return left + plot_width * index / span

    def y_of(value: float) -> float:
        return top + plot_height - plot_height * value / peak

    parts = [
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - right}" '
        f'y2="{top + plot_height}" stroke="#666"/>',
        f'<text x="{left - 4}" y="{top + 8}" text-anchor="end">{escape(_number(peak))}</text>',
        f'<text x="{left - 4}" y="{top + plot_height}" text-anchor="end">0</text>',
    ]
    for index, (name, _values) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        column, line = index % 3, index // 3
        parts.append(
            f'<rect x="{left + 220 * column}" y="{4 + 16 * line}" width="10" height="10" '
            f'fill="{colour}"/><text x="{left + 220 * column + 14}" y="{13 + 16 * line}">'
            f"{escape(name)}</text>"
        )
    if days:
        parts.append(
            f'<text x="{left}" y="{height - 20}">{days[0].isoformat()}</text>'
            f'<text x="{width - right}" y="{height - 20}" text-anchor="end">'
            f"{days[-1].isoformat()}</text>"
        )
    position = {day: index for index, day in enumerate(days)}
    for day, label in markers:
        if day not in position:
            continue
        x = x_of(position[day])
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_height}" '
            f'stroke="#b34000" stroke-dasharray="4 3"/>'
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="#b34000">'
            f"{escape(label)}</text>"
        )
    for index, (_name, values) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        points = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
    return _svg(width, height, title, description, "".join(parts), key)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
