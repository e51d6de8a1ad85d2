"""What a shared link to the landing shows: Open Graph / Twitter card values and the Event.

Every address here is absolute on BASE_URL: a social network or a search engine reads the
page from outside and cannot resolve a path against the request it never made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import gettext as _

from app.catalog.models import Event, Offer
from app.landing.preview_image import SIZE, load_previews
from app.landing.structured_data import EventLinks, event_json_ld, script_json
from app.media.pictures import og_image_url
from app.timeutil import utcnow

# Open Graph names locales language_TERRITORY; English is written for a British reader.
OG_LOCALE = {"pt_PT": "pt_PT", "en": "en_GB"}


@dataclass(frozen=True)
class LinkPreview:
    url: str
    image: str
    image_width: int
    image_height: int
    image_alt: str
    locale: str
    locale_alternates: tuple[str, ...]
    # The Event as JSON, already safe between <script> tags.
    event_json: str


def _absolute(path: str) -> str:
    return current_app.config["BASE_URL"] + path


def preview_image_url(lang: str) -> str:
    """The absolute address of the preview picture drawn for `lang` at build time."""
    previews = current_app.extensions.get("landing_previews")
    if previews is None or current_app.debug:
        previews = load_previews()
        current_app.extensions["landing_previews"] = previews
    return _absolute(url_for("static", filename=previews[lang]))


def link_preview(event: Event, offers: Sequence[tuple[Offer, int]], lang: str) -> LinkPreview:
    """The share tags and the schema.org Event of the landing in `lang`.

    `offers` pairs each offer with the seats left the page shows, so the Event says
    SoldOut exactly when the page does, with no query of its own.
    """
    page = _absolute(url_for("landing.index", lang=lang))
    # The link-preview image marketing uploaded (1200×630) wins over the drawn poster.
    image = og_image_url() or preview_image_url(lang)
    links = EventLinks(
        page=page,
        images=(image,),
        home=_absolute(url_for("landing.index", lang="pt_PT")),
        checkout={
            offer.slug: _absolute(url_for("checkout.checkout", slug=offer.slug, lang=lang))
            for offer, _seats in offers
        },
    )
    alt = _(
        "Poster: %(title)s, %(date)s, %(venue)s",
        title=event.text("title", lang),
        date=event.text("date_label", lang),
        venue=(event.content.get("venue") or {}).get("name", ""),
    )
    return LinkPreview(
        url=page,
        image=image,
        image_width=SIZE[0],
        image_height=SIZE[1],
        image_alt=alt,
        locale=OG_LOCALE[lang],
        locale_alternates=tuple(code for key, code in OG_LOCALE.items() if key != lang),
        event_json=script_json(event_json_ld(event, offers, lang, links, utcnow())),
    )
