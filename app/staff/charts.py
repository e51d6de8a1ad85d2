"""The dashboard's charts as shapes for an inline SVG: drawn by the server, readable with
JavaScript off, and each backed by a table with the same numbers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

# The font size of .chart-label and .chart-value (static/css/staff.css), in the SVG's own
# units: the server places text without measuring it, so it sizes room from these.
FONT = 12
# A generous advance of one character, in ems. DejaVu Sans (system-ui on Debian, and one
# of the widest sans fonts) draws the stage names at about 0.55 em a character in
# Chromium, and each digit at 0.64 em.
CHAR_EM = 0.65


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
class Text:
    """A line of text: `y` is its baseline, as SVG places text; `kind` picks the CSS
    class (chart-label or chart-value)."""

    text: str
    x: float
    y: float
    kind: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    texts: list[Text] = field(default_factory=list)


def text_width(text: str) -> float:
    """An upper estimate of how wide `text` is drawn at FONT."""
    return len(text) * FONT * CHAR_EM


def funnel_chart(stages: list[tuple[str, int]], width: int = 320) -> Chart:
    """One horizontal bar per stage, the first as wide as the room left by the largest
    count, each stage's name on its own line above its bar.

    Above, not beside: beside, the names took a fixed column that "Encomendas pagas" or
    "Leads confirmados" outgrew at a phone's width, and the bars drew over them. Above,
    a name has the chart's whole width whatever the language, and the bars keep it too.
    """
    label_line, bar_height, gap = FONT + 4, FONT + 4, 8
    row = label_line + bar_height + gap
    wide = max((text_width(label) for label, _ in stages), default=0)
    width = max(width, math.ceil(wide))  # a longer name widens the chart, never spills
    top = max((value for _, value in stages), default=0) or 1
    room = width - text_width(str(top)) - 6  # the largest count's text fits after its bar
    bars, texts = [], []
    for n, (label, value) in enumerate(stages):
        bar_y = n * row + label_line
        bar = Bar(label, value, 0, bar_y, max(1.0, room * value / top), bar_height)
        bars.append(bar)
        texts.append(Text(label, 0, bar_y - 4, "label"))
        # Beside the bar's end, its middle on the bar's middle (digits are ~0.7 em tall).
        texts.append(Text(str(value), bar.width + 4, bar_y + bar_height / 2 + FONT * 0.35, "value"))
    return Chart(width, row * len(stages), bars, texts)


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
