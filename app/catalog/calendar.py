"""The event as an iCalendar (.ics) invite, in Lisbon time, for emails and the attendee page."""

from __future__ import annotations

from datetime import date

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from app.catalog.models import Event
from app.timeutil import to_lisbon, utcnow


def event_ics(event: Event, lang: str, *, uid: str, url: str | None = None) -> bytes:
    """One VEVENT with a Europe/Lisbon VTIMEZONE; `uid` keeps a re-sent invite the same event."""
    calendar = Calendar()
    calendar.add("prodid", "-//Café com Vendas//Storefront//PT")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    venue = event.content.get("venue") or {}
    entry = CalendarEvent()
    entry.add("uid", uid)
    entry.add("dtstamp", utcnow())
    entry.add("dtstart", to_lisbon(event.starts_at))
    entry.add("dtend", to_lisbon(event.ends_at))
    entry.add("summary", event.text("title", lang))
    location = ", ".join(part for part in (venue.get("name"), venue.get("address")) if part)
    if location:
        entry.add("location", location)
    description = event.text("tagline", lang) or ""
    if url:
        entry.add("url", url)
        description = f"{description}\n\n{url}".strip()
    entry.add("description", description)
    calendar.add_component(entry)
    # The Lisbon rules around the event only, not every change since 1970.
    start = to_lisbon(event.starts_at).date()
    calendar.add_missing_timezones(
        first_date=date(start.year, 1, 1), last_date=date(start.year + 1, 1, 1)
    )
    return calendar.to_ical()
