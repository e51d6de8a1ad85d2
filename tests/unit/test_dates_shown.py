"""Dates and times as the pages and emails write them: Lisbon's wall clock, in the page's
language, and English as written in Europe (day before month, a 24-hour clock)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask, g

from app.web.templating import clock, date_long, datetime_long, day_month

WINTER = datetime(2026, 12, 4, 12, 44, tzinfo=UTC)
# 23:30 UTC on 1 July is 00:30 on 2 July in Lisbon (summer time, UTC+1).
SUMMER_NIGHT = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lang", "moment", "long", "short", "day"),
    [
        ("pt_PT", WINTER, "4 de dezembro de 2026, 12:44", "12:44", "4 de dezembro"),
        ("en", WINTER, "4 December 2026, 12:44", "12:44", "4 December"),
        ("pt_PT", SUMMER_NIGHT, "2 de julho de 2026, 00:30", "00:30", "2 de julho"),
        ("en", SUMMER_NIGHT, "2 July 2026, 00:30", "00:30", "2 July"),
    ],
)
def test_dates_are_lisbon_time_in_the_pages_language(lang, moment, long, short, day) -> None:
    with Flask(__name__).app_context():
        g.lang = lang
        assert datetime_long(moment) == long
        assert clock(moment) == short
        assert day_month(moment) == day


def test_the_privacy_centre_reads_its_utc_iso_times_as_lisbon_dates() -> None:
    with Flask(__name__).app_context():
        g.lang = "pt_PT"
        assert date_long(SUMMER_NIGHT.isoformat()) == "2 de julho de 2026"
        g.lang = "en"
        assert date_long(WINTER.isoformat()) == "4 December 2026"
