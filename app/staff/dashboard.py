"""What the dashboard shows: seats, money, sales, the funnel and the outbox, as counts.

Every figure is one aggregate query (or a handful), so the page stays quick with
thousands of orders and leads; nothing here reads a person's details.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import case, func, select

from app.analytics.views import landing_views, today
from app.catalog.models import Offer
from app.catalog.services import current_event
from app.extensions import db
from app.leads.models import Lead
from app.money import vat_included
from app.orders.holds import holding, seats_refunded_alone
from app.orders.models import Order
from app.orders.states import OrderStatus
from app.outbox.models import OutboxMessage, OutboxStatus
from app.timeutil import LISBON, as_utc, utcnow
from app.waitlist.services import seats_held_for_the_list_count

FUNNEL_DAYS = 14
STAGES = ("views", "leads", "confirmed", "checkouts", "paid")


@dataclass(frozen=True)
class OfferSeats:
    name: str
    capacity: int
    sold: int
    held: int

    @property
    def left(self) -> int:
        return max(0, self.capacity - self.sold - self.held)


@dataclass(frozen=True)
class Money:
    gross: int
    refunded: int
    vat: int

    @property
    def net(self) -> int:
        return self.gross - self.refunded


@dataclass(frozen=True)
class Sales:
    count: int
    cents: int


@dataclass
class Funnel:
    days: list[str]
    # stage -> day -> count
    per_day: dict[str, Counter[str]] = field(default_factory=dict)
    # stage -> variant -> count
    per_variant: dict[str, Counter[str]] = field(default_factory=dict)

    def total(self, stage: str) -> int:
        return sum(self.per_day[stage].values())

    @property
    def variants(self) -> list[str]:
        names: set[str] = set()
        for counts in self.per_variant.values():
            names.update(counts)
        return sorted(names)


@dataclass(frozen=True)
class CampaignRow:
    """Leads and orders of the funnel's days from one first-touch source and campaign."""

    source: str
    campaign: str
    counts: dict[str, int]


def _by_campaign(column, source, campaign, since: datetime):  # type: ignore[no-untyped-def]
    rows = db.session.execute(
        select(source, campaign, func.count()).where(column >= since).group_by(source, campaign)
    ).all()
    return [(src or "direct", camp or "—", int(count)) for src, camp, count in rows]


def funnel_by_campaign(days: int = FUNNEL_DAYS) -> list[CampaignRow]:
    """The funnel's stages after the landing view, per first-touch source and campaign
    (analytics/journeys.py), most leads first; a visit from nowhere known is "direct"."""
    since = datetime.combine(today() - timedelta(days=days - 1), time(0), tzinfo=LISBON)
    columns = {
        "leads": (Lead.created_at, Lead.first_source, Lead.first_campaign),
        "confirmed": (Lead.confirmed_at, Lead.first_source, Lead.first_campaign),
        "checkouts": (Order.created_at, Order.first_source, Order.first_campaign),
        "paid": (Order.paid_at, Order.first_source, Order.first_campaign),
    }
    table: dict[tuple[str, str], dict[str, int]] = {}
    for stage, (column, source, campaign) in columns.items():
        for src, camp, count in _by_campaign(column, source, campaign, since):
            table.setdefault((src, camp), dict.fromkeys(columns, 0))[stage] += count
    rows = [CampaignRow(src, camp, counts) for (src, camp), counts in table.items()]
    return sorted(rows, key=lambda row: (-row.counts["leads"], -row.counts["paid"], row.source))


@dataclass(frozen=True)
class OutboxHealth:
    waiting: int
    retrying: int
    dead: int
    oldest_waiting: timedelta | None


def seats() -> list[OfferSeats]:
    event = current_event()
    if event is None:
        return []
    now = utcnow()
    rows = db.session.execute(
        select(
            Order.offer_id,
            func.sum(case((Order.status == OrderStatus.PAID, Order.quantity), else_=0)),
            func.sum(case((holding(now), Order.quantity), else_=0)),
        ).group_by(Order.offer_id)
    ).all()
    refunded = seats_refunded_alone()
    counts = {
        offer_id: (int(sold or 0) - refunded.get(offer_id, 0), int(held or 0))
        for offer_id, sold, held in rows
    }
    # A seat offered to someone on the waiting list is held for her until her deadline:
    # the shop does not sell it, so the dashboard does not count it as free either.
    for_the_list = {
        offer.id: int(db.session.scalar(seats_held_for_the_list_count(offer.id, now)) or 0)
        for offer in event.offers
    }
    shown = []
    for offer in event.offers:
        sold, held = counts.get(offer.id, (0, 0))
        shown.append(
            OfferSeats(
                offer.localized_name("pt_PT"), offer.capacity, sold, held + for_the_list[offer.id]
            )
        )
    return shown


