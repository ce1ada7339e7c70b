"""Server-side SVG charts (pure: no ORM): the usage-map heatmap and sparklines.

SVG rendered on the server needs no JavaScript charting library, works offline and in exports,
and its hover text is a plain ``<title>``. Values are escaped; sizes are fixed so pages don't
jump while loading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

CELL = 11
GAP = 2
# Light to dark blue, as seed 000's usage map: the darker a day, the more it was used.
SHADES = ("#ebedf0", "#c6dbef", "#9ecae1", "#4292c6", "#08519c")
WEEKDAY_LABELS = {0: "Mon", 2: "Wed", 4: "Fri"}


def _shade(value: int, thresholds: Sequence[int]) -> str:
    if value <= 0:
        return SHADES[0]
    for index, threshold in enumerate(thresholds, start=1):
        if value <= threshold:
            return SHADES[index]
    return SHADES[-1]


def _thresholds(values: Sequence[int]) -> list[int]:
    """Quartiles of the non-zero values, so a light user's map is not all pale."""
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return [1, 1, 1]
    return [positive[min(len(positive) - 1, int(len(positive) * q))] for q in (0.25, 0.5, 0.75)]


def usage_heatmap(series: Sequence[tuple[dt.date, int]], *, unit: str = "pageviews") -> SafeString:
    """A calendar heatmap: one column per week (Monday first), one square per day."""
    if not series:
        return mark_safe("")
    thresholds = _thresholds([v for _, v in series])
    first = series[0][0]
    start = first - dt.timedelta(days=first.weekday())
    weeks = (series[-1][0] - start).days // 7 + 1
    left, top = 28, 16
    width = left + weeks * (CELL + GAP)
    height = top + 7 * (CELL + GAP)
    parts = [
        f'<svg class="heatmap" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-label="Daily {escape(unit)} over the last {len(series)} days">'
    ]
    for row, label in WEEKDAY_LABELS.items():
        y = top + row * (CELL + GAP) + CELL - 2
        parts.append(f'<text x="0" y="{y}" class="axis">{label}</text>')
    last_month = None
    for day, value in series:
        week = (day - start).days // 7
        x, y = left + week * (CELL + GAP), top + day.weekday() * (CELL + GAP)
        if day.month != last_month and day.day <= 7:
            parts.append(f'<text x="{x}" y="10" class="axis">{day:%b}</text>')
            last_month = day.month
        parts.append(
            f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" rx="2" '
            f'fill="{_shade(value, thresholds)}"><title>{day:%a %b %-d, %Y}: {value} '
            f"{escape(unit)}</title></rect>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above


def sparkline(
    series: Sequence[tuple[dt.date, int]], *, width: int = 160, height: int = 32, label: str = ""
) -> SafeString:
    """Daily or weekly counts as small bars, each with its date and value on hover."""
    if not series:
        return mark_safe("")
    peak = max(v for _, v in series) or 1
    bar = width / len(series)
    parts = [
        f'<svg class="sparkline" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-label="{escape(label)}">'
    ]
    for index, (day, value) in enumerate(series):
        h = max(1.0, (height - 2) * value / peak) if value else 1.0
        parts.append(
            f'<rect x="{index * bar:.2f}" y="{height - h:.2f}" width="{max(bar - 1, 1):.2f}" '
            f'height="{h:.2f}" class="{"bar" if value else "bar-empty"}">'
            f"<title>{day:%b %-d}: {value}</title></rect>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above
