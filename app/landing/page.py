"""The landing page itself, rendered from an event: one place for what it shows, used by
the public route and by the back office's previews (drafted wording or event)."""

from __future__ import annotations

from typing import Any

from flask import Response

from app.analytics.experiments import headline_text
from app.catalog.models import Event, Offer
from app.landing.sharing import link_preview
from app.leads.forms import LeadForm
from app.media.pictures import landing_pictures
from app.orders.holds import seats_left
from app.waitlist.forms import waitlist_form
from app.web.rendering import render_page


def landing_page(
    event: Event,
    variant: dict[str, Any],
    lang: str,
    offers: list[tuple[Offer, int]] | None = None,
    **extra: Any,
) -> Response:
    """The page for `event` with the headline `variant`, in `lang`. A preview passes its
    draft's offers (with the seats they would show) and what marks it as a preview."""
    if offers is None:
        offers = [(offer, seats_left(offer)) for offer in event.offers if offer.active]
    return render_page(
        "landing/index.html",
        event=event,
        offers=offers,
        form=LeadForm(),
        # A sold-out offer's card carries its waiting list's form.
        waitlist_forms={
            offer.slug: waitlist_form(offer.slug) for offer, seats in offers if not seats
        },
        headline=headline_text(variant, lang),
        share=link_preview(event, offers, lang),
        pictures=landing_pictures(lang),
        **extra,
    )
