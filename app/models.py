"""Every model in one import, for Alembic and for create_app."""

from app.catalog.models import Event, Offer
from app.checkout.models import Customer, Order, OrderStatusChange
from app.consent.models import ConsentRecord
from app.leads.models import Lead
from app.outbox.models import OutboxMessage
from app.payments.models import WebhookEvent

__all__ = [
    "ConsentRecord",
    "Customer",
    "Event",
    "Lead",
    "Offer",
    "Order",
    "OrderStatusChange",
    "OutboxMessage",
    "WebhookEvent",
]
