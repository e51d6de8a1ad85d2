"""The dashboard's charts keep every bar and every line of text apart and inside the
viewBox, on a phone's 412 px as on a desktop, whatever the language of the stage names."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.staff.charts import FONT, Chart, day_chart, funnel_chart
from app.staff.dashboard import FUNNEL_DAYS, STAGES
from app.staff.dashboard_routes import STAGE_LABELS

ROOT = Path(__file__).resolve().parents[2]
# Text boxes measured independently of charts.py's own estimate, so that lowering it
# fails here: DejaVu Sans in Chromium draws each digit 0.64 em wide, rises 0.93 em above
# the baseline and falls 0.24 em below it.
EM_PER_CHAR, ASCENT, DESCENT = 0.65, 0.95, 0.25

Box = tuple[float, float, float, float]  # left, top, right, bottom


def _stage_names(locale: str) -> list[str]:
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        catalog = read_po(fh, locale=locale)
    names = []
    for stage in STAGES:
        message = catalog.get(str(STAGE_LABELS[stage]))
        names.append(message.string if message and message.string else message.id)
    return names


def _boxes(chart: Chart) -> list[tuple[str, Box]]:
    boxes = [(f"bar {b.label!r}", (b.x, b.y, b.x + b.width, b.y + b.height)) for b in chart.bars]
    for text in chart.texts:
        width = len(text.text) * FONT * EM_PER_CHAR
        box = (text.x, text.y - ASCENT * FONT, text.x + width, text.y + DESCENT * FONT)
        boxes.append((f"{text.kind} {text.text!r}", box))
    return boxes


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _assert_apart_and_inside(chart: Chart) -> None:
    boxes = _boxes(chart)
    for name, (left, top, right, bottom) in boxes:
        assert left >= 0 and top >= 0, f"{name} starts outside the viewBox"
        assert right <= chart.width and bottom <= chart.height, f"{name} ends outside it"
    for n, (name, box) in enumerate(boxes):
        for other, other_box in boxes[n + 1 :]:
            assert not _overlap(box, other_box), f"{name} overlaps {other}"


COUNTS = {
    "typical": [25, 2, 0, 4, 3],
    "nothing yet": [0, 0, 0, 0, 0],
    "a big launch": [1_234_567, 45_678, 12_345, 9_876, 5_432],
    "every stage full": [500, 500, 500, 500, 500],
}


@pytest.mark.parametrize("locale", ["pt_PT", "en"])
@pytest.mark.parametrize("counts", COUNTS.values(), ids=COUNTS.keys())
def test_funnel_names_counts_and_bars_never_overlap_nor_leave_the_chart(
    locale: str, counts: list[int]
) -> None:
    chart = funnel_chart(list(zip(_stage_names(locale), counts, strict=True)))
    assert len(chart.texts) == 2 * len(STAGES)
    _assert_apart_and_inside(chart)


def test_funnel_keeps_the_phone_width_and_the_largest_count_gets_the_longest_bar() -> None:
    names = _stage_names("pt_PT")
    assert names[-1] == "Encomendas pagas"  # the catalog's names, not the English ids
    chart = funnel_chart(list(zip(names, COUNTS["typical"], strict=True)))
    # 320 units fill a 412 px phone's card at about 1:1, so 12-unit text reads at ~13 px.
    assert chart.width == 320
    widest = max(chart.bars, key=lambda bar: bar.width)
    assert widest.value == 25 and widest.width > chart.width / 2


def test_a_name_longer_than_the_chart_widens_it_instead_of_spilling() -> None:
    long_name = "Pessoas que abriram a página de pagamento e desistiram a meio"
    chart = funnel_chart([(long_name, 10), ("Encomendas pagas", 3)])
    assert chart.width > 320
    _assert_apart_and_inside(chart)


@pytest.mark.parametrize("days", [FUNNEL_DAYS, 31])
def test_day_columns_never_overlap_nor_leave_the_chart(days: int) -> None:
    names = [f"2026-01-{n + 1:02d}" for n in range(days)]
    series = {
        "views": {day: 40 + n for n, day in enumerate(names)},
        "leads": {day: n % 5 for n, day in enumerate(names)},
        "paid": {names[-1]: 3},
    }
    _assert_apart_and_inside(day_chart(names, series))
