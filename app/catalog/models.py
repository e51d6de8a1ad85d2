"""Event and offers, as loaded from the event data file."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.tiers import PriceNow, price_at
from app.extensions import db
from app.money import vat_included
from app.timeutil import UTCDateTime, as_utc, utcnow
from app.web.i18n import localized

# The most seats any order may take; each offer may allow fewer.
MAX_PER_ORDER = 5


class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Everything a page shows about the event (title, venue, agenda, speakers,
    # testimonials, FAQ) by locale, straight from the data file.
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    offers: Mapped[list[Offer]] = relationship(back_populates="event", order_by="Offer.position")

    def text(self, key: str, locale: str) -> Any:
        """A localized content entry, falling back to Portuguese."""
        value = self.content.get(key)
        return localized(value, locale)


class Offer(db.Model):
    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("price_cents > 0", name="ck_offers_price_positive"),
        CheckConstraint("capacity >= 0", name="ck_offers_capacity_not_negative"),
        CheckConstraint(
            "max_per_order >= 1 AND max_per_order <= 5", name="ck_offers_max_per_order_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # VAT-inclusive price in euro cents.
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    capacity: Mapped[int] = mapped_column(Integer)
    # How many seats one order may take (1 to MAX_PER_ORDER): a buyer brings friends,
    # not a reseller's stock.
    max_per_order: Mapped[int] = mapped_column(
        Integer, default=MAX_PER_ORDER, server_default=str(MAX_PER_ORDER)
    )
    sales_start: Mapped[datetime] = mapped_column(UTCDateTime())
    sales_end: Mapped[datetime] = mapped_column(UTCDateTime())
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # Early-bird prices by date (catalog/tiers.py); None or [] when it sells at its price.
    price_tiers: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    event: Mapped[Event] = relationship(back_populates="offers")

    def localized_name(self, locale: str) -> str:
        return localized(self.name, locale)

    @property
    def vat_cents(self) -> int:
        """The VAT contained in the price."""
        return vat_included(self.price_cents, self.vat_rate)

    def price_now(self, now: datetime | None = None) -> PriceNow:
        """What a seat costs at `now`: the running tier's price, or the offer's own."""
        return price_at(self.price_cents, self.price_tiers, now)

    def on_sale(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.active and as_utc(self.sales_start) <= now < as_utc(self.sales_end)


class EventRevision(db.Model):
    """One saved version of the whole event from the back office's editor, in the data
    file's shape. A draft until published; publishing never edits it, so the history
    keeps what was live when."""

    __tablename__ = "event_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Who saved it: a staff id without a foreign key, so the history outlives the member.
    author_staff_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")
