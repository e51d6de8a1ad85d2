"""The dashboard's charts as shapes for an inline SVG: drawn by the server, readable with
JavaScript off, and each backed by a table with the same numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    series: str = ""


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]


def funnel_chart(stages: list[tuple[str, int]], width: int = 320, row: int = 30) -> Chart:
    """One horizontal bar per stage, the first as wide as the chart."""
    top = max((value for _, value in stages), default=0) or 1
    label_room = 110
    room = width - label_room - 50
    bars = [
        Bar(label, value, label_room, n * row + 4, max(1.0, room * value / top), row - 10)
        for n, (label, value) in enumerate(stages)
    ]
    return Chart(width, row * len(stages) + 4, bars)


def day_chart(
    days: list[str], series: Mapping[str, Mapping[str, int]], width: int = 640, height: int = 160
) -> Chart:
    """Columns per day, one per series side by side, on a shared scale."""
    names = list(series)
    top = max((counts.get(day, 0) for counts in series.values() for day in days), default=0) or 1
    slot = width / max(1, len(days))
    column = max(2.0, (slot - 4) / max(1, len(names)))
    plot = height - 20
    bars = []
    for d, day in enumerate(days):
        for s, name in enumerate(names):
            value = series[name].get(day, 0)
            tall = plot * value / top
            bars.append(
                Bar(day, value, d * slot + s * column + 2, plot - tall, column - 1, tall, name)
            )
    return Chart(width, height, bars)
