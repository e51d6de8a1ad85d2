"""A document's own address: the demo invoicer's printable page, or the certified PDF."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect
from sqlalchemy import select

from app.extensions import db
from app.invoicing.models import InvoiceDocument
from app.orders.models import Order
from app.web.i18n import localized_route
from app.web.rendering import no_store, render_page

bp = Blueprint("invoicing", __name__)


@localized_route(bp, "/invoice/<token>", methods=["GET"])
def document(token: str) -> Response:
    """Unguessable like the order page; it names the buyer and their NIF: never cached."""
    found = db.session.scalar(select(InvoiceDocument).where(InvoiceDocument.public_token == token))
    if found is None:
        abort(404)
    if found.pdf_url:
        return no_store(redirect(found.pdf_url, code=303))
    order = db.session.get(Order, found.order_id)
    # The seller, as the privacy policy names it (the event file's company details).
    seller = ((order.offer.event.content or {}).get("privacy") or {}).get("controller") or {}
    return no_store(
        render_page("invoicing/document.html", document=found, order=order, seller=seller)
    )
