"""The event editor's refusals in the team's words: which field, and why.

The catalog's rules name a field by its dotted path (`offers.1.price`) and a reason
code; this module turns both into a sentence, so the data file's English messages stay
as they are for the command line."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.catalog.services import CatalogError

SECTIONS = {
    "title": _l("Title"),
    "tagline": _l("Subtitle"),
    "headline": _l("Headline"),
    "date_label": _l("Date as written on the page"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "venue": _l("Venue"),
    "community_url": _l("Community link"),
    "headline_variants": _l("Headline variant"),
    "benefits": _l("Benefit"),
    "agenda": _l("Agenda item"),
    "speakers": _l("Speaker"),
    "testimonials": _l("Testimonial"),
    "faq": _l("Question"),
    "offers": _l("Ticket"),
    "privacy": _l("Privacy section"),
}
LEAVES = {
    "name": _l("name"),
    "address": _l("address"),
    "map_url": _l("map link"),
    "id": _l("id"),
    "time": _l("time"),
    "title": _l("title"),
    "role": _l("role"),
    "bio": _l("bio"),
    "business": _l("business"),
    "quote": _l("quote"),
    "question": _l("question"),
    "answer": _l("answer"),
    "slug": _l("address in the shop (slug)"),
    "description": _l("description"),
    "price": _l("price"),
    "vat_rate": _l("VAT rate"),
    "capacity": _l("seats"),
    "max_per_order": _l("tickets per order"),
    "sales_start": _l("sales start"),
    "sales_end": _l("sales end"),
    "until": _l("early-bird price until"),
}
LANGUAGES = {"pt_PT": _l("Portuguese"), "en": _l("English")}
REASONS = {
    "missing": _l("is missing."),
    "both_languages": _l("is empty: the page needs this text in both languages."),
    "not_a_date": _l("is not a date and time (Lisbon time)."),
    "not_a_time": _l("is not a time like 09:30."),
    "end_before_start": _l("must be after the start."),
    "date_label": _l(
        "does not name the day the event starts (its day, month and year): change it or the "
        "start, so that the page and the calendar invite say the same day."
    ),
    "price": _l("must be an amount above zero, like 147,00."),
    "vat_rate": _l("must be a rate from 0 to 1, like 0.23."),
    "capacity": _l("must be a whole number of seats, 0 or more."),
    "max_per_order": _l("must be a whole number from 1 to 5."),
    "twice": _l("appears twice."),
    "variant_id": _l("must be short: lowercase letters or digits, like b."),
    "slug_locked": _l("cannot change: this ticket already has orders."),
    "already_published": _l("This version was already published."),
    "tier_price": _l("must be above zero and below the ticket's price."),
    "tier_order": _l("must be after the end of the early-bird price above it."),
}


def field_label(path: str) -> str:
    """`offers.1.price` as the page names it: "Ticket 2 — price"."""
    parts = path.split(".")
    language = parts.pop() if parts and parts[-1] in LANGUAGES else None
    section = str(SECTIONS.get(parts[0], parts[0])) if parts else ""
    label = section
    if len(parts) > 1 and parts[1].isdigit():
        label = f"{section} {int(parts[1]) + 1}"
        parts = parts[2:]
    else:
        parts = parts[1:]
    if len(parts) == 3 and parts[0] == "price_tiers" and parts[1].isdigit():
        tier = gettext("early-bird price %(number)d", number=int(parts[1]) + 1)
        return f"{label} — {tier} — {LEAVES.get(parts[-1], parts[-1])}"
    if parts:
        label = f"{label} — {LEAVES.get(parts[-1], parts[-1])}"
    if language:
        label = f"{label} ({LANGUAGES[language]})"
    return label


def describe(error: CatalogError) -> str:
    """One sentence naming the field and the reason, in the page's language."""
    if error.reason == "below_sold":
        reason = gettext(
            "cannot be below the %(count)d seats already sold or held.", count=error.count
        )
    elif error.reason in REASONS:
        reason = str(REASONS[error.reason])
    else:
        # A rule without words of its own here (the privacy section): its own message.
        reason = str(error)
    if not error.field:
        return reason
    return f"{field_label(error.field)}: {reason}"
