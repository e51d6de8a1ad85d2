"""A fingerprint of what the pages show from the catalog: the event's row and its offers'.

Kept pages (app/web/page_cache.py) carry it in their key, so a catalog sync, a publish
from the event editor or any change to an offer is served on the next read of it. It is
read from the rows themselves rather than from a counter each writer must remember to
bump: every column of every offer is in it, including columns added later.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from app.catalog.models import Event, Offer
from app.extensions import db


def catalog_version(event: Event) -> str:
    offers = db.session.execute(
        select(*Offer.__table__.columns).where(Offer.event_id == event.id).order_by(Offer.id)
    ).all()
    seen = (event.id, event.starts_at, event.ends_at, event.updated_at, event.content, offers)
    return hashlib.sha256(repr(seen).encode()).hexdigest()