def money() -> Money:
    """Takings of every order that was paid (refunded ones too), and the VAT in what stays."""
    rows = db.session.execute(
        select(Offer.vat_rate, func.sum(Order.amount_cents), func.sum(Order.refunded_cents))
        .join(Offer, Offer.id == Order.offer_id)
        .where(Order.paid_at.is_not(None))
        .group_by(Offer.vat_rate)
    ).all()
    gross = sum(int(amount or 0) for _, amount, _ in rows)
    refunded = sum(int(back or 0) for _, _, back in rows)
    vat = sum(vat_included(int(amount or 0) - int(back or 0), rate) for rate, amount, back in rows)
    return Money(gross, refunded, vat)


def sales_since(moment: datetime) -> Sales:
    count, cents = db.session.execute(
        select(func.count(Order.id), func.sum(Order.amount_cents)).where(Order.paid_at >= moment)
    ).one()
    return Sales(int(count or 0), int(cents or 0))


def start_of_today() -> datetime:
    return datetime.combine(today(), time(0), tzinfo=LISBON)


def _by_day(column, variant, since: datetime) -> list[tuple[str, str | None, int]]:  # type: ignore[no-untyped-def]
    """(day, variant, count) of the rows whose `column` falls after `since`, counted by
    the database. Days are UTC days (Lisbon's are the same in winter, an hour off in
    summer): a funnel reads trends, not the last hour."""
    day = func.date(column)
    rows = db.session.execute(
        select(day, variant, func.count()).where(column >= since).group_by(day, variant)
    ).all()
    return [(str(when)[:10], name, int(count)) for when, name, count in rows]


def funnel(days: int = FUNNEL_DAYS) -> Funnel:
    """Landing views, leads, confirmed leads, checkouts started and paid orders, per day
    and per headline variant, for the last `days` days."""
    first = today() - timedelta(days=days - 1)
    since = datetime.combine(first, time(0), tzinfo=LISBON)
    result = Funnel(days=[(first + timedelta(days=n)).isoformat() for n in range(days)])
    sources = {
        "leads": (Lead.created_at, Lead.headline_variant),
        "confirmed": (Lead.confirmed_at, Lead.headline_variant),
        "checkouts": (Order.created_at, Order.headline_variant),
        "paid": (Order.paid_at, Order.headline_variant),
    }
    views = [(day, variant, count) for (day, variant), count in landing_views(days).items()]
    for stage in STAGES:
        rows = views if stage == "views" else _by_day(*sources[stage], since)
        result.per_day[stage] = Counter()
        result.per_variant[stage] = Counter()
        for day, variant, count in rows:
            result.per_day[stage][day] += count
            result.per_variant[stage][variant or "—"] += count
    return result


def outbox_health() -> OutboxHealth:
    now = utcnow()
    waiting, retrying, dead = db.session.execute(
        select(
            func.sum(
                case(
                    (
                        (OutboxMessage.status == OutboxStatus.PENDING)
                        & (OutboxMessage.attempts == 0),
                        1,
                    ),
                    else_=0,
                )
            ),
            func.sum(
                case(
                    (
                        (OutboxMessage.status == OutboxStatus.PENDING)
                        & (OutboxMessage.attempts > 0),
                        1,
                    ),
                    else_=0,
                )
            ),
            func.sum(case((OutboxMessage.status == OutboxStatus.DEAD, 1), else_=0)),
        )
    ).one()
    oldest = db.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    age = now - as_utc(oldest) if oldest is not None else None
    return OutboxHealth(int(waiting or 0), int(retrying or 0), int(dead or 0), age)


def flagged_orders(limit: int = 20) -> list[Order]:
    return list(
        db.session.scalars(
            select(Order)
            .where(Order.review_reason.is_not(None))
            .order_by(Order.updated_at.desc())
            .limit(limit)
        )
    )
